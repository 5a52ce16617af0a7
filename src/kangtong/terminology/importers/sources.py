"""Reading a code list file into rows: CSV (UTF-8 with or without BOM, or GB18030) or XLSX.

National code lists circulate as Excel workbooks and as CSV exported from Chinese Windows
(GB18030/GBK); both are read here so the importers only ever see header → text dictionaries.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook  # type: ignore[import-untyped]

from kangtong.core.errors import Invalid

ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # the row number a person sees in the file (header = 1)
    values: dict[str, str]


def read_rows(path: Path) -> list[SourceRow]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    return _csv_rows(path)


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is dropped) or GB18030; anything else is rejected, never guessed."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("The file is neither UTF-8 nor GB18030 text")


def _csv_rows(path: Path) -> list[SourceRow]:
    text = decode(path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    lines = list(reader)
    if not lines:
        raise Invalid(f"{path.name} is empty")
    return _rows(lines[0], lines[1:])


def _xlsx_rows(path: Path) -> list[SourceRow]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        lines = [
            ["" if cell is None else str(cell) for cell in row]
            for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    if not lines:
        raise Invalid(f"{path.name} has no rows")
    return _rows(lines[0], lines[1:])


def _rows(header: list[str], lines: list[list[str]]) -> list[SourceRow]:
    names = [name.strip().lower() for name in header]
    rows = []
    for offset, line in enumerate(lines):
        if not any(cell.strip() for cell in line):
            continue  # blank lines are not rows
        values = {name: (line[i].strip() if i < len(line) else "") for i, name in enumerate(names)}
        rows.append(SourceRow(offset + 2, values))
    return rows
