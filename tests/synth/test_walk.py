"""Walking the real collect Session: skip logic and constraints hold for every bundled questionnaire,
low-quality respondents are there for screening to find, and a seed fixes everything."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpseek.instrument import (
    Instrument,
    bundled_instruments,
    check_page,
    compute_state,
    load_instrument,
)
from helpseek.quality import options_for, screen
from helpseek.synth import SyntheticResponse, draw_respondents, load_truth, to_dataset, walk_all

FORMS = {name: load_instrument(name) for name in bundled_instruments()}
TRUTHS = {name: load_truth(None, form) for name, form in FORMS.items()}


def assert_follows_the_questionnaire(form: Instrument, response: SyntheticResponse) -> None:
    """Every answer was on a page the logic showed, to a question it showed; every page valid."""
    pages = {p.id: p for p in form.pages}
    answers: dict[str, object] = {}
    for page in response.pages:
        s = page.submission
        state = compute_state(form, answers)  # what the logic knew before this page
        on_page = {q.name for q in pages[s.page_id].questions}
        relevant = {name for name in on_page if state.is_relevant(name)}
        assert set(s.shown) <= relevant, (s.page_id, set(s.shown) - relevant)
        given_here = {k for k in s.answers if form.question(k).type != "calculate"}
        assert given_here <= set(s.shown), (s.page_id, given_here - set(s.shown))
        answers.update({k: v for k, v in s.answers.items() if form.question(k).type != "calculate"})
        assert check_page(form, pages[s.page_id], answers) == {}, s.page_id
    final = compute_state(form, answers)
    assert all(final.is_relevant(name) for name in answers)


@pytest.mark.parametrize("name", sorted(FORMS))
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_walk__any_seed__answers_only_what_the_questionnaire_shows(name: str, seed: int) -> None:
    # Given respondents of a bundled questionnaire drawn with any seed
    form = FORMS[name]
    draw = draw_respondents(form, TRUTHS[name], 4, seed)
    # When they walk the real Session
    for response in walk_all(form, draw):
        # Then every page and answer followed the skip logic and passed the constraints
        assert_follows_the_questionnaire(form, response)
        assert response.repairs == 0


def test_walk__contaminated_sample__follows_the_logic_and_breaks_off_where_drawn(walked) -> None:
    form = FORMS["help_us_help_you"]
    for response in walked:
        assert_follows_the_questionnaire(form, response)
        breakoff = response.respondent.breakoff_after
        if breakoff is not None and not response.is_complete:
            assert len(response.pages) == breakoff
    assert any(not r.is_complete for r in walked) and any(r.is_complete for r in walked)


def test_walk__nobody__accessed_help_without_having_sought_it(walked) -> None:
    table = to_dataset(walked, FORMS["help_us_help_you"]).frame
    accessed = table[table["accessed_help"] == "yes"]
    assert (accessed["sought_help"] == "yes").all()
    assert set(table["accessed_help_any"].dropna()) <= {"yes", "no"}


def test_walk__speeders__take_far_less_time_per_page(walked) -> None:
    table = to_dataset(walked, FORMS["help_us_help_you"]).frame
    per_page = table["duration_s"] / table["pages_submitted"]
    kinds = pd.Series([r.respondent.kind for r in walked])
    assert per_page[kinds == "speeder"].max() < per_page[kinds == "regular"].median() * 0.3


def test_walk__screening__finds_the_planted_low_quality_responses(walked) -> None:
    # Given the contaminated sample as an exported table
    form = FORMS["help_us_help_you"]
    table = to_dataset(walked, form).frame
    kinds = pd.Series([r.respondent.kind for r in walked])
    # When quality screening runs with the questionnaire's batteries and checks
    flagged = screen(table, options_for(form), form).frame
    # Then speeders, straight-liners, duplicates and inconsistent answers are each flagged
    assert flagged.loc[kinds == "speeder", "flag_speeding"].all()
    assert flagged.loc[kinds == "straightliner", "flag_straightlining"].all()
    assert flagged.loc[kinds == "duplicate", "flag_duplicates"].all()
    assert flagged.loc[kinds == "inconsistent", "flag_inconsistent"].all()
    # And regular respondents are rarely flagged as speeding
    assert flagged.loc[kinds == "regular", "flag_speeding"].mean() < 0.1


def test_walk__same_seed__same_table() -> None:
    form = FORMS["program_feedback"]
    first = to_dataset(
        walk_all(form, draw_respondents(form, TRUTHS["program_feedback"], 12, 4)), form
    )
    again = to_dataset(
        walk_all(form, draw_respondents(form, TRUTHS["program_feedback"], 12, 4)), form
    )
    pd.testing.assert_frame_equal(first.frame, again.frame)


def test_walk_all__two_processes__same_responses_as_one() -> None:
    form = FORMS["program_feedback"]
    draw = draw_respondents(form, TRUTHS["program_feedback"], 10, 8)
    assert list(walk_all(form, draw, workers=2)) == list(walk_all(form, draw))
