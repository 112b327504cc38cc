"""Bad input to the report gets one clear problem per fault, naming the file and the field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from helpseek.problems import InputError, Location, problem
from helpseek.report import load_funnel, load_results


def _write(folder: Path, content: object, name: str = "results.json") -> Path:
    path = folder / name
    path.write_text(json.dumps(content), encoding="utf-8")
    return path


def test_load_results__folder_without_results_json__says_which_command_writes_it(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError) as caught:
        load_results(tmp_path)
    assert caught.value.problems == (
        problem(
            "REPORT-001",
            Location(str(tmp_path)),
            folder=tmp_path,
            file="results.json",
            command="helpseek analyze --out DIR",
        ),
    )


def test_load_results__missing_file__is_cli_001(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_results(tmp_path / "nothing.json")
    assert [p.code for p in caught.value.problems] == ["CLI-001"]


def test_load_results__truncated_json__names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text('{"schema": "helpseek.results/1",\n "flow": [', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_results(path)
    (found,) = caught.value.problems
    assert found.code == "REPORT-002"
    assert "line 2" in found.message
    assert found.location == Location(str(path))


def test_load_results__other_schema__names_found_and_expected(
    tmp_path: Path, schema_example: Mapping[str, Any]
) -> None:
    path = _write(tmp_path, {**schema_example, "schema": "helpseek.results/0"})
    with pytest.raises(InputError) as caught:
        load_results(path)
    assert caught.value.problems == (
        problem(
            "REPORT-003",
            Location(str(path)),
            found="helpseek.results/0",
            expected="helpseek.results/1",
        ),
    )


def test_load_results__every_missing_field_is_listed_at_once(
    tmp_path: Path, schema_example: Mapping[str, Any]
) -> None:
    # Given a results.json missing a term's OR and a prevalence denominator
    broken = json.loads(json.dumps(schema_example))
    del broken["models"][2]["terms"][0]["or"]
    broken["prevalence"][1]["denominator"] = "many"
    path = _write(tmp_path, broken)
    # When it is loaded
    with pytest.raises(InputError) as caught:
        load_results(path)
    # Then both faults are reported in one go, each naming its field
    assert caught.value.problems == (
        problem(
            "REPORT-004",
            Location(str(path)),
            field="prevalence[1].denominator",
            expected="a whole number",
        ),
        problem(
            "REPORT-004",
            Location(str(path)),
            field="models[2].terms[0].or",
            expected="a number or null",
        ),
    )


def test_load_results__missing_sections_are_all_listed(tmp_path: Path) -> None:
    path = _write(tmp_path, {"schema": "helpseek.results/1"})
    with pytest.raises(InputError) as caught:
        load_results(path)
    assert [p.message.split('"')[1] for p in caught.value.problems] == [
        "flow",
        "prevalence",
        "models",
    ]


def test_load_results__unknown_model_kind__lists_the_allowed_kinds(
    tmp_path: Path, schema_example: Mapping[str, Any]
) -> None:
    broken = json.loads(json.dumps(schema_example))
    broken["models"][0]["kind"] = "stepwise"
    path = _write(tmp_path, broken)
    with pytest.raises(InputError) as caught:
        load_results(path)
    assert caught.value.problems == (
        problem(
            "REPORT-005",
            Location(str(path)),
            field="models[0].kind",
            found="stepwise",
            allowed='"univariable" or "multivariable"',
        ),
    )


def test_load_funnel__results_file_passed_as_funnel__is_a_schema_problem(
    tmp_path: Path, schema_example: Mapping[str, Any]
) -> None:
    path = _write(tmp_path, schema_example, "funnel.json")
    with pytest.raises(InputError) as caught:
        load_funnel(tmp_path)
    assert caught.value.problems == (
        problem(
            "REPORT-003",
            Location(str(path)),
            found="helpseek.results/1",
            expected="helpseek.funnel/1",
        ),
    )
