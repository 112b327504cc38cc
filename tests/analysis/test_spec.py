"""Bad specs and spec/data mismatches give the catalogue's message naming the field and the fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from helpseek.analysis import bundled_specs, load_spec, run_analysis, spec_from_mapping
from helpseek.problems import InputError, Location, problem

DATA = pd.DataFrame({
    "uses": ["yes", "yes", "yes", "yes", "no", "yes"],
    "want_stop": ["yes", "no", "unsure", "yes", None, "no"],
    "gender": ["man", "woman", "man", "man", None, "woman"],
    "age": [30, 40, 22, 35, None, 51],
})  # fmt: skip


def _messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in error.value.problems]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_spec__yaml_1_1_traps__yes_and_13_17_stay_text(tmp_path: Path) -> None:
    # Given a spec with unquoted yes/no and an age band like 13_17 (YAML 1.1 reads true and 1317)
    path = _write(
        tmp_path,
        "outcomes: [{name: want_stop, positive: [yes]}]\n"
        "predictors: [{name: band, reference: 13_17}, {name: x, reference: no}]\n",
    )
    spec = load_spec(path)
    # Then they are the answer values the researcher wrote
    assert spec.outcomes[0].positive == ("yes",)
    assert [p.reference for p in spec.predictors] == ["13_17", "no"]


def test_load_spec__unknown_key_and_bad_choice__lists_both_with_near_miss(tmp_path: Path) -> None:
    path = _write(tmp_path, "outcome: []\nci: bootstrap\ndescribe: [age]\n")
    with pytest.raises(InputError) as error:
        load_spec(path)
    where = Location(file=str(path))
    assert _messages(error) == [
        str(
            problem(
                "ANALYSIS-002",
                where,
                key="outcome",
                where="the spec",
                hint=' Did you mean "outcomes"?',
                known="title, include, include_label, screening, screening_options, treat_as_missing, "
                "by, outcomes, predictors, models, ci, proportion_ci, missing, imputations, adjust_p, "
                "firth, describe, compare",
            )
        ),
        str(problem("ANALYSIS-003", where, field="ci", value="bootstrap", allowed="wald, profile")),
    ]


def test_load_spec__invalid_yaml__names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "outcomes: [\n")
    with pytest.raises(InputError) as error:
        load_spec(path)
    assert error.value.problems[0].code == "ANALYSIS-001"
    assert "line" in error.value.problems[0].message


def test_load_spec__unknown_name__suggests_the_bundled_spec() -> None:
    with pytest.raises(InputError) as error:
        load_spec("help_seekin")
    assert _messages(error) == [
        str(problem("ANALYSIS-011", name="help_seekin", hint=' Did you mean "help_seeking"?'))
    ]


def test_spec_from_mapping__include_outside_the_language__is_refused() -> None:
    with pytest.raises(InputError) as error:
        spec_from_mapping(
            {
                "include": "__import__('os').system('x')",
                "outcomes": [{"name": "a", "positive": [1]}],
            }
        )
    assert error.value.problems[0].code == "ANALYSIS-008"
    assert "is not a comparison such as uses == 'yes'" in error.value.problems[0].message


def test_run_analysis__missing_column__suggests_the_near_miss() -> None:
    spec = spec_from_mapping({"outcomes": [{"name": "want_stp", "positive": ["yes"]}]})
    with pytest.raises(InputError) as error:
        run_analysis(DATA, spec)
    assert _messages(error) == [
        str(
            problem(
                "ANALYSIS-005",
                field="outcomes[1].name",
                name="want_stp",
                hint=' Did you mean "want_stop"?',
            )
        )
    ]


def test_run_analysis__reference_level_that_does_not_occur__lists_the_values() -> None:
    spec = spec_from_mapping(
        {
            "outcomes": [{"name": "want_stop", "positive": ["yes"]}],
            "predictors": [{"name": "gender", "reference": "men"}],
        }
    )
    with pytest.raises(InputError) as error:
        run_analysis(DATA, spec)
    assert _messages(error) == [
        str(
            problem(
                "ANALYSIS-006",
                field="predictors[1].reference",
                reference="men",
                name="gender",
                values="man, woman",
            )
        )
    ]


def test_run_analysis__outcome_with_one_value__says_so() -> None:
    spec = spec_from_mapping(
        {"include": "uses == 'yes'", "outcomes": [{"name": "want_stop", "positive": ["maybe"]}]}
    )
    with pytest.raises(InputError) as error:
        run_analysis(DATA, spec)
    assert _messages(error) == [
        str(
            problem(
                "ANALYSIS-007",
                name="want_stop",
                field="outcomes[1].positive",
                value="0 = not positive",
                n=5,
            )
        )
    ]


def test_run_analysis__numeric_predictor_with_text__says_declare_it_categorical() -> None:
    spec = spec_from_mapping(
        {
            "outcomes": [{"name": "want_stop", "positive": ["yes"]}],
            "predictors": [{"name": "gender", "type": "numeric"}],
        }
    )
    with pytest.raises(InputError) as error:
        run_analysis(DATA, spec)
    assert _messages(error) == [
        str(problem("ANALYSIS-012", name="gender", field="predictors[1].type", example="man"))
    ]


def test_run_analysis__screening_flag_without_column__says_run_screening() -> None:
    spec = spec_from_mapping(
        {"screening": ["speeding"], "outcomes": [{"name": "want_stop", "positive": ["yes"]}]}
    )
    with pytest.raises(InputError) as error:
        run_analysis(DATA, spec)
    assert _messages(error) == [str(problem("ANALYSIS-009", name="speeding"))]


def test_bundled_specs__all_load() -> None:
    assert {"help_seeking", "program_feedback", "help_seekers_vs_programme"} <= set(bundled_specs())
    for name in bundled_specs():
        assert load_spec(name).source.endswith(f"{name}.yaml")


def test_run_analysis__by_column_missing__is_named_unless_it_is_the_default_language() -> None:
    spec = spec_from_mapping(
        {"by": "countyr", "outcomes": [{"name": "want_stop", "positive": ["yes"]}]}
    )
    with pytest.raises(InputError) as error:
        run_analysis(DATA.assign(country="x"), spec)
    assert _messages(error) == [
        str(problem("ANALYSIS-005", field="by", name="countyr", hint=' Did you mean "country"?'))
    ]
    default = spec_from_mapping({"outcomes": [{"name": "want_stop", "positive": ["yes"]}]})
    assert [p.group for p in run_analysis(DATA, default).prevalence] == [None]
