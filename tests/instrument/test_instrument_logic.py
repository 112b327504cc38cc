"""The form's logic on the server: paging, relevance, calculations, choice filters, page checks."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
from lxml import etree

from helpseek.instrument import (
    AnswerError,
    Translations,
    check_page,
    compute_state,
    instrument_from_markdown,
    load_instrument,
    logic,
    parse_answer,
    visible_choices,
)
from helpseek.instrument.expressions import answer_text, build_instance
from helpseek.instrument.load import bundled_instruments
from helpseek.synth import draw_respondents, load_truth, walk

FORM = """
| survey |
|        | type                          | name     | label::English (en) | label::Español (es) | relevant          | constraint | constraint_message::English (en) | constraint_message::Español (es) | required         | appearance | calculation | choice_filter | parameters |
|        | integer                       | age      | Age?                | ¿Edad?              |                   | . >= 16    | At least 16.                     | Al menos 16.                     | yes              |            |             |               |            |
|        | select_one yes_no or_other    | uses     | Uses?               | ¿Usa?               | ${age} >= 18      |            |                                  |                                  |                  |            |             |               |            |
|        | begin group                   | feelings | Feelings            | Sentimientos        | ${uses} = 'yes'   |            |                                  |                                  |                  | field-list |             |               |            |
|        | select_one often              | dep      | Depressed?          | ¿Deprimido?         |                   |            |                                  |                                  |                  |            |             |               |            |
|        | select_one often              | anx      | Anxious?            | ¿Ansioso?           |                   |            |                                  |                                  |                  |            |             |               |            |
|        | note                          | n1       | Thank you.          | Gracias.            |                   |            |                                  |                                  |                  |            |             |               |            |
|        | end group                     |          |                     |                     |                   |            |                                  |                                  |                  |            |             |               |            |
|        | begin group                   | more     | More                | Más                 | ${age} < 60       |            |                                  |                  |                  |            |             |               |            |
|        | select_multiple help_kinds    | wanted   | Wanted?             | ¿Quiere?            |                   |            |                                  |                                  |                  |            |             |               | randomize=true |
|        | select_one help_kinds         | best     | Best?               | ¿Mejor?             |                   |            |                                  |                                  | ${age} > 30      |            |             | selected(${wanted}, name) |  |
|        | end group                     |          |                     |                     |                   |            |                                  |                                  |                  |            |             |               |            |
|        | calculate                     | both     |                     |                     |                   |            |                                  |                                  |                  |            | if(${dep} = 'often' and ${anx} = 'often', 'yes', 'no') | | |
|        | calculate                     | twice    |                     |                     |                   |            |                                  |                                  |                  |            | concat(${both}, ${both}) | | |
|        | text                          | why      | Why?                | ¿Por qué?           | ${twice} = 'yesyes' |          |                                  |                                  |                  |            |             |               |            |
| choices |
|         | list_name  | name      | label::English (en) | label::Español (es) |
|         | yes_no     | yes       | Yes                 | Sí                  |
|         | yes_no     | no        | No                  | No                  |
|         | often      | often     | Often               | A menudo            |
|         | often      | never     | Never               | Nunca               |
|         | help_kinds | online    | Online              | En línea            |
|         | help_kinds | therapist | Therapist           | Terapeuta           |
|         | help_kinds | helpline  | Helpline            | Línea de ayuda      |
"""


@pytest.fixture(scope="module")
def form():
    return instrument_from_markdown(FORM)


# --- paging -----------------------------------------------------------------------------------------


def test_pages__field_list_group_is_one_page_and_other_questions_their_own(form) -> None:
    pages = [(page.id, [q.name for q in page.questions]) for page in form.pages]
    assert pages == [
        ("age", ["age"]),
        ("uses", ["uses"]),
        ("uses_other", ["uses_other"]),
        ("feelings", ["dep", "anx", "n1"]),
        ("wanted", ["wanted"]),
        ("best", ["best"]),
        ("why", ["why"]),
    ]


def test_pages__carry_the_enclosing_group_conditions_and_label(form) -> None:
    pages = {page.id: page for page in form.pages}
    assert pages["feelings"].relevant == ("${uses} = 'yes'",)
    assert pages["feelings"].label.get("es") == "Sentimientos"
    assert pages["best"].relevant == ("${age} < 60",)
    assert form.question("best").group_path == ("more",)


def test_pages__calculations_are_on_no_page(form) -> None:
    on_pages = {q.name for page in form.pages for q in page.questions}
    assert "both" not in on_pages and "twice" not in on_pages


def test_randomize_parameter_marks_the_question(form) -> None:
    assert form.question("wanted").is_randomized
    assert not form.question("best").is_randomized


# --- relevance and calculations -----------------------------------------------------------------


def test_state__question_hidden_when_its_condition_is_false(form) -> None:
    # Given a 17-year-old, Then "uses" is not shown
    state = compute_state(form, {"age": 17})
    assert state.is_relevant("age")
    assert not state.is_relevant("uses")


def test_state__group_condition_hides_every_question_inside(form) -> None:
    state = compute_state(form, {"age": 20, "uses": "no", "dep": "often"})
    assert not state.is_relevant("dep")
    assert not state.is_relevant("n1")
    # and an answer given while it was shown is dropped from the values
    assert "dep" not in state.values


def test_state__irrelevant_answers_evaluate_as_empty_in_later_conditions(form) -> None:
    # Given "uses" answered yes but then age changed to 17, Then the feelings group is hidden too
    state = compute_state(form, {"age": 17, "uses": "yes", "dep": "often"})
    assert not state.is_relevant("uses")
    assert not state.is_relevant("dep")
    assert state.values == {"age": 17, "both": "no", "twice": "nono"}


def test_state__calculations_chain_in_dependency_order(form) -> None:
    answers = {"age": 20, "uses": "yes", "dep": "often", "anx": "often"}
    state = compute_state(form, answers)
    assert state.values["both"] == "yes"
    assert state.values["twice"] == "yesyes"
    assert state.is_relevant("why")


def test_state__relevant_maps_every_question(form) -> None:
    state = compute_state(form, {})
    assert set(state.relevant) == {q.name for q in form.questions}


def test_state__calculation_read_before_it_is_defined_still_works() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type      | name  | label | calculation | relevant      |
|        | calculate | total |       | ${a} + 1    |               |
|        | integer   | a     | A?    |             |               |
|        | text      | b     | B?    |             | ${total} > 2  |
""")
    state = compute_state(form, {"a": 5})
    assert state.values["total"] == "6"
    assert state.is_relevant("b")


def test_state__nan_calculation_leaves_no_value() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type      | name  | label | calculation |
|        | integer   | a     | A?    |             |
|        | calculate | half  |       | ${a} div 2  |
""")
    assert "half" not in compute_state(form, {}).values
    assert compute_state(form, {"a": 3}).values["half"] == "1.5"


# --- or_other -----------------------------------------------------------------------------------------


def test_or_other__adds_other_choice_and_a_text_question_shown_when_chosen(form) -> None:
    uses = form.question("uses")
    assert uses.has_other
    assert uses.choices[-1].name == "other"
    assert uses.choices[-1].label.get("es") == "Otro"
    other = form.question("uses_other")
    assert other.type == "text"
    assert compute_state(form, {"age": 20, "uses": "other"}).is_relevant("uses_other")
    assert not compute_state(form, {"age": 20, "uses": "yes"}).is_relevant("uses_other")


# --- choice_filter ----------------------------------------------------------------------------------


def test_choice_filter__shows_only_choices_the_condition_allows(form) -> None:
    answers = {"age": 40, "wanted": ["online", "helpline"]}
    shown = visible_choices(form, form.question("best"), answers)
    assert [c.name for c in shown] == ["online", "helpline"]


def test_choice_filter__no_filter_shows_all(form) -> None:
    shown = visible_choices(form, form.question("wanted"), {})
    assert [c.name for c in shown] == ["online", "therapist", "helpline"]


def test_choice_filter__can_use_extra_choice_columns() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type              | name    | label    | choice_filter      |
|        | select_one region | region  | Region?  |                    |
|        | select_one city   | city    | City?    | in_region=${region} |
| choices |
|         | list_name | name   | label  | in_region |
|         | region    | north  | North  |           |
|         | region    | south  | South  |           |
|         | city      | c1     | One    | north     |
|         | city      | c2     | Two    | south     |
|         | city      | c3     | Three  | north     |
""")
    shown = visible_choices(form, form.question("city"), {"region": "north"})
    assert [c.name for c in shown] == ["c1", "c3"]


# --- parse_answer -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("age", " 42 ", 42),
        ("age", "", None),
        ("age", None, None),
        ("uses", "yes", "yes"),
        ("uses", "other", "other"),
        ("wanted", ["helpline", "online", "online"], ["online", "helpline"]),
        ("wanted", "helpline online", ["online", "helpline"]),
        ("wanted", [], None),
        ("why", "  line one\r\nline two \x00 ", "line one\nline two"),
        ("n1", "anything", None),
    ],
)
def test_parse_answer__gives_typed_answers(form, name, raw, expected) -> None:
    assert parse_answer(form.question(name), raw) == expected


@pytest.mark.parametrize(
    ("name", "raw", "kind"),
    [
        ("age", "forty", "integer"),
        ("age", "4.5", "integer"),
        ("age", "99999999999", "integer"),
        ("uses", "maybe", "choice"),
        ("wanted", ["online", "tokenalpha"], "choice"),
        ("why", "x" * 5001, "too_long"),
    ],
)
def test_parse_answer__refuses_text_that_is_not_an_answer(form, name, raw, kind) -> None:
    with pytest.raises(AnswerError) as caught:
        parse_answer(form.question(name), raw)
    assert caught.value.kind == kind
    assert caught.value.question == name


def test_parse_answer__decimal_accepts_a_decimal_comma() -> None:
    form = instrument_from_markdown("""
| survey |
|        | type    | name   | label   |
|        | decimal | weight | Weight? |
""")
    assert parse_answer(form.question("weight"), "3,5") == 3.5
    with pytest.raises(AnswerError):
        parse_answer(form.question("weight"), "nan")


# --- check_page ---------------------------------------------------------------------------------------


def test_check_page__required_question_left_empty_is_an_error(form) -> None:
    errors = check_page(form, form.pages[0], {})
    assert errors == {"age": AnswerError("age", "required")}


def test_check_page__constraint_error_carries_the_forms_message(form) -> None:
    errors = check_page(form, form.pages[0], {"age": 15})
    assert errors["age"].kind == "constraint"
    assert errors["age"].message == Translations({"en": "At least 16.", "es": "Al menos 16."})


def test_check_page__valid_answers_give_no_errors(form) -> None:
    assert check_page(form, form.pages[0], {"age": 30}) == {}


def test_check_page__required_expression_follows_earlier_answers(form) -> None:
    best_page = next(p for p in form.pages if p.id == "best")
    # Given age 40, "best" is required; Given age 25, it is optional
    assert check_page(form, best_page, {"age": 40, "wanted": ["online"]})["best"].kind == "required"
    assert check_page(form, best_page, {"age": 25, "wanted": ["online"]}) == {}


def test_check_page__choice_hidden_by_the_filter_is_refused(form) -> None:
    best_page = next(p for p in form.pages if p.id == "best")
    errors = check_page(form, best_page, {"age": 25, "wanted": ["online"], "best": "therapist"})
    assert errors["best"].kind == "choice"


def test_check_page__hidden_questions_are_not_checked(form) -> None:
    # Given a 70-year-old, the "more" group is hidden, so its required question is not checked
    best_page = next(p for p in form.pages if p.id == "best")
    assert check_page(form, best_page, {"age": 70}) == {}


# --- reuse of computed states (issue 16) ------------------------------------------------------------


def test_compute_state__made_in_one_thread__reused_in_another_and_equal_to_a_fresh_one(
    form,
) -> None:
    answers = {"age": 20, "uses": "yes", "dep": "often", "anx": "often"}
    made: list[object] = []
    thread = threading.Thread(target=lambda: made.append(compute_state(form, dict(answers))))
    thread.start()
    thread.join()
    reused = compute_state(form, dict(reversed(answers.items())))  # same answers, other order
    fresh, _ = logic._compute_state(form, answers, None, None)
    assert reused is made[0]
    assert (
        dict(reused.values) == dict(fresh.values) == {**answers, "both": "yes", "twice": "yesyes"}
    )
    assert dict(reused.relevant) == dict(fresh.relevant)
    other = compute_state(form, {**answers, "anx": "never"})
    assert other.values["both"] == "no" and not other.is_relevant("why")


def test_compute_state__keeps_a_bounded_number_of_states(form) -> None:
    for age in range(logic.RECENT_STATES + 50):
        compute_state(form, {"age": 16 + age})
    assert len(logic.recent_states()) == logic.RECENT_STATES
    first, last = compute_state(form, {"age": 16}), compute_state(form, {"age": 16})
    assert first is last and first.values == {"age": 16, "both": "no", "twice": "nono"}


class _Clock:
    """Monotonic seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_compute_state__a_state_past_its_bound__is_not_served_and_is_purged(
    form, monkeypatch
) -> None:
    # Guards the change: before it, the cache had no notion of time (and no clock to inject), so
    # a state was served however long ago it was last used, until 256 newer ones pushed it out.
    clock = _Clock()
    memo = logic.StateMemo(size=8, seconds=60, clock=clock)
    monkeypatch.setattr(logic, "_RECENT", memo)
    first = compute_state(form, {"age": 20})
    clock.now += 59
    assert compute_state(form, {"age": 20}) is first  # used again: its age starts again
    clock.now += 60
    assert compute_state(form, {"age": 20}) is first
    clock.now += 60.5
    again = compute_state(form, {"age": 20})  # not served: computed anew, the same values
    assert again is not first and dict(again.values) == dict(first.values)
    assert dict(again.relevant) == dict(first.relevant)
    compute_state(form, {"age": 30})
    clock.now += 30
    compute_state(form, {"age": 40})
    clock.now += 31  # age 20's and age 30's states are 61 s old, age 40's 31 s
    assert len(memo) == 3
    assert logic.purge_recent_states() == 2
    assert len(memo) == 1 and compute_state(form, {"age": 40}).values["age"] == 40
    assert (memo.hits, memo.misses) == (3, 4)


def test_state_memo__purge_drops_every_old_entry_a_few_at_a_time__and_no_recent_one() -> None:
    clock = _Clock()
    memo = logic.StateMemo(size=500, seconds=60, clock=clock)
    state = logic.FormState()
    for key in range(300):
        memo.put(key, None, state)  # type: ignore[arg-type]
        clock.now += 0.1
    memo.get(5, None)  # type: ignore[arg-type]  # used again: now the most recent
    clock.now += 60 - 0.1 * 100  # keys 0..199 are over 60 s old, 200..299 and 5 are not
    assert memo.purge() == 199 > logic._PURGE_BATCH
    assert memo.get(5, None) is state  # type: ignore[arg-type]
    assert memo.get(4, None) is None  # type: ignore[arg-type]
    clock.now += 0.01
    assert memo.purge(seconds=0) == 101  # a shorter bound than the memo's: all of them
    assert memo.purge(seconds=1e9) == 0 and len(memo) == 0


# --- conditions evaluated once per state (issue 16) -------------------------------------------------


def _every_condition_evaluated(form, answers, today=None, language=None) -> logic.FormState:
    """compute_state as it was before conditions were shared: every question's conditions
    evaluated on its own node, one by one."""
    env = logic._environment(form, today, language)
    root = build_instance([q.name for q in form.questions], answers)
    relevant, values = {}, {}
    for question in logic.evaluation_order(form):
        node = root.find(question.name)
        conditions = logic._conditions(question)
        shown = all(logic._holds(text, node, env, default=False) for text in conditions)
        relevant[question.name] = shown
        value = None
        if shown and question.type == "calculate" and question.calculation:
            value = logic._calculate(question.calculation, node, env)
        elif shown and question.name in answers:
            value = answers[question.name]
        node.text = answer_text(value)
        if value is not None and value != "" and value != []:
            values[question.name] = value
    return logic.FormState(relevant, values)


@pytest.mark.parametrize("name", bundled_instruments())
def test_compute_state__equals_every_condition_evaluated__on_every_page_synthetic_respondents_see(
    name,
) -> None:
    form = load_instrument(name)
    draw = draw_respondents(form, load_truth(None, form), 40, 11)
    names = {q.name for q in form.questions}
    seen = 0
    for respondent in draw.respondents:
        answers: dict[str, object] = {}
        # All the respondent would answer, shown or not: as after going back and changing a
        # screening answer, the session still holds answers the state now drops
        everything = {k: v for k, v in respondent.answers.items() if k in names}
        for page in walk(form, respondent, draw).pages:
            answers.update(page.submission.answers)
            for given in (answers, {**everything, **answers}):
                for today in (None, date(2026, 12, 2)):
                    expected = _every_condition_evaluated(form, given, today)
                    state, root = logic._compute_state(form, given, today, None)
                    assert dict(state.relevant) == expected.relevant
                    assert dict(state.values) == expected.values
                    # The instance check_page reads is the one a new build of the state gives
                    rebuilt = logic._state_instance(form, state)
                    assert etree.tostring(root) == etree.tostring(rebuilt)
                    seen += 1
    assert seen > 400


def test_compute_state__a_condition_that_reads_its_question_itself__evaluated_on_each_node() -> (
    None
):
    # Given one condition text on two questions that reads each question's own node
    form = instrument_from_markdown(
        """
| survey |
| | type | name | label::English (en) | relevant |
| | text | c | C | string-length(.) < 3 |
| | text | d | D | string-length(.) < 3 |
| | text | e | E | string-length() < 3 |
| | text | f | F | string-length() < 3 |
"""
    )
    # When each has its own answer, Then each is shown or hidden by its own answer
    state = compute_state(form, {"c": "abcd", "d": "x", "e": "abcd", "f": "x"})
    assert dict(state.relevant) == {"c": False, "d": True, "e": False, "f": True}


def test_compute_state__a_shared_condition__evaluated_again_once_an_answer_it_reads_changed() -> (
    None
):
    # Given a group whose condition reads the group's first member (which `check` refuses, so the
    # instrument is changed after loading): the member's own text changes once it is evaluated
    loaded = instrument_from_markdown(
        """
| survey |
| | type | name | label::English (en) | relevant |
| | text | z | Z | |
| | begin group | g | G | ${z} = '' |
| | text | a | A | |
| | text | b | B | |
| | end group | | | |
"""
    )
    questions = tuple(
        replace(q, group_relevant=("${a} = ''",)) if q.group_relevant else q
        for q in loaded.questions
    )
    form = replace(loaded, questions=questions)
    # When a is answered: its condition fails on its answer, so it is hidden and reads as empty
    state = compute_state(form, {"a": "x", "b": "y"})
    # Then b's evaluation of the same condition sees a empty, and b is shown
    assert dict(state.relevant) == {"z": True, "a": False, "b": True}
    assert dict(state.relevant) == _every_condition_evaluated(form, {"a": "x", "b": "y"}).relevant
