"""Fixtures for the report tests: a results.json and the report built from it (once per session).

`fixtures/results.json` is a SCHEMA EXAMPLE written by hand to the helpseek.results/1 layout of
issue 4 (its numbers are invented, not a fit); the end-to-end test in test_end_to_end.py builds the
report from a results.json written by the real analysis instead. The funnel.json is made by the real
invite code (`build_funnel`) from aggregate counts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from lxml import html as lxml_html

from helpseek.analysis import run_analysis, spec_from_mapping, write_results
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
            CountRow(
                date(2026, 9, 2), variant, "en", "click", "help_us_help_you", "survey", to_survey
            ),
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


@dataclass(frozen=True)
class ReportCase:
    """A results.json, the report built from it, and the report parsed by lxml."""

    results: Mapping[str, Any]
    report: ReportResult
    tree: Any


def synthetic_answers(seed: int = 11, n: int = 900) -> pd.DataFrame:
    """Answers of a seeded synthetic sample: want_stop depends on daily life difficulty, and nobody
    in contact with other users accessed help (separation, so the analysis must switch to Firth)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "language": rng.choice(["en", "es"], n),
        "daily_life_difficulty": rng.choice(["yes", "no", "prefer_not"], n, p=[0.35, 0.6, 0.05]),
        "age_first_exposure": rng.choice(["under_13", "13_17", "18_plus"], n),
        "contact_users": rng.choice(["yes", "no"], n, p=[0.1, 0.9]),
        "help_wanted": rng.choice(["therapist", "helpline therapist", "anonymous_online"], n),
    })  # fmt: skip
    difficulty = (frame["daily_life_difficulty"] == "yes").to_numpy()
    want = 1 / (1 + np.exp(-(-0.2 + 0.7 * difficulty)))
    frame["want_stop"] = np.where(rng.random(n) < want, "yes", "no")
    accessed = np.where(frame["contact_users"] == "yes", 0.0, 0.06 + 0.05 * difficulty)
    frame["accessed_help_any"] = np.where(rng.random(n) < accessed, "yes", "no")
    return frame


SYNTHETIC_SPEC = {
    "title": "Synthetic help-seeking sample",
    "treat_as_missing": ["prefer_not"],
    "ci": "profile",
    "outcomes": [
        {"name": "want_stop", "positive": ["yes"], "label": "Wants to stop"},
        {"name": "accessed_help_any", "positive": ["yes"], "label": "Has accessed help"},
    ],
    "predictors": [
        {"name": "daily_life_difficulty", "reference": "no", "label": "Difficulties in daily life"},
        {"name": "age_first_exposure", "reference": "18_plus"},
        {"name": "contact_users", "reference": "no"},
    ],
    "describe": [{"name": "help_wanted", "type": "multiple"}],
}


@pytest.fixture(scope="session")
def synthetic() -> tuple[pd.DataFrame, dict[str, Any]]:
    """The seeded synthetic answers and the spec the real-analysis tests use."""
    return synthetic_answers(), dict(SYNTHETIC_SPEC)


@pytest.fixture(scope="session")
def real_results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """results.json written by the real analysis (run_analysis + write_results) on synthetic data."""
    out = tmp_path_factory.mktemp("analysis")
    result = run_analysis(synthetic_answers(), spec_from_mapping(SYNTHETIC_SPEC))
    write_results(result, out, {"inputs": [{"path": "synthetic.csv", "sha256": "ab" * 32}]})
    return out


@pytest.fixture(scope="session")
def real_case(tmp_path_factory: pytest.TempPathFactory, real_results_dir: Path) -> ReportCase:
    out = tmp_path_factory.mktemp("real-report")
    report = build_report(real_results_dir, out / "report.html", docx=out / "tables.docx")
    return ReportCase(
        json.loads((real_results_dir / "results.json").read_text(encoding="utf-8")),
        report,
        lxml_html.fromstring(report.html_path.read_bytes()),
    )


@pytest.fixture(scope="session")
def example_case(
    built_report: ReportResult, schema_example: Mapping[str, Any], report_tree: Any
) -> ReportCase:
    return ReportCase(schema_example, built_report, report_tree)


@pytest.fixture(params=["schema example", "real analysis"])
def case(request: pytest.FixtureRequest) -> ReportCase:
    """Each report test runs on the hand-written schema example and on a real analysis run."""
    name = "example_case" if request.param == "schema example" else "real_case"
    found: ReportCase = request.getfixturevalue(name)
    return found


@pytest.fixture(scope="session")
def comparison_results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second, descriptive analysis: two samples side by side (help-seekers of the main survey
    and programme participants), as the bundled help_seekers_vs_programme spec does."""
    rng = np.random.default_rng(5)
    n = 400
    frame = pd.DataFrame({
        "instrument": rng.choice(["help_us_help_you", "program_feedback"], n),
        "age_group": rng.choice(["18_24", "25_34", "35_49"], n),
        "help_barriers": rng.choice(["shame", "cost shame", "not_know_where"], n),
    })  # fmt: skip
    spec = spec_from_mapping({
        "title": "Help-seekers compared with programme participants",
        "by": None,
        "describe": [{"name": "age_group", "label": "Age group"}],
        "compare": {
            "groups": [
                {"label": "Sought help", "include": "instrument == 'help_us_help_you'"},
                {"label": "Programme", "include": "instrument == 'program_feedback'"},
            ],
            "items": [{"name": "help_barriers", "type": "multiple"}, {"name": "age_group"}],
        },
    })  # fmt: skip
    out = tmp_path_factory.mktemp("comparison")
    write_results(run_analysis(frame, spec), out)
    return out


@dataclass(frozen=True)
class Study:
    """The demo's study offline: synthetic respondents of both questionnaires walked through the
    real `collect` logic, exported as CSV (+ codebook), analysed by `helpseek analyze` with the three
    bundled specs, and reported by `helpseek report` with both questionnaires."""

    data: Mapping[str, Path]
    results: Mapping[str, Path]
    report: Path
    docx: Path
    tree: Any
    stdout: str


def _export(form_id: str, n: int, seed: int, path: Path) -> Path:
    from helpseek.data import write_dataset
    from helpseek.instrument import load_instrument
    from helpseek.synth import draw_respondents, load_truth, to_dataset, walk_all

    form = load_instrument(form_id)
    draw = draw_respondents(form, load_truth(None, form), n, seed)
    write_dataset(to_dataset(walk_all(form, draw), form), path)
    return path


@pytest.fixture(scope="session")
def study(tmp_path_factory: pytest.TempPathFactory) -> Study:
    from typer.testing import CliRunner

    from helpseek.cli.main import app

    folder = tmp_path_factory.mktemp("study")
    data = {
        "main": _export("help_us_help_you", 900, 2, folder / "main.csv"),
        "programme": _export("program_feedback", 160, 3, folder / "programme.csv"),
    }
    runner = CliRunner()
    runs = {
        "main": ("help_seeking", ["main"]),
        "programme": ("program_feedback", ["programme"]),
        "comparison": ("help_seekers_vs_programme", ["main", "programme"]),
    }
    results = {}
    for name, (spec, inputs) in runs.items():
        out = folder / "results" / name
        args = ["analyze", "--spec", spec, "--out", str(out)]
        for key in inputs:
            args += ["--data", str(data[key])]
        done = runner.invoke(app, args)
        assert done.exit_code == 0, done.output
        results[name] = out
    report, docx_path = folder / "report.html", folder / "report.docx"
    args = ["report", "--out", str(report), "--docx", str(docx_path)]
    for name in runs:
        args += ["--results", str(results[name])]
    args += ["--instrument", "help_us_help_you", "--instrument", "program_feedback"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    tree = lxml_html.fromstring(report.read_bytes())
    return Study(data, results, report, docx_path, tree, done.stdout)
