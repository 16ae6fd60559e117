"""Files the site hands out: one way to write a download's headers, and CSV cells a
spreadsheet shows as text, never runs as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from urllib.parse import quote

from flask import Response

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A CSV cell as text: a leading formula character is quoted with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(rows: Iterable[Iterable]) -> str:
    """Rows as CSV text, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()


def content_disposition(filename: str, *, inline: bool = False) -> str:
    """The header naming a download: an ASCII fallback and the exact (UTF-8) name."""
    kind = "inline" if inline else "attachment"
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
