"""The files of "Certificates from a spreadsheet" (``spreadsheet_ops``): reading an uploaded
CSV or XLSX into rows, and the template's columns.

What is read, and what is refused before anything is planned:

- at most ``MAX_BYTES`` (2 MB) and ``MAX_ROWS`` (5,000) rows below the header;
- CSV in UTF-8 (with or without a BOM) or, failing that, an 8-bit encoding that
  charset-normalizer finds (Windows-1251 or -1252); ``;``, tab or ``,`` between cells;
- XLSX read by openpyxl (``read_only``, ``data_only``: a formula is never evaluated here; a
  formula cell reads as the value Excel last saved, a text starting with "=" is text); files
  with macros (``.xlsm``, a ``vbaProject.bin``), old binary ``.xls``, web pages saved as
  ``.xls``, zip files that unpack to more than ``MAX_UNZIPPED`` and anything else that is not
  a spreadsheet are refused with a message in the reader's language.

The first non-empty row is the header; its names are matched in English, Russian and Kazakh
(the template's own labels in each language, and a few usual words), case and spaces aside.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.formatting import format_decimal
from lms.service_error import ServiceError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 30
MAX_UNZIPPED = 40 * 1024 * 1024
LANGUAGES = ("en", "ru", "kk")

# The template's columns, in its order: key -> header (in the reader's language).
COLUMNS = {
    "action": _l("Action"),
    "number": _l("Certificate number"),
    "email": _l("Holder e-mail"),
    "qualification": _l("Qualification"),
    "seminar": _l("Seminar"),
    "name": _l("Name on the certificate"),
    "reason": _l("Reason"),
    "reason_code": _l("Reason code"),
    "public_note": _l("Public note"),
}
# Words people write instead of the template's headers.
OTHER_HEADERS = {
    "action": ("действие", "әрекет"),
    "number": ("number", "номер", "нөмір", "номер сертификата", "сертификат нөмірі"),
    "email": (
        "email",
        "e-mail",
        "почта",
        "электронная почта",
        "e-mail держателя",
        "пошта",
        "электрондық пошта",
    ),
    "qualification": ("квалификация", "біліктілік"),
    "seminar": ("семинар", "seminar id"),
    "name": ("name", "full name", "имя", "фио", "аты-жөні"),
    "reason": ("причина", "себеп"),
    "reason_code": ("код причины", "себеп коды"),
    "public_note": ("публичное примечание", "жария ескертпе"),
}
ACTIONS = ("issue", "reissue", "revoke")
# A row's outcome in the dry run and the result file.
OUTCOMES = {
    "issue": _l("Would issue"),
    "reissue": _l("Would reissue"),
    "revoke": _l("Would revoke"),
    "skip": _l("Already done: skipped"),
    "error": _l("Error"),
    "issued": _l("Issued"),
    "reissued": _l("Reissued"),
    "revoked": _l("Revoked"),
}


def action_labels() -> dict[str, str]:
    """Each action as the reader writes it in the file (their language)."""
    return {
        "issue": pgettext("spreadsheet action", "issue"),
        "reissue": pgettext("spreadsheet action", "reissue"),
        "revoke": pgettext("spreadsheet action", "revoke"),
    }


def action_words() -> dict[str, str]:
    """The words of an action in each language (as the template's help shows them) -> action."""
    words = {action: action for action in ACTIONS}
    for language in LANGUAGES:
        with force_locale(language):
            labels = action_labels()
        words.update({fold(label): action for action, label in labels.items()})
    return words


def header_names() -> dict[str, str]:
    """Every header name accepted (folded) -> column key."""
    names = {}
    for language in LANGUAGES:
        with force_locale(language):
            names.update({fold(str(label)): key for key, label in COLUMNS.items()})
    for key, words in OTHER_HEADERS.items():
        names.update({fold(word): key for word in words})
    return names


def fold(text: str) -> str:
    return " ".join(str(text).replace("*", " ").replace(":", " ").split()).casefold()


@dataclass
class SheetRow:
    line: int  # the row's number in the file (the header is usually 1)
    cells: dict[str, str]
    extra: bool = False  # something written beyond the known columns


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


def _refuse(message) -> ServiceError:
    return ServiceError(message, field="file")


def read_sheet(data: bytes, filename: str) -> Sheet:
    """The rows of an uploaded file, or ``ServiceError`` saying why it cannot be read."""
    name = (filename or "").lower()
    if len(data) > MAX_BYTES:
        raise _refuse(_l("The file is larger than %(n)d MB.", n=MAX_BYTES // (1024 * 1024)))
    if not data.strip():
        raise _refuse(_l("The file is empty."))
    if name.endswith((".xlsm", ".xltm", ".xlam", ".xlsb")):
        raise _refuse(_macros())
    if data[:4] == b"PK\x03\x04":
        table = _xlsx_table(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(_l("This is an old Excel file (.xls). Save it as .xlsx or as CSV."))
    elif name.endswith((".xlsx", ".xls", ".ods", ".zip", ".pdf", ".docx")):
        raise _refuse(_not_a_spreadsheet())
    else:
        table = _csv_table(data)
    return _rows(table)


def _macros():
    return _l("Files with macros are not accepted. Save it as .xlsx (without macros) or as CSV.")


def _not_a_spreadsheet():
    return _l("This file is not a spreadsheet. Upload the template filled in, as .xlsx or CSV.")


def _xlsx_table(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_not_a_spreadsheet()) from None
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise _refuse(_not_a_spreadsheet())
    if sum(member.file_size for member in members) > MAX_UNZIPPED:
        raise _refuse(_l("The workbook is too large once unpacked. Keep only the rows to apply."))
    try:
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise _refuse(_not_a_spreadsheet()) from None
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in types:
        raise _refuse(_macros())
    # Imported at the first workbook read: kept out of workers that never read one.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        try:
            sheet = book.worksheets[0]
            table, filled = [], 0
            for values in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
                cells = [_cell_text(value) for value in values]
                table.append(cells)
                filled += any(cells)
                if filled > MAX_ROWS + 1:
                    break
        finally:
            book.close()
    except ServiceError:
        raise
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise _refuse(
            _l("The workbook cannot be read. Save it again as .xlsx or as CSV.")
        ) from None
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise _refuse(_l("The file looks like UTF-16 or a binary file. Save it as CSV in UTF-8."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data, cp_isolation=["cp1251", "cp1252"]).best()
        if best is None:
            raise _refuse(_not_a_spreadsheet()) from None
        text = str(best)
    if any(ord(ch) < 32 and ch not in "\r\n\t" for ch in text):
        raise _refuse(_not_a_spreadsheet())
    return text


_WEB_PAGE = re.compile(r"<\s*(!doctype|html|head|body|table|script|\?xml)\b", re.IGNORECASE)


def _csv_table(data: bytes):
    text = _decode(data)
    if text.lstrip().startswith("<") and _WEB_PAGE.search(text[:4096]):
        raise _refuse(_l("This is a web page, not a spreadsheet. Save it as .xlsx or as CSV."))
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    try:
        table, filled = [], 0
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            table.append([cell.strip() for cell in row[:MAX_COLUMNS]])
            filled += any(table[-1])
            if filled > MAX_ROWS + 1:
                break
    except csv.Error:
        raise _refuse(
            _l("The file cannot be read as CSV. Save it again from the template.")
        ) from None
    return table


def _rows(table) -> Sheet:
    numbered = [(number, row) for number, row in enumerate(table, start=1) if any(row)]
    if not numbered:
        raise _refuse(_l("The file is empty."))
    _header_line, header = numbered[0]
    known = header_names()
    columns: list[str] = []
    for name in header:
        key = known.get(fold(name)) if name else ""
        if key is None:
            raise _refuse(_l("The column “%(name)s” is not one of the template's.", name=name[:60]))
        if key and key in columns:
            raise _refuse(_l("The column “%(name)s” is there twice.", name=name[:60]))
        columns.append(key)
    if "action" not in columns:
        raise _refuse(
            _l("The first row must name the columns, with “%(name)s” among them.",
               name=COLUMNS["action"])
        )  # fmt: skip
    body = numbered[1:]
    if not body:
        raise _refuse(_l("The file has no rows below its header."))
    if len(body) > MAX_ROWS:
        raise _refuse(_l("A file may have at most %(n)s rows.", n=format_decimal(MAX_ROWS)))
    rows = []
    for number, row in body:
        cells = dict.fromkeys(COLUMNS, "")
        extra = False
        for index, value in enumerate(row):
            key = columns[index] if index < len(columns) else ""
            if key:
                cells[key] = value
            elif value:
                extra = True
        rows.append(SheetRow(number, cells, extra))
    return Sheet(rows, [key for key in columns if key])


# --- the files ---------------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    return [[str(label) for label in COLUMNS.values()]]


def result_rows(planned) -> list[list]:
    """Every input row with its outcome, message and new number (in the reader's language)."""
    header = [_("Row"), *(str(label) for label in COLUMNS.values())]
    header += [_("Outcome"), _("Message"), _("New certificate number")]
    return [header] + [
        [row.line, *(row.cells[key] for key in COLUMNS), str(OUTCOMES[row.outcome]),
         row.message, row.new_number]
        for row in planned.rows
    ]  # fmt: skip
