"""Fixtures for the report tests: a results.json and the report built from it (once per session).

`fixtures/results.json` is a SCHEMA EXAMPLE written by hand to the helpseek.results/1 layout of
issue 4 (its numbers are invented, not a fit); the end-to-end test in test_end_to_end.py builds the
report from a results.json written by the real analysis instead. The funnel.json is made by the real
invite code (`build_funnel`) from aggregate counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from helpseek.invite.counts import CountRow
from helpseek.invite.funnel import build_funnel
from helpseek.report import ReportResult, build_report

SCHEMA_EXAMPLE = Path(__file__).parent / "fixtures" / "results.json"

#: (variant, impressions, clicks to help, clicks to the survey), as counted by helpseek invite.
FUNNEL_COUNTS = (
    ("neutral", 5210, 455, 170),
    ("harm_to_children", 5185, 812, 181),
    ("legal_risk", 5232, 611, 166),
)


@pytest.fixture(scope="session")
def funnel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A funnel.json written from aggregate counts by the real invite statistics."""
    rows = []
    for variant, shown, to_help, to_survey in FUNNEL_COUNTS:
        rows += [
            CountRow(date(2026, 9, 1), variant, "en", "impression", "", "", shown),
            CountRow(date(2026, 9, 2), variant, "en", "click", "helpline", "help", to_help),
            CountRow(date(2026, 9, 2), variant, "en", "click", "help_us_help_you", "survey",
                     to_survey),
        ]
    path = tmp_path_factory.mktemp("funnel") / "funnel.json"
    path.write_text(json.dumps(build_funnel(rows)), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def example_paths(funnel_path: Path) -> tuple[Path, Path]:
    """The results.json schema example and the funnel.json."""
    return SCHEMA_EXAMPLE, funnel_path


@pytest.fixture(scope="session")
def schema_example() -> Mapping[str, Any]:
    return json.loads(SCHEMA_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory, funnel_path: Path) -> ReportResult:
    """The report of the schema example, with the funnel and a .docx."""
    out = tmp_path_factory.mktemp("report")
    return build_report(
        SCHEMA_EXAMPLE.parent,
        out / "report.html",
        funnel=funnel_path.parent,
        docx=out / "tables.docx",
    )


@pytest.fixture(scope="session")
def report_tree(built_report: ReportResult) -> Any:
    return lxml_html.fromstring(built_report.html_path.read_bytes())
