"""The .docx of the tables opens in python-docx and holds the same tables as the HTML."""

from __future__ import annotations

from typing import Any

import docx

from helpseek.report import ReportResult


def test_docx__opens_and_has_every_table_of_the_report(built_report: ReportResult) -> None:
    # Given the report written with --docx
    assert built_report.docx_path is not None
    document = docx.Document(str(built_report.docx_path))
    # Then it has one Word table per report table, with the same header
    assert len(document.tables) == len(built_report.page.tables)
    for word_table, table in zip(document.tables, built_report.page.tables, strict=True):
        header_row = word_table.rows[1 if table.spanners else 0]
        assert [c.text for c in header_row.cells] == list(table.columns)


def test_docx__table2_cells_equal_the_html_cells(
    built_report: ReportResult, report_tree: Any
) -> None:
    document = docx.Document(str(built_report.docx_path))
    index = [t.id for t in built_report.page.tables].index("table2-want_stop")
    word_rows = [[c.text for c in row.cells] for row in document.tables[index].rows[2:]]
    html_rows = [
        [c.text_content() for c in tr.xpath("./th|./td")]
        for tr in report_tree.get_element_by_id("table2-want_stop").xpath("./tbody/tr")
    ]
    assert word_rows == html_rows
