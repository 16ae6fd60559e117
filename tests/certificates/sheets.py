"""Files for the spreadsheet tests: CSV and XLSX bytes made here, and reading results back."""

from __future__ import annotations

import csv
import io

HEADER = [
    "Action",
    "Certificate number",
    "Holder e-mail",
    "Qualification",
    "Seminar",
    "Name on the certificate",
    "Reason",
    "Reason code",
    "Public note",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def row(action="", number="", email="", qualification="", seminar="", name="", reason="",
        code="", note=""):  # fmt: skip
    return [action, number, email, qualification, seminar, name, reason, code, note]


def csv_bytes(rows, *, header=HEADER, delimiter=",", encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for line in [header, *rows]:
        writer.writerow(line)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, header=HEADER, formulas: dict | None = None) -> bytes:
    """A workbook written by openpyxl; ``formulas`` puts formulas in cells ({"B2": "=..."})."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for line in rows:
        sheet.append(line)
    for place, formula in (formulas or {}).items():
        sheet[place] = formula
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes):
    """Every cell of the first sheet (formulas as formulas: nothing evaluated)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    return [list(line) for line in book.worksheets[0].iter_rows()]


def assert_no_formula_in_csv(rows) -> None:
    for line in rows:
        for cell in line:
            assert not cell.lstrip(" ").startswith(FORMULA_STARTS), cell


def assert_no_formula_in_xlsx(cells) -> None:
    for line in cells:
        for cell in line:
            assert cell.data_type != "f", cell.value
