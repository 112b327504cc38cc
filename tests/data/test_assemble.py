"""assemble: page records -> one row per response, per the dataset contract (data/README.md)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from helpseek.data import assemble
from helpseek.instrument import Instrument
from helpseek.problems import InputError
from helpseek.store import PageRecord

PageMaker = Callable[..., PageRecord]


def test_assemble__one_full_response__one_row_with_meta_columns_in_contract_order(
    form_v1: Instrument, page: PageMaker
) -> None:
    records = [
        page("r1", 1, "stop", {"stop": "yes"}),
        page("r1", 2, "age", {"age": 30}, seconds=20),
        page("r1", 3, "reasons", {"reasons": ["tokenbeta"]}),
        page("r1", 4, "why", {"why": "tokenalpha words"}),
        page("r1", 5, "hours", {"hours": 2.5}, status="complete", on="2026-11-30"),
    ]
    frame = assemble(records, [form_v1]).frame
    assert list(frame.columns) == [
        "response_id", "instrument", "instrument_version", "language", "status", "submitted_on",
        "duration_s", "pages_submitted", "last_page", "language_review", "stop", "age", "reasons",
        "reasons__tokenalpha", "reasons__tokenbeta", "why", "hours", "adult", "unanswered",
    ]  # fmt: skip
    row = frame.iloc[0].to_dict()
    assert row == {
        "response_id": "r1", "instrument": "study", "instrument_version": "1", "language": "en",
        "status": "complete", "submitted_on": "2026-11-30", "duration_s": 60,
        "pages_submitted": 5, "last_page": "hours", "language_review": "source", "stop": "yes",
        "age": 30,
        "reasons": "tokenbeta", "reasons__tokenalpha": 0, "reasons__tokenbeta": 1,
        "why": "tokenalpha words", "hours": 2.5, "adult": 1, "unanswered": "",
    }  # fmt: skip
    assert str(frame["age"].dtype) == "Int64"
    assert str(frame["hours"].dtype) == "float64"


def test_assemble__shown_not_answered_vs_not_shown__only_shown_ones_listed_as_unanswered(
    form_v1: Instrument, page: PageMaker
) -> None:
    # Given a respondent who says "no" (so "reasons" is skipped by logic), leaves "age" empty,
    # and breaks off before "why"
    records = [page("r1", 1, "stop", {"stop": "no"}), page("r1", 2, "age", {}, ("age",))]
    row = assemble(records, [form_v1]).frame.iloc[0]
    # Then both are NA in their columns, but only "age" is listed as shown and not answered
    assert row["age"] is pd.NA and row["reasons"] is pd.NA and row["why"] is pd.NA
    assert row["reasons__tokenalpha"] is pd.NA
    assert row["unanswered"] == "age"
    assert row["status"] == "partial"
    assert row["last_page"] == "age"


def test_assemble__back_navigation__highest_seq_wins_and_dropped_branch_is_not_shown(
    form_v1: Instrument, page: PageMaker
) -> None:
    # Given a respondent who answered "yes" and chose reasons, then went back and said "no"
    records = [
        page("r1", 1, "stop", {"stop": "yes"}),
        page("r1", 2, "reasons", {"reasons": ["tokenalpha"]}),
        page("r1", 3, "stop", {"stop": "no"}),
        page("r1", 4, "age", {"age": 17}),
    ]
    row = assemble(records, [form_v1]).frame.iloc[0]
    # Then the later answer wins, the reasons branch no longer applies, and the calculation is final
    assert row["stop"] == "no"
    assert row["reasons"] is pd.NA
    assert row["unanswered"] == ""
    assert row["adult"] == 0
    assert row["pages_submitted"] == 4


def test_assemble__records_out_of_order_and_interleaved__grouped_per_response(
    form_v1: Instrument, page: PageMaker
) -> None:
    records = [
        page("r2", 2, "age", {"age": 40}),
        page("r1", 1, "stop", {"stop": "yes"}),
        page("r2", 1, "stop", {"stop": "no"}),
        page("r1", 2, "age", {"age": 20}),
    ]
    frame = assemble(records, [form_v1]).frame
    assert frame[["response_id", "stop", "age"]].astype(object).values.tolist() == [
        ["r2", "no", 40],
        ["r1", "yes", 20],
    ]


def test_assemble__two_questionnaire_versions__merge_into_one_table(
    form_v1: Instrument, form_v2: Instrument, page: PageMaker
) -> None:
    records = [
        page("old", 1, "stop", {"stop": "no"}),
        page("old", 2, "hours", {"hours": 1.0}),
        page("new", 1, "stop", {"stop": "unsure"}, version="2"),
        page("new", 2, "mood", {"mood": "good"}, version="2"),
    ]
    dataset = assemble(records, [form_v1, form_v2])
    frame = dataset.frame.set_index("response_id")
    # Then the columns are the union, the newest version's order first
    assert [c for c in frame.columns if c in ("why", "mood", "hours", "adult")] == [
        "why", "mood", "hours", "adult",
    ]  # fmt: skip
    assert frame.loc["old", "instrument_version"] == "1"
    assert frame.loc["new", "stop"] == "unsure"
    assert frame.loc["old", "mood"] is pd.NA
    assert frame.loc["new", "hours"] != frame.loc["new", "hours"]  # NaN: not in version 2
    # And the merged choices keep one code per name, newest labels first
    stop = dataset.variable("stop")
    assert [(c.code, c.name, c.label) for c in stop.choices] == [
        (1, "yes", "Yes"), (2, "no", "No"), (3, "unsure", "Not sure"),
    ]  # fmt: skip
    assert stop.label == "Want to stop now?"
    assert dataset.instruments == (("study", "2"), ("study", "1"))


def test_assemble__labels_in_chosen_language(form_v1: Instrument, page: PageMaker) -> None:
    dataset = assemble([page("r1", 1, "stop", {"stop": "yes"})], [form_v1], language="es")
    assert dataset.variable("stop").label == "¿Quiere dejarlo?"
    assert [c.label for c in dataset.variable("stop").choices] == ["Sí", "No"]
    assert dataset.variable("reasons__tokenalpha").label == "Razones: Alfa"


def test_assemble__unknown_language__names_the_known_ones(
    form_v1: Instrument, page: PageMaker
) -> None:
    with pytest.raises(InputError) as caught:
        assemble([page("r1", 1, "stop", {"stop": "yes"})], [form_v1], language="fi")
    assert caught.value.problems[0].code == "DATA-008"
    assert "(en, es)" in caught.value.problems[0].message


def test_assemble__records_of_a_questionnaire_not_given__problem_counts_them(
    form_v1: Instrument, page: PageMaker
) -> None:
    stranger = page("r9", 1, "x", {"x": "1"}).__class__(
        "r9", "other_form", "3", "en", "x", 1, {"x": "1"}, ("x",), "2026-11-29", 10
    )
    with pytest.raises(InputError) as caught:
        assemble([stranger, page("r1", 1, "stop", {"stop": "yes"})], [form_v1])
    [found] = caught.value.problems
    assert found.code == "DATA-001"
    assert found.message.startswith(
        '1 response(s) were answered on questionnaire "other_form" version "3"'
    )


def test_assemble__question_changes_type_between_versions__refused_with_both_types(
    form_v1: Instrument, page: PageMaker
) -> None:
    from helpseek.instrument import instrument_from_markdown

    retyped = instrument_from_markdown(
        """
| survey |
|        | type | name | label |
|        | text | age  | Age   |
| settings |
|          | form_id | version |
|          | study   | 3       |
"""
    )
    with pytest.raises(InputError) as caught:
        assemble([page("r1", 1, "age", {"age": 3})], [form_v1, retyped])
    assert caught.value.problems[0].code == "DATA-002"
    assert "(3: text; 1: integer)" in caught.value.problems[0].message


def test_assemble__no_records__empty_table_with_every_column(form_v1: Instrument) -> None:
    frame = assemble([], [form_v1]).frame
    assert len(frame) == 0
    assert "reasons__tokenbeta" in frame.columns
