"""Fixtures for the report tests: a results.json and the report built from it (once per session).

`fixtures/results.json` is a SCHEMA EXAMPLE written by hand to the helpseek.results/1 layout of
issue 4 (its numbers are invented, not a fit); the end-to-end test in test_end_to_end.py builds the
report from a results.json written by the real analysis instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from helpseek.report import ReportResult, build_report

SCHEMA_EXAMPLE = Path(__file__).parent / "fixtures" / "results.json"
FUNNEL_EXAMPLE = Path(__file__).parent / "fixtures" / "funnel.json"


@pytest.fixture(scope="session")
def example_paths() -> tuple[Path, Path]:
    """The results.json and funnel.json schema examples."""
    return SCHEMA_EXAMPLE, FUNNEL_EXAMPLE


@pytest.fixture(scope="session")
def schema_example() -> Mapping[str, Any]:
    return json.loads(SCHEMA_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    """The report of the schema example, with the funnel example and a .docx."""
    out = tmp_path_factory.mktemp("report")
    return build_report(
        SCHEMA_EXAMPLE.parent,
        out / "report.html",
        funnel=FUNNEL_EXAMPLE.parent,
        docx=out / "tables.docx",
    )


@pytest.fixture(scope="session")
def report_tree(built_report: ReportResult) -> Any:
    return lxml_html.fromstring(built_report.html_path.read_bytes())
