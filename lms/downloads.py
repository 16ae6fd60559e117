"""Files the site hands out: one way to write a download's headers, and CSV and XLSX cells a
spreadsheet shows as text, never runs as a formula. Every CSV or XLSX the site writes goes
through ``csv_text`` or ``xlsx_bytes``."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); the
# full-width forms too (some spreadsheets read "＝" as "="), and after leading spaces or line
# breaks (which some trim before reading the cell).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) or text.lstrip(" \t\r\n").startswith(FORMULA_STARTS)


def safe_cell(value) -> str:
    """A CSV cell as text: a leading formula character is quoted with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_text(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(rows: Iterable[Iterable], *, title: str = "Sheet1") -> bytes:
    """Rows as an XLSX workbook of one sheet. Every text is written as a string cell (type
    ``s``, never a formula, whatever it starts with) and one that looks like a formula is
    marked as Excel marks text typed after an apostrophe (``quotePrefix``); numbers stay
    numbers; characters XML cannot hold are dropped."""
    # Imported at the first workbook: kept out of workers that never write one.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, bool) or not isinstance(value, int | float):
                text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
                cell = WriteOnlyCell(sheet, value=text)
                cell.data_type = "s"
                if looks_like_formula(text):
                    cell.quotePrefix = True
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# Characters no common file system accepts in a name (Windows forbids them; browsers replace
# them on their own, differently): a certificate number's check character may be "*".
_NOT_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def portable_filename(filename: str) -> str:
    """``filename`` with what no file system accepts (``<>:"/\\|?*`` and controls) as "_"."""
    return _NOT_IN_FILE_NAMES.sub("_", filename)


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header naming a download: a portable name (:func:`portable_filename`), as ASCII
    and, when it is not, also exactly (UTF-8)."""
    kind = "inline" if inline else "attachment"
    filename = portable_filename(filename)
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    if fallback == filename:
        return f'{kind}; filename="{filename}"'
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(
    body: bytes | str,
    filename: str,
    mimetype: str,
    *,
    inline: bool = False,
    private: bool = True,
) -> Response:
    """A file reply: named, not cached by shared caches (``private``: not stored at all)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(filename, inline=inline)
    if private:
        response.headers["Cache-Control"] = "no-store"
    return response
