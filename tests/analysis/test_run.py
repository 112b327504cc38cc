"""A whole analysis run on a synthetic export: flow, prevalence, Table 1, models, MI, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from helpseek.analysis import SCHEMA, run_analysis, spec_from_mapping, write_results
from helpseek.problems import InputError, problem

from .survey_frame import make_survey_frame

BASE = {
    "include": "uses == 'yes'",
    "treat_as_missing": ["prefer_not"],
    "outcomes": [{"name": "sought_help", "positive": ["yes"]}],
    "predictors": [
        {"name": "sought_contact", "reference": "no"},
        {
            "name": "frequency",
            "reference": "less_often",
            "levels": ["less_often", "monthly", "weekly", "daily"],
        },
        {"name": "children_age_viewed__infant_toddler", "reference": "0"},
    ],
}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    data = make_survey_frame(1200, seed=5)
    data["flag_speeding"] = False
    data.loc[data.index[:10], "flag_speeding"] = True
    return data


def test_run_analysis__flow__counts_each_step(frame: pd.DataFrame) -> None:
    spec = spec_from_mapping({**BASE, "screening": ["speeding"]})
    result = run_analysis(frame, spec)
    users = int((frame["uses"] == "yes").sum())
    excluded = int(((frame["uses"] == "yes") & frame["flag_speeding"]).sum())
    assert [s.to_dict() for s in result.flow] == [
        {"step": "read", "n": 1200},
        {"step": "included (uses == 'yes')", "n": users},
        {"step": "excluded: speeding", "n": excluded},
        {"step": "analysed", "n": users - excluded},
    ]


def test_run_analysis__flag_not_listed_in_screening__is_counted_not_excluded(
    frame: pd.DataFrame,
) -> None:
    result = run_analysis(frame, spec_from_mapping(BASE))
    steps = {s.step: s.n for s in result.flow}
    assert steps["flagged, not excluded: speeding"] == int(
        ((frame["uses"] == "yes") & frame["flag_speeding"]).sum()
    )
    assert steps["analysed"] == int((frame["uses"] == "yes").sum())


def test_run_analysis__prevalence__overall_and_by_language(frame: pd.DataFrame) -> None:
    result = run_analysis(frame, spec_from_mapping(BASE))
    users = frame[frame["uses"] == "yes"]
    overall = result.prevalence[0]
    assert (overall.events, overall.denominator) == (
        int((users["sought_help"] == "yes").sum()),
        len(users),
    )
    by_language = {p.group: p for p in result.prevalence if p.group_column == "language"}
    assert set(by_language) == set(users["language"])
    assert sum(p.denominator for p in by_language.values()) == overall.denominator


def test_run_analysis__table1__fisher_only_when_an_expected_count_is_below_5(
    frame: pd.DataFrame,
) -> None:
    result = run_analysis(frame, spec_from_mapping(BASE))
    tests = {b.variable: b for _, b in result.table1}
    assert tests["sought_contact"].test == "chi-square"
    small = frame[frame["uses"] == "yes"].head(40)
    tests_small = {b.variable: b for _, b in run_analysis(small, spec_from_mapping(BASE)).table1}
    assert tests_small["frequency"].test == "fisher"


def test_run_analysis__models__univariable_per_predictor_and_one_multivariable(
    frame: pd.DataFrame,
) -> None:
    result = run_analysis(frame, spec_from_mapping(BASE))
    kinds = [(m.kind, tuple(dict.fromkeys(t.variable for t in m.terms))) for m in result.models]
    assert kinds == [
        ("univariable", ("sought_contact",)),
        ("univariable", ("frequency",)),
        ("univariable", ("children_age_viewed__infant_toddler",)),
        ("multivariable", ("sought_contact", "frequency", "children_age_viewed__infant_toddler")),
    ]
    multi = result.model("sought_help", "multivariable")
    # the planted association (log OR 0.7 for sought contact) is found
    assert multi.term("sought_contact", "yes").estimate == pytest.approx(0.7, abs=0.45)
    assert set(multi.factor_p) == {"frequency"}
    assert multi.diagnostics is not None and multi.diagnostics.max_vif is not None


@pytest.mark.parametrize(("name", "method"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_run_analysis__adjusted_p__is_statsmodels_multipletests_per_family(
    frame: pd.DataFrame, name: str, method: str
) -> None:
    result = run_analysis(frame, spec_from_mapping({**BASE, "adjust_p": name}))
    multi = result.model("sought_help", "multivariable")
    raw = [t.p for t in multi.terms]
    assert [t.p_adjusted for t in multi.terms] == pytest.approx(
        list(multipletests(raw, method=method)[1])
    )


def test_run_analysis__mice__pools_m_fits_by_rubins_rules(frame: pd.DataFrame) -> None:
    spec = spec_from_mapping(
        {**BASE, "missing": "mice", "imputations": 3, "models": ["multivariable"]}
    )
    result = run_analysis(frame, spec)
    complete, pooled = result.models
    assert complete.missing == "complete" and pooled.missing == "mice"
    assert (
        pooled.n == int(frame.loc[frame["uses"] == "yes", "sought_help"].notna().sum()) > complete.n
    )
    assert pooled.ci_method == "wald (Rubin's rules)"
    for a, b in zip(complete.terms, pooled.terms):
        assert b.estimate == pytest.approx(a.estimate, abs=0.5)


def test_run_analysis__descriptive_spec__shares_of_each_option(frame: pd.DataFrame) -> None:
    spec = spec_from_mapping(
        {
            "include": "uses == 'yes'",
            "describe": [
                {"name": "help_barriers", "type": "multiple"},
                {"name": "gender"},
                {"name": "duration_s", "type": "numeric"},
            ],
        }
    )
    result = run_analysis(frame, spec)
    barriers, gender, duration = result.descriptions
    users = frame[frame["uses"] == "yes"]
    shame = next(s for s in barriers.shares if s.level == "shame")
    assert (shame.count, shame.denominator) == (
        int(users["help_barriers__shame"].sum()),
        len(users),
    )
    assert sum(s.count for s in gender.shares) == gender.n == int(users["gender"].notna().sum())
    assert dict(duration.statistics)["median"] == pytest.approx(float(users["duration_s"].median()))
    assert result.models == () and result.prevalence == ()


def test_run_analysis__comparison__two_samples_side_by_side_with_tests(frame: pd.DataFrame) -> None:
    programme = make_survey_frame(300, seed=9)
    programme["instrument"] = "program_feedback"
    data = pd.concat([frame, programme], ignore_index=True)
    spec = spec_from_mapping(
        {
            "compare": {
                "groups": [
                    {
                        "label": "Seekers",
                        "include": "instrument == 'help_us_help_you' and sought_help == 'yes'",
                    },
                    {"label": "Programme", "include": "instrument == 'program_feedback'"},
                ],
                "items": [{"name": "help_barriers", "type": "multiple"}, {"name": "gender"}],
            }
        }
    )
    comparison = run_analysis(data, spec).comparison
    assert comparison is not None
    assert comparison.sizes == (int((frame["sought_help"] == "yes").sum()), 300)
    names = [i.variable for i in comparison.items]
    assert "help_barriers: shame" in names and "gender" in names
    assert all(i.test in ("chi-square", "fisher") for i in comparison.items)


def test_write_results__strict_json_with_schema_settings_and_labels(
    frame: pd.DataFrame, tmp_path: Path
) -> None:
    result = run_analysis(frame, spec_from_mapping({**BASE, "ci": "profile"}))
    labels = {"variables": {"frequency": "How often?"}, "levels": {}, "orders": {}}
    paths = write_results(
        result, tmp_path, {"inputs": [{"path": "x.csv", "sha256": "0" * 64}]}, labels
    )
    assert paths == [tmp_path / "results.json"]
    document = json.loads((tmp_path / "results.json").read_text(), parse_constant=pytest.fail)
    assert document["schema"] == SCHEMA == "helpseek.results/1"
    assert {"flow", "prevalence", "models", "table1", "missingness", "software", "inputs"} <= set(
        document
    )
    term = document["models"][-1]["terms"][0]
    assert set(term) >= {
        "variable",
        "level",
        "reference",
        "estimate",
        "se",
        "or",
        "ci_low",
        "ci_high",
        "p",
    }
    assert term["or"] == pytest.approx(np.exp(term["estimate"]))
    # the labels the caller gave, and the spec's labels and level orders, for the report
    assert document["labels"] == labels
    frequency = next(p for p in document["settings"]["predictors"] if p["name"] == "frequency")
    assert frequency["levels"] == ["less_often", "monthly", "weekly", "daily"]


def test_run_analysis__predictor_without_any_answer__one_problem_not_one_per_level() -> None:
    # Given 40 rows where nobody answered the categorical predictor "mood"
    rng = np.random.default_rng(3)
    data = pd.DataFrame(
        {"stop": rng.choice(["yes", "no"], 40), "age": rng.integers(18, 70, 40).astype(float),
         "mood": [None] * 40}
    )  # fmt: skip
    spec = spec_from_mapping(
        {
            "outcomes": [{"name": "stop", "positive": ["yes"]}],
            "predictors": [
                {"name": "age", "type": "numeric"},
                {"name": "mood", "levels": ["good", "bad"], "reference": "good"},
            ],
        }
    )
    with pytest.raises(InputError) as caught:
        run_analysis(data, spec)
    # Then the problem says it has no answer (not "Choose one of these values (values: )")
    assert [p.code for p in caught.value.problems] == ["ANALYSIS-016"]
    assert (
        caught.value.problems[0].message
        == problem("ANALYSIS-016", name="mood", field="predictors[2].name", n=40).message
    )
