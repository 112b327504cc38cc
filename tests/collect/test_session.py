"""The respondent's path as a pure state machine: skip logic, back, validation, records, randomization."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpseek.collect import Accepted, FormError, Rejected, Session, SessionStateError
from helpseek.instrument import compute_state, instrument_from_markdown, load_instrument

FORM = """
| survey |
| | type | name | label::English (en) | label::Español (es) | required | relevant | constraint | parameters | appearance |
| | select_one yn | uses | Do you use it? | ¿Lo usa? | yes | | | | |
| | begin_group | habits | Habits | Hábitos | | ${uses} = 'yes' | | | field-list |
| | integer | age | Age | Edad | yes | | . >= 18 and . <= 99 | | |
| | select_one yn | more | More? | ¿Más? | | | | | |
| | end_group | | | | | | | | |
| | text | detail | Detail | Detalle | | ${more} = 'yes' | | | |
| | select_multiple colour | colours | Colours | Colores | | | | randomize=true | |
| | note | bye | Thanks | Gracias | | | | | |

| choices |
| | list_name | name | label::English (en) | label::Español (es) |
| | yn | yes | Yes | Sí |
| | yn | no | No | No |
| | colour | red | Red | Rojo |
| | colour | green | Green | Verde |
| | colour | blue | Blue | Azul |
| | colour | grey | Grey | Gris |
| | colour | black | Black | Negro |

| settings |
| | form_id | version | default_language |
| | tokens | 1 | English (en) |
"""


@pytest.fixture(scope="module")
def instrument():
    return instrument_from_markdown(FORM)


def _start(instrument, seed: int = 1) -> Session:
    return Session.start(instrument, "en", random.Random(seed))


def _submit(session: Session, **answers: str | list[str]):
    raw = {k: v if isinstance(v, list) else [v] for k, v in answers.items()}
    return session.submit(raw)


def test_session__answer_no__skips_the_habits_page(instrument) -> None:
    # Given a respondent on the first page
    session = _start(instrument)
    # When they answer "no"
    outcome = _submit(session, uses="no")
    # Then the habits page is not shown; the next page is the colours question
    assert isinstance(outcome, Accepted)
    assert outcome.session.current_page().shown == ("colours",)


def test_session__required_missing__rejects_and_keeps_the_page(instrument) -> None:
    session = _start(instrument)
    outcome = _submit(session)
    assert isinstance(outcome, Rejected)
    assert outcome.session == session
    assert outcome.view.questions[0].error_kind == "required"


def test_session__out_of_range_number__is_rejected_with_values_kept(instrument) -> None:
    # Given a respondent on the habits page
    session = _submit(_start(instrument), uses="yes").session
    # When they type an age outside the constraint
    outcome = _submit(session, age="150", more="no")
    # Then the page comes back with the constraint error and their typed values
    assert isinstance(outcome, Rejected)
    by_name = {q.name: q for q in outcome.view.questions}
    assert by_name["age"].error_kind == "constraint"
    assert by_name["age"].values == ("150",)
    assert by_name["more"].values == ("no",)


def test_session__not_a_number__is_an_integer_error(instrument) -> None:
    session = _submit(_start(instrument), uses="yes").session
    outcome = _submit(session, age="twenty")
    assert isinstance(outcome, Rejected)
    assert outcome.view.questions[0].error_kind == "integer"


def test_session__answer_yes__shows_the_follow_up_page(instrument) -> None:
    # Given the habits page, and "detail" shown only when "more" is yes
    session = _submit(_start(instrument), uses="yes").session
    # When the respondent answers yes
    outcome = _submit(session, age="30", more="yes")
    # Then the next page asks for the detail
    assert isinstance(outcome, Accepted)
    assert outcome.submission.answers == {"age": 30, "more": "yes"}
    assert outcome.session.current_page().shown == ("detail",)


def test_session__value_not_in_choice_list__is_a_choice_error(instrument) -> None:
    outcome = _submit(_start(instrument), uses="maybe")
    assert isinstance(outcome, Rejected)
    assert outcome.view.questions[0].error_kind == "choice"


@pytest.mark.parametrize(
    "raw",
    [{"nonsense": ["1"]}, {"uses": ["yes", "no"]}, {"age": ["30"]}],
    ids=["unknown-field", "two-values-for-select-one", "field-of-another-page"],
)
def test_session__field_no_page_has__raises_form_error(instrument, raw) -> None:
    with pytest.raises(FormError):
        _start(instrument).submit(raw)


def test_session__back__shows_previous_page_with_answers(instrument) -> None:
    # Given a respondent who answered two pages
    session = _submit(_start(instrument), uses="yes").session
    session = _submit(session, age="30", more="no").session
    # When they go back
    back = session.back()
    # Then they see the habits page with their answers
    values = {q.name: q.values for q in back.current_page().questions}
    assert values == {"age": ("30",), "more": ("no",)}
    # And going back again reaches the first page, where back stays put
    first = back.back()
    assert first.current_page().is_first
    assert first.back() == first


def test_session__records__count_seq_and_mark_the_last_page_complete(instrument) -> None:
    session = _start(instrument)
    submissions = []
    for answers in ({"uses": "no"}, {"colours": ["red", "blue"]}, {}):  # the last page is a note
        outcome = _submit(session, **answers)
        assert isinstance(outcome, Accepted)
        submissions.append(outcome.submission)
        session = outcome.session
    assert [s.seq for s in submissions] == [1, 2, 3]
    assert [s.is_complete for s in submissions] == [False, False, True]
    assert submissions[1].answers == {"colours": ["red", "blue"]}
    assert submissions[1].shown == ("colours",)
    assert session.is_finished


def test_session__shown_but_unanswered__is_listed_in_shown_only(instrument) -> None:
    session = _submit(_start(instrument), uses="no").session
    outcome = _submit(session)
    assert isinstance(outcome, Accepted)
    assert outcome.submission.shown == ("colours",) and outcome.submission.answers == {}


def test_session__randomized_choices__stable_for_a_response_and_vary_between_responses(
    instrument,
) -> None:
    def order(seed: int) -> tuple[str, ...]:
        session = _submit(_start(instrument, seed), uses="no").session
        first = tuple(c.name for c in session.current_page().questions[0].choices)
        again = tuple(c.name for c in session.current_page().questions[0].choices)
        assert first == again
        return first

    orders = {order(seed) for seed in range(8)}
    assert len(orders) > 1
    assert all(sorted(o) == sorted(["red", "green", "blue", "grey", "black"]) for o in orders)


def test_session__saved_and_restored__is_the_same_session(instrument) -> None:
    session = _submit(_submit(_start(instrument), uses="yes").session, age="30").session
    assert Session.from_data(json.loads(json.dumps(session.to_data())), instrument) == session


@pytest.mark.parametrize("saved", ["[1, 2]", '"text"', '{"schema": "other"}'])
def test_session__restored_from_what_no_session_saved__refused(instrument, saved) -> None:
    with pytest.raises(SessionStateError):
        Session.from_data(json.loads(saved), instrument)


def test_session__progress__counts_pages_that_may_still_be_shown(instrument) -> None:
    first = _start(instrument).current_page().progress
    assert (first.done, first.total) == (0, 5)
    after_no = _submit(_start(instrument), uses="no").session.current_page().progress
    assert (after_no.done, after_no.total) == (1, 3)


@settings(max_examples=40, deadline=None)
@given(
    choices=st.lists(st.sampled_from(["yes", "no", "", "x"]), min_size=1, max_size=12),
    ages=st.lists(st.sampled_from(["", "17", "30", "abc", "99"]), min_size=1, max_size=12),
)
def test_session__any_walk__never_skips_a_visible_required_question(choices, ages) -> None:
    instrument = instrument_from_markdown(FORM)
    session = _start(instrument)
    for step in range(12):
        if session.is_finished:
            break
        view = session.current_page()
        raw = {
            "uses": [choices[step % len(choices)]],
            "age": [ages[step % len(ages)]],
            "more": [choices[(step + 1) % len(choices)]],
        }
        raw = {k: v for k, v in raw.items() if k in view.shown and v != [""]}
        outcome = session.submit(raw)
        if isinstance(outcome, Accepted):
            required = {q.name for q in view.questions if q.question.required == "yes"}
            assert required <= set(outcome.submission.answers)
        session = outcome.session


def test_session__bundled_questionnaire__walks_to_the_end_in_arabic() -> None:
    instrument = load_instrument("help_us_help_you")
    session = Session.start(instrument, "ar", random.Random(3))
    pages = 0
    while not session.is_finished and pages < 50:
        view = session.current_page()
        raw = {q.name: [q.choices[0].name] for q in view.questions if q.choices}
        outcome = session.submit(raw)
        assert isinstance(outcome, Accepted), outcome
        session, pages = outcome.session, pages + 1
    assert session.is_finished and session.language == "ar"


def _shown_now(session: Session, today=None) -> tuple[str, ...]:
    """The current page's shown questions computed afresh from the answers without the page."""
    page = next(p for p in session.instrument.pages if p.id == session.page_id)
    names = {q.name for q in page.questions}
    before = {k: v for k, v in session.answers.items() if k not in names}
    state = compute_state(session.instrument, before, today=today)
    return tuple(q.name for q in page.questions if q.is_answered and state.is_relevant(q.name))


@pytest.mark.parametrize("form", ["tokens", "help_us_help_you"])
def test_session__shown_questions_kept_for_the_next_step__are_what_the_answers_give(
    instrument, form
) -> None:
    """Each step keeps the next page's shown questions (issue 16: its submission may reach a
    process that never computed that state); walking forward, back and forward again, what is
    kept always equals a fresh computation, and a state restored from its data keeps it."""
    form_instrument = instrument if form == "tokens" else load_instrument(form)
    today = date(2026, 12, 3)
    rng = random.Random(5)
    session = Session.start(form_instrument, "en", rng, today=today)
    kept = 0
    for step in range(60):
        if session.is_finished:
            break
        if session.shown_here is not None and session.shown_here[:2] == (
            session.seq,
            session.page_id,
        ):
            assert session.shown_here[3] == _shown_now(session, today)
            kept += 1
        restored = Session.from_data(json.loads(json.dumps(session.to_data())), form_instrument)
        assert restored.shown_here == session.shown_here
        if step % 5 == 4:
            session = session.back()
            assert session.shown_here is None
            continue
        view = session.current_page(today=today)
        raw = {q.name: [rng.choice(q.choices).name] for q in view.questions if q.choices}
        raw |= {q.name: ["30"] for q in view.questions if q.question.type == "integer"}
        outcome = session.submit(raw, today=today)
        fresh = restored.submit(raw, today=today)  # what another process does with the state
        assert fresh == outcome
        assert fresh.session.shown_here == outcome.session.shown_here
        session = outcome.session
    assert kept >= 3


def test_session__kept_shown_questions__used_only_for_their_step_page_and_date(instrument) -> None:
    session = _submit(_start(instrument), uses="yes").session  # on the habits page
    assert session.shown_here == (1, session.page_id, None, ("age", "more"))
    raw = {"age": ["30"], "more": ["no"]}
    # Kept for this step, page and date: used as kept (nothing recomputes them).
    kept = replace(session, shown_here=(1, session.page_id, None, ("age",)))
    assert kept.submit(raw).submission.shown == ("age",)
    # For another date, step or page, or from a state saved without them: computed afresh.
    for other in [
        (1, session.page_id, "2026-12-03", ("age",)),
        (2, session.page_id, None, ("age",)),
        (1, "elsewhere", None, ("age",)),
        None,
    ]:
        outcome = replace(session, shown_here=other).submit(raw)
        assert outcome.submission.shown == ("age", "more")
    data = session.to_data()
    del data["shown_here"]
    assert Session.from_data(data, instrument).shown_here is None
