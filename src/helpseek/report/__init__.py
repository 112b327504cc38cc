"""The HTML report (and a .docx of its tables) from results.json; see README.md."""

from helpseek.report.load import (
    FUNNEL_SCHEMA,
    RESULTS_SCHEMA,
    LoadedFile,
    load_funnel,
    load_results,
)
from helpseek.report.render import ReportPage, ReportResult, build_page, build_report, render_html
from helpseek.report.table_files import write_tables

__all__ = [
    "FUNNEL_SCHEMA",
    "RESULTS_SCHEMA",
    "LoadedFile",
    "ReportPage",
    "ReportResult",
    "build_page",
    "build_report",
    "load_funnel",
    "load_results",
    "render_html",
    "write_tables",
]
