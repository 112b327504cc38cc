"""The report's tables as a Word document (.docx, python-docx), since journals ask for Word.

Renders the same Table objects as the HTML, so the numbers are the same strings.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Pt
from docx.table import Table as DocxTable

from helpseek.report.tables import Table

if TYPE_CHECKING:  # render.py imports this module lazily; this import is for the type only
    from helpseek.report.render import ReportPage

_BODY_PT = 9


def to_docx_bytes(page: ReportPage) -> bytes:
    """A .docx with one heading, table and footnotes per table of the report page."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    document.add_heading(page.title, level=1)
    for table in page.tables:
        document.add_heading(table.title, level=2)
        _add_table(document, table)
        for note in table.footnotes:
            paragraph = document.add_paragraph(note)
            for run in paragraph.runs:
                run.font.size = Pt(8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_table(document: Any, table: Table) -> None:
    header_rows = 2 if table.spanners else 1
    grid: DocxTable = document.add_table(
        rows=header_rows + len(table.rows), cols=len(table.columns)
    )
    grid.style = "Table Grid"
    if table.spanners:
        start = 0
        for label, width in table.spanners:
            cell = grid.cell(0, start)
            if width > 1:
                cell = cell.merge(grid.cell(0, start + width - 1))
            cell.text = label
            start += width
    # Row by row: python-docx's grid.cell(r, c) walks every cell of the table on each call, which
    # made the demo's Word tables take 33 s.
    rows = grid.rows
    for cell, column in zip(rows[header_rows - 1].cells, table.columns, strict=True):
        _set(cell, column, bold=True)
    for r_index, row in enumerate(table.rows, start=header_rows):
        for c_index, (cell, text) in enumerate(zip(rows[r_index].cells, row.cells, strict=True)):
            _set(
                cell,
                text,
                bold=row.kind == "group" and c_index == 0,
                italic=row.kind == "reference" and c_index > 0,
            )


def _set(cell: Any, text: str, bold: bool = False, italic: bool = False) -> None:
    cell.text = text
    for paragraph in cell.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(_BODY_PT)
            run.bold = bold
            run.italic = italic
