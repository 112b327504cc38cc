"""`helpseek analyze` and `helpseek spec list`: real files, real screening, exit codes and messages."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from helpseek.analysis import bundled_specs
from helpseek.cli.main import app
from helpseek.problems import problem

_spec = importlib.util.spec_from_file_location(
    "survey_frame", Path(__file__).parents[1] / "analysis" / "survey_frame.py"
)
assert _spec is not None and _spec.loader is not None
survey_frame = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(survey_frame)

SMALL_SPEC = """
include: "uses == 'yes'"
screening: [speeding, duplicates, inconsistent]
treat_as_missing: [prefer_not]
outcomes: [{name: sought_help, positive: [yes]}]
predictors:
  - {name: sought_contact, reference: no}
  - {name: age_group, reference: 18_24}
ci: wald
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    frame = survey_frame.make_survey_frame(600, seed=11)
    frame.loc[0, "what_could_help"] = "reach me at someone@example.org"
    path = tmp_path / "survey.csv"
    frame.to_csv(path, index=False)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_spec_list__prints_every_bundled_spec_with_its_path() -> None:
    code, out, _ = _run("spec", "list")
    assert code == 0
    assert out.splitlines() == [f"{name}\t{path}" for name, path in bundled_specs().items()]


def test_analyze__small_spec__writes_results_and_tables_and_prints_the_path(
    data: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL_SPEC)
    out = tmp_path / "results"
    # When the researcher runs the analysis
    code, stdout, _ = _run("analyze", "--data", str(data), "--spec", str(spec), "--out", str(out))
    # Then it succeeds, prints where results.json is, and the flow shows the screening
    assert code == 0, _
    assert stdout.strip() == str(out / "results.json")
    document = json.loads((out / "results.json").read_text())
    steps = [s["step"] for s in document["flow"]]
    assert steps[:3] == ["read", "included (uses == 'yes')", "excluded: speeding"]
    assert "flagged, not excluded: identifying" in steps
    assert document["inputs"][0]["path"] == str(data) and len(document["inputs"][0]["sha256"]) == 64
    assert (out / "tables" / "table2-sought_help.md").is_file()
    # And progress, stderr not being a terminal, is plain lines up to the last step (issue 16)
    lines = [line for line in _.splitlines() if line.startswith("analysing: ")]
    assert lines[0].startswith("analysing: 0/6 (0%)") and lines[-1].startswith("analysing: 6/6")
    # And no identifying detail reaches any written file
    for path in out.rglob("*"):
        if path.is_file():
            assert "someone@example.org" not in path.read_text(encoding="utf-8")


def test_analyze__bundled_spec_by_name__runs_the_study_design(data: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        "analyze", "--data", str(data), "--spec", "help_seeking", "--out", str(tmp_path / "r")
    )
    assert code == 0, err
    document = json.loads((tmp_path / "r" / "results.json").read_text())
    assert {m["outcome"] for m in document["models"]} == {
        "want_stop",
        "sought_help",
        "accessed_help_any",
    }


def test_analyze__missing_data_file__exit_1_with_the_catalogue_message(tmp_path: Path) -> None:
    code, _, err = _run(
        "analyze",
        "--data",
        str(tmp_path / "nope.csv"),
        "--spec",
        "help_seeking",
        "--out",
        str(tmp_path / "r"),
    )
    assert code == 1
    assert str(problem("CLI-001", path=str(tmp_path / "nope.csv"))) in err


def test_analyze__unreadable_file__exit_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "data.parquet"
    bad.write_bytes(b"not parquet at all")
    code, _, err = _run(
        "analyze", "--data", str(bad), "--spec", "help_seeking", "--out", str(tmp_path / "r")
    )
    assert code == 1
    assert "[DATA-007]" in err and "Traceback" not in err  # read_table's own message


def test_analyze__spec_naming_a_missing_column__exit_1_with_near_miss(
    data: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL_SPEC.replace("sought_contact", "sougt_contact"))
    code, _, err = _run(
        "analyze", "--data", str(data), "--spec", str(spec), "--out", str(tmp_path / "r")
    )
    assert code == 1
    from helpseek.problems import Location

    expected = problem(
        "ANALYSIS-005",
        Location(file=str(spec)),
        field="predictors[1].name",
        name="sougt_contact",
        hint=' Did you mean "sought_contact"?',
    )
    assert str(expected) in err
    assert not (tmp_path / "r" / "results.json").exists()


def test_analyze__reference_level_that_does_not_occur__exit_1(data: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL_SPEC.replace("reference: 18_24", "reference: 18-24"))
    code, _, err = _run(
        "analyze", "--data", str(data), "--spec", str(spec), "--out", str(tmp_path / "r")
    )
    assert code == 1 and "[ANALYSIS-006]" in err and 'reference level "18-24"' in err


def test_analyze__outcome_with_one_value__exit_1(data: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(data)
    frame["sought_help"] = frame["sought_help"].where(frame["sought_help"].isna(), "no")
    frame.to_csv(data, index=False)
    spec = tmp_path / "spec.yaml"
    spec.write_text(SMALL_SPEC)
    code, _, err = _run(
        "analyze", "--data", str(data), "--spec", str(spec), "--out", str(tmp_path / "r")
    )
    assert code == 1 and "[ANALYSIS-007]" in err and 'The outcome "sought_help"' in err


def test_analyze__pilot_file_of_five_responses__says_too_few_rows_first_and_keeps_the_rest_short(
    tmp_path: Path,
) -> None:
    # Given a pilot export of 5 synthetic respondents to the bundled questionnaire (issue 11, 5)
    pilot = tmp_path / "pilot.csv"
    code, _, _ = _run("synth", "--instrument", "help_us_help_you", "--n", "5", "--seed", "1",
                      "--out", str(pilot))  # fmt: skip
    assert code == 0
    # When it is analysed with the bundled spec
    code, _, err = _run("analyze", "--data", str(pilot), "--spec", "help_seeking",
                        "--out", str(tmp_path / "results"))  # fmt: skip
    # Then the first message (after plain progress lines) is the real cause: too few rows
    lines = [line for line in err.splitlines() if line.strip() and "analysing: " not in line]
    assert code == 1
    assert lines[0].endswith("[ANALYSIS-017]") and "Only 4 rows are left to analyse" in lines[0]
    # And the outcomes with one value come next, and every other problem is one summary line
    codes = [line.rsplit("[", 1)[-1].rstrip("]") for line in lines]
    assert codes[0] == "ANALYSIS-017" and codes[-1] == "ANALYSIS-018"
    assert set(codes[1:-1]) == {"ANALYSIS-007"}
    assert "values: )" not in err
