"""Sheet rows -> an XLSForm .xlsx workbook, so researchers can edit a bundled YAML form in a spreadsheet.

Loading the written .xlsx gives an Instrument equal to the one the YAML gives (tested).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from openpyxl import Workbook

from .read import Sheets

_PREFERRED = {
    "survey": ("type", "name", "label", "hint", "required", "required_message", "relevant",
               "constraint", "constraint_message", "calculation", "choice_filter", "appearance",
               "parameters", "default", "battery"),
    "choices": ("list_name", "name", "label"),
    "settings": ("form_id", "version", "form_title", "default_language", "machine_translated",
                 "reviewed", "rtl"),  # then form_title_<code> (see yamlform.py)
    "help": ("id", "url", "label", "description"),
    "checks": ("name", "expression", "message"),
}  # fmt: skip


def ordered_columns(sheet: str, columns: Iterable[str]) -> list[str]:
    """Columns in the usual XLSForm order (type, name, label...), others after, stable otherwise."""
    preferred = _PREFERRED.get(sheet, ())
    listed = list(dict.fromkeys(columns))

    def rank(column: str) -> int:
        base = column.split("::")[0]
        return preferred.index(base) if base in preferred else len(preferred)

    return sorted(listed, key=rank)


def to_workbook(sheets: Sheets) -> Workbook:
    """One worksheet per sheet that has rows; the header is row 1 and row numbers are kept."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in ("survey", "choices", "settings", "help", "checks"):
        rows = sheets.rows(sheet)
        if not rows:
            continue
        seen = list(sheets.headers.get(sheet, ()))
        seen += [c for row in rows for c in row.cells if c not in seen]
        columns = ordered_columns(sheet, seen)
        worksheet = workbook.create_sheet(sheet)
        worksheet.append(columns)
        for row in rows:
            for index, column in enumerate(columns, start=1):
                text = row.cells.get(column)
                if text:
                    cell = worksheet.cell(row=row.number, column=index, value=text)
                    cell.data_type = "s"  # never a formula, even when a text starts with "="
    return workbook


def to_xlsx_bytes(sheets: Sheets) -> bytes:
    buffer = io.BytesIO()
    to_workbook(sheets).save(buffer)
    return buffer.getvalue()


def export_xlsx(sheets: Sheets, out: Path) -> Path:
    """Write the sheets as an .xlsx file (through a temporary name, so a failure leaves no half file)."""
    partial = out.with_name(out.name + ".partial")
    partial.write_bytes(to_xlsx_bytes(sheets))
    partial.replace(out)
    return out
