"""The report's tables as a Word document (.docx, python-docx), since journals ask for Word.

Renders the same Table objects as the HTML, so the numbers are the same strings.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Inches, Pt
from docx.table import Table as DocxTable

from helpseek.report.tables import Table

if TYPE_CHECKING:  # render.py imports this module lazily; this import is for the type only
    from helpseek.report.render import ReportPage

_BODY_PT = 9
#: Landscape US Letter / A4 with python-docx's default margins leaves about 9 inches of text width:
#: the characteristic's column gets a third of it, the numbers share the rest.
_TEXT_WIDTH_IN = 9.0


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
    grid.autofit = False
    widths = _widths(len(table.columns))
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width  # the table grid (LibreOffice reads this; Word the cells' widths)
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
    for c_index, (cell, column) in enumerate(
        zip(rows[header_rows - 1].cells, table.columns, strict=True)
    ):
        _set(cell, column, widths[c_index], bold=True, first=c_index == 0)
    for r_index, row in enumerate(table.rows, start=header_rows):
        for c_index, (cell, text) in enumerate(zip(rows[r_index].cells, row.cells, strict=True)):
            _set(
                cell,
                text,
                widths[c_index],
                bold=row.kind == "group" and c_index == 0,
                italic=row.kind == "reference" and c_index > 0,
                first=c_index == 0,
                indent=row.kind in ("level", "reference") and c_index == 0,
            )


def _widths(columns: int) -> list[Any]:
    if columns == 1:
        return [Inches(_TEXT_WIDTH_IN)]
    first = _TEXT_WIDTH_IN / 3 if columns > 2 else _TEXT_WIDTH_IN / 2
    rest = (_TEXT_WIDTH_IN - first) / (columns - 1)
    return [Inches(first)] + [Inches(rest)] * (columns - 1)


def _set(
    cell: Any,
    text: str,
    width: Any,
    bold: bool = False,
    italic: bool = False,
    first: bool = False,
    indent: bool = False,
) -> None:
    """One cell: its text, width, and the alignment of the HTML report (labels left, numbers
    right, the levels of a characteristic indented)."""
    cell.width = width
    cell.text = text
    for paragraph in cell.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if first else WD_ALIGN_PARAGRAPH.RIGHT
        if indent:
            paragraph.paragraph_format.left_indent = Pt(10)
        for run in paragraph.runs:
            run.font.size = Pt(_BODY_PT)
            run.bold = bold
            run.italic = italic
