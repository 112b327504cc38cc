"""The three bundled questionnaires: they load, pass the check in every language, carry the study's
variable names, follow the study's skip logic, and convert with pyxform after export to .xlsx.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pyxform import xls2xform

from helpseek.instrument import (
    Instrument,
    Page,
    bundled_instruments,
    check_instrument,
    check_page,
    compute_state,
    evaluate,
    load_instrument,
    to_text,
)
from helpseek.instrument.export import export_xlsx
from helpseek.instrument.load import BUNDLED_DIR, read_form
from helpseek.languages import is_rtl, known_codes, read_translation_file

BUNDLED = ("help_us_help_you", "no_need_for_help", "program_feedback")
#: English, then every language with a translation file (issue 15: all 25 are drafted).
TRANSLATED = tuple(
    sorted(
        (p.stem for p in (BUNDLED_DIR / "translations" / BUNDLED[0]).glob("*.po")), key=str.lower
    )
)
LANGUAGES = ("en", *TRANSLATED)
#: Questionnaires that open with the screening item `uses` (programme participants are not screened).
SCREENED = ("help_us_help_you", "no_need_for_help")

YES_NO_PNTA = ("yes", "no", "prefer_not")
AGE_FIRST = ("under_13", "13_17", "18_plus", "prefer_not")
FREQUENCY = ("daily", "weekly", "monthly", "less_often", "prefer_not")
DURATION = ("lt_1y", "1_5y", "gt_5y", "prefer_not")
BARRIERS = ("fear_legal", "shame", "cost", "not_available", "not_know_where", "distrust",
            "no_barrier", "other")  # fmt: skip
AGE_GROUPS = ("under_18", "18_24", "25_34", "35_49", "50_plus", "prefer_not")
GENDERS = ("man", "woman", "other", "prefer_not")
OFTEN = ("never", "sometimes", "often", "prefer_not")

#: The shared variable names fixed by the lead (briefs/variables.md): name -> (type, list, choices).
VARIABLES: dict[str, dict[str, tuple[str, str | None, tuple[str, ...]]]] = {
    "help_us_help_you": {
        "uses": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "age_first_exposure": ("select_one", "age_first", AGE_FIRST),
        "first_exposure": ("select_one", "first_exposure", ("accidental", "searched", "prefer_not")),
        "frequency": ("select_one", "frequency", FREQUENCY),
        "duration_use": ("select_one", "duration", DURATION),
        "children_age_viewed": ("select_multiple", "child_ages",
                                ("infant_toddler", "age_4_12", "age_13_17")),
        "children_gender_viewed": ("select_multiple", "child_genders", ("girls", "boys")),
        "sought_contact": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "fear_contact": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "contact_users": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "mh_depression": ("select_one", "often_scale", OFTEN),
        "mh_anxiety": ("select_one", "often_scale", OFTEN),
        "mh_guilt": ("select_one", "often_scale", OFTEN),
        "mh_shame": ("select_one", "often_scale", OFTEN),
        "self_harm_thoughts": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "daily_life_difficulty": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "use_difficulty": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "want_stop": ("select_one", "yes_no_unsure", ("yes", "no", "unsure", "prefer_not")),
        "tried_stop": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "sought_help": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "accessed_help": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "accessed_help_any": ("calculate", None, ()),
        "help_wanted": ("select_multiple", "help_types",
                        ("anonymous_online", "self_help_programme", "therapist", "helpline",
                         "peer_support", "medication", "other")),
        "help_barriers": ("select_multiple", "barriers", BARRIERS),
        "what_could_help": ("text", None, ()),
        "age_group": ("select_one", "age_groups", AGE_GROUPS),
        "gender": ("select_one", "genders", GENDERS),
    },
    "no_need_for_help": {
        "uses": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "age_first_exposure": ("select_one", "age_first", AGE_FIRST),
        "frequency": ("select_one", "frequency", FREQUENCY),
        "duration_use": ("select_one", "duration", DURATION),
        "no_help_reason": ("select_multiple", "no_help_reasons",
                           ("can_stop_alone", "not_a_problem_for_me", "help_not_trustworthy",
                            "fear_consequences", "other")),
        "no_help_reason_other": ("text", None, ()),
        "age_group": ("select_one", "age_groups", AGE_GROUPS),
        "gender": ("select_one", "genders", GENDERS),
    },
    "program_feedback": {
        "found_programme": ("select_one", "found_via",
                            ("search_engine_message", "search_online", "professional", "forum",
                             "other")),
        "motivation": ("select_multiple", "motivations",
                       ("own_wish_to_stop", "fear_consequences", "harm_to_children", "family",
                        "mental_health", "other")),
        "help_before": ("select_one", "yes_no_pnta", YES_NO_PNTA),
        "use_change": ("select_one", "use_changes",
                       ("stopped", "decreased", "unchanged", "increased", "prefer_not")),
        "what_helped": ("select_multiple", "helped",
                        ("exercises", "information", "anonymity", "self_monitoring", "nothing",
                         "other")),
        "help_barriers": ("select_multiple", "barriers", BARRIERS),
        "confidence": ("select_one", "confidence_scale", ("c1", "c2", "c3", "c4", "c5")),
        "age_first_exposure": ("select_one", "age_first", AGE_FIRST),
        "age_group": ("select_one", "age_groups", AGE_GROUPS),
        "gender": ("select_one", "genders", GENDERS),
    },
}  # fmt: skip

#: Public prevention services the help links may point to (content rule: nothing else).
HELP_HOSTS = {"www.suojellaanlapsia.fi", "www.stopitnow.org", "www.stopitnow.org.uk",
              "troubled-desire.com"}  # fmt: skip


@pytest.fixture(scope="module", params=BUNDLED)
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def instrument(name: str) -> Instrument:
    return load_instrument(name)


@pytest.fixture(scope="module")
def help_us_help_you() -> Instrument:
    return load_instrument("help_us_help_you")


@pytest.fixture(scope="module")
def program_feedback() -> Instrument:
    return load_instrument("program_feedback")


def page_of(instrument: Instrument, question: str) -> Page:
    return next(p for p in instrument.pages if question in {q.name for q in p.questions})


def page_index(instrument: Instrument, question: str) -> int:
    return instrument.pages.index(page_of(instrument, question))


# --- loading and checking -------------------------------------------------------------------


def test_bundled_instruments__lists_the_three_questionnaires() -> None:
    assert set(BUNDLED) <= set(bundled_instruments())


def test_load__each_bundled_questionnaire__has_its_form_id_and_the_release_version(
    name: str, instrument: Instrument
) -> None:
    assert instrument.form_id == name
    assert instrument.version == "2026.11.1"
    assert instrument.default_language == "en"


def test_check__each_bundled_questionnaire__reports_no_error(name: str) -> None:
    # When the bundled questionnaire is checked (our checks plus pyxform's conversion)
    problems = check_instrument(name)

    # Then nothing is an error (warnings, e.g. pyxform's note on or_other, are allowed)
    assert [str(p) for p in problems if p.is_error] == []


def test_check__each_bundled_questionnaire__reports_no_missing_translation(name: str) -> None:
    missing = [str(p) for p in check_instrument(name) if p.code == "INSTRUMENT-022"]
    assert missing == []


# --- languages ---------------------------------------------------------------------------------


def test_languages__are_english_then_each_translation_file_with_its_review_status(
    name: str, instrument: Instrument
) -> None:
    # Every bundled questionnaire has the same languages: all 25 the study's respondents read
    assert instrument.language_codes == LANGUAGES
    assert sorted(LANGUAGES) == sorted(known_codes())
    # And each translated language carries the review status of its file's header
    for code in TRANSLATED:
        path = BUNDLED_DIR / "translations" / name / f"{code}.po"
        review = read_translation_file(path).review
        language = instrument.language(code)
        assert (language.is_machine_translated, language.reviewed_on) == (
            not review.is_reviewed,
            review.reviewed_on,
        )
    # And Arabic and Persian run right to left, nothing else
    rtl = {lang.code for lang in instrument.languages if lang.is_rtl}
    assert rtl == {code for code in LANGUAGES if code in ("ar", "fa")}
    assert rtl == {code for code in LANGUAGES if is_rtl(code)}


def translated_texts(instrument: Instrument) -> list[tuple[str, dict[str, str]]]:
    """Every translated text of the instrument, with where it is, as (where, {code: text})."""
    texts = [("form_title", dict(instrument.title.by_language))]
    for page in instrument.pages:
        if page.label.by_language:
            texts.append((f"page {page.id} label", dict(page.label.by_language)))
    for q in instrument.questions:
        for column in ("label", "hint", "required_message", "constraint_message"):
            value = getattr(q, column).by_language
            if value or (column == "label" and q.type != "calculate"):
                texts.append((f"{q.name} {column}", dict(value)))
        for choice in q.choices:
            texts.append((f"{q.name} choice {choice.name}", dict(choice.label.by_language)))
    for resource in instrument.help_resources:
        texts.append((f"help {resource.id} label", dict(resource.label.by_language)))
        texts.append((f"help {resource.id} description", dict(resource.description.by_language)))
    return texts


def test_every_language__has_every_text(instrument: Instrument) -> None:
    gaps = [
        f"{where}: {code}"
        for where, by_language in translated_texts(instrument)
        for code in LANGUAGES
        if not by_language.get(code, "").strip()
    ]
    assert gaps == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_show__each_language__prints_the_title_and_every_question_in_that_language(
    instrument: Instrument, language: str
) -> None:
    text = to_text(instrument, language)
    assert instrument.title.by_language[language] in text
    for question in instrument.questions:
        if question.type != "calculate":
            assert question.label.by_language[language] in text


def test_help_resources__are_the_public_prevention_services_over_https(
    instrument: Instrument,
) -> None:
    ids = [resource.id for resource in instrument.help_resources]
    assert ids == ["redirection", "stop_it_now_uk", "stop_it_now_us", "troubled_desire"]
    for resource in instrument.help_resources:
        url = urlsplit(resource.url)
        assert (url.scheme, url.hostname in HELP_HOSTS) == ("https", True), resource.url


# --- the study's variable names ----------------------------------------------------------------


def test_variables__have_the_shared_names_types_and_choice_names(
    name: str, instrument: Instrument
) -> None:
    found = {}
    for question_name in VARIABLES[name]:
        q = instrument.question(question_name)
        found[question_name] = (q.type, q.list_name, tuple(c.name for c in q.choices))
    assert found == VARIABLES[name]


def test_mental_health_battery__is_four_items_on_one_page(help_us_help_you: Instrument) -> None:
    items = ("mh_depression", "mh_anxiety", "mh_guilt", "mh_shame")
    assert help_us_help_you.batteries == {"mental_health": items}
    assert [q.name for q in page_of(help_us_help_you, "mh_depression").questions] == list(items)


def test_demographics__are_on_one_page(instrument: Instrument) -> None:
    page = page_of(instrument, "age_group")
    assert {"age_group", "gender"} <= {q.name for q in page.questions}


@pytest.mark.parametrize("screened", SCREENED)
def test_screening_item__is_required_and_offers_prefer_not_to_say(screened: str) -> None:
    uses = load_instrument(screened).question("uses")
    assert uses.required == "yes"
    assert uses.choice("prefer_not") is not None


def test_optional_sensitive_items__offer_prefer_not_to_say(help_us_help_you: Instrument) -> None:
    sensitive = ("sought_contact", "fear_contact", "contact_users", "self_harm_thoughts",
                 "mh_depression", "age_first_exposure", "frequency", "age_group", "gender")  # fmt: skip
    for question_name in sensitive:
        q = help_us_help_you.question(question_name)
        assert (question_name, q.required, q.choice("prefer_not") is not None) == (
            question_name, None, True)  # fmt: skip


# --- skip logic --------------------------------------------------------------------------------


@pytest.mark.parametrize("screened", SCREENED)
@pytest.mark.parametrize("answer", ["no", "prefer_not"])
def test_uses_not_yes__nothing_after_the_screening_item_is_asked_or_computed(
    screened: str, answer: str
) -> None:
    instrument = load_instrument(screened)
    # Given a respondent who does not answer "yes" to the screening item
    state = compute_state(instrument, {"uses": answer})

    # Then no question after it is relevant except the closing note, and the row holds only uses
    start = instrument.questions.index(instrument.question("uses")) + 1
    after = [q.name for q in instrument.questions[start:]]
    assert [n for n in after if state.is_relevant(n)] == ["end"]
    assert state.values == {"uses": answer}


def test_uses_yes__every_question_is_asked_except_accessed_help(
    help_us_help_you: Instrument,
) -> None:
    state = compute_state(help_us_help_you, {"uses": "yes"})
    not_asked = [q.name for q in help_us_help_you.questions if not state.is_relevant(q.name)]
    assert not_asked == ["accessed_help"]


@pytest.mark.parametrize(
    ("sought", "accessed_any"), [("no", "no"), ("prefer_not", None), (None, None)]
)
def test_accessed_help__is_not_asked_unless_help_was_sought(
    help_us_help_you: Instrument, sought: str | None, accessed_any: str | None
) -> None:
    answers = {"uses": "yes"} | ({"sought_help": sought} if sought else {})
    state = compute_state(help_us_help_you, answers)
    assert state.is_relevant("accessed_help") is False
    # Not having sought help means not having accessed it; not answering leaves the outcome missing
    assert state.values.get("accessed_help_any") == accessed_any


def test_accessed_help__is_asked_when_help_was_sought(help_us_help_you: Instrument) -> None:
    state = compute_state(help_us_help_you, {"uses": "yes", "sought_help": "yes"})
    assert state.is_relevant("accessed_help") is True


@pytest.mark.parametrize(
    ("sought", "accessed", "expected"),
    [("yes", "yes", "yes"), ("yes", "no", "no"), ("yes", "prefer_not", None),
     ("no", "yes", "no")],  # an answer to a question not asked is dropped
)  # fmt: skip
def test_accessed_help_any__is_yes_only_for_users_who_sought_and_accessed_help(
    help_us_help_you: Instrument, sought: str, accessed: str, expected: str | None
) -> None:
    answers = {"uses": "yes", "sought_help": sought, "accessed_help": accessed}
    assert compute_state(help_us_help_you, answers).values.get("accessed_help_any") == expected


def test_accessed_help__is_on_a_later_page_than_sought_help(help_us_help_you: Instrument) -> None:
    # Without JavaScript a condition can only use answers from earlier pages.
    instrument = help_us_help_you
    assert page_index(instrument, "accessed_help") > page_index(instrument, "sought_help")


def test_every_condition__reads_only_answers_from_earlier_pages(instrument: Instrument) -> None:
    # Without JavaScript a page is decided when it is drawn, so a condition (relevant, own or of a
    # group) can only read answers given on earlier pages; or_other's text question included.
    late = []
    for page_number, page in enumerate(instrument.pages):
        for question in page.questions:
            for condition in (*question.group_relevant, question.relevant or ""):
                for ref in re.findall(r"\$\{(\w+)\}", condition):
                    if page_index(instrument, ref) >= page_number:
                        late.append(f"{question.name} reads {ref}")
    assert late == []


def test_accessed_help__sought_but_unanswered__is_required(help_us_help_you: Instrument) -> None:
    answers = {"uses": "yes", "want_stop": "yes", "sought_help": "yes"}
    errors = check_page(help_us_help_you, page_of(help_us_help_you, "accessed_help"), answers)
    assert {name: e.kind for name, e in errors.items()} == {"accessed_help": "required"}


def test_screening_page__unanswered__is_a_required_error_with_the_form_message(
    help_us_help_you: Instrument,
) -> None:
    errors = check_page(help_us_help_you, page_of(help_us_help_you, "uses"), {})
    assert errors["uses"].kind == "required"
    assert errors["uses"].message.by_language["en"].startswith("Please choose an answer.")


def test_screening_page__prefer_not_to_say__is_accepted(help_us_help_you: Instrument) -> None:
    page = page_of(help_us_help_you, "uses")
    assert check_page(help_us_help_you, page, {"uses": "prefer_not"}) == {}


@pytest.mark.parametrize(
    ("barriers", "kinds"),
    [(["no_barrier"], {}), (["shame", "cost"], {}),
     (["no_barrier", "shame"], {"help_barriers": "constraint"})],
)  # fmt: skip
def test_help_barriers__no_barrier_cannot_be_combined_with_a_barrier(
    help_us_help_you: Instrument, barriers: list[str], kinds: dict[str, str]
) -> None:
    answers = {"uses": "yes", "help_barriers": barriers}
    errors = check_page(help_us_help_you, page_of(help_us_help_you, "help_barriers"), answers)
    assert {name: e.kind for name, e in errors.items()} == kinds


def test_what_helped__nothing_cannot_be_combined_with_something(
    program_feedback: Instrument,
) -> None:
    page = page_of(program_feedback, "what_helped")
    errors = check_page(program_feedback, page, {"what_helped": ["nothing", "exercises"]})
    assert {name: e.kind for name, e in errors.items()} == {"what_helped": "constraint"}


@pytest.mark.parametrize(
    ("change", "asked"),
    [("stopped", True), ("decreased", True), ("unchanged", False), ("increased", False),
     ("prefer_not", False), (None, False)],
)  # fmt: skip
def test_confidence__is_asked_only_when_use_stopped_or_decreased(
    program_feedback: Instrument, change: str | None, asked: bool
) -> None:
    state = compute_state(program_feedback, {"use_change": change} if change else {})
    assert state.is_relevant("confidence") is asked
    assert page_index(program_feedback, "confidence") > page_index(program_feedback, "use_change")


def test_no_help_reason_other__is_asked_when_other_is_selected() -> None:
    instrument = load_instrument("no_need_for_help")
    chosen = compute_state(instrument, {"uses": "yes", "no_help_reason": ["other"]})
    not_chosen = compute_state(instrument, {"uses": "yes", "no_help_reason": ["can_stop_alone"]})
    assert (chosen.is_relevant("no_help_reason_other"),
            not_chosen.is_relevant("no_help_reason_other")) == (True, False)  # fmt: skip


# --- declared inconsistencies (quality screening) ----------------------------------------------


def test_declared_checks__flag_accessed_help_without_seeking_it(
    help_us_help_you: Instrument,
) -> None:
    checks = dict(help_us_help_you.inconsistencies)
    expression = checks["accessed_without_seeking"]
    assert evaluate(expression, {"accessed_help": "yes", "sought_help": "no"}) is True
    assert evaluate(expression, {"accessed_help": "yes", "sought_help": "yes"}) is False
    assert evaluate(expression, {"sought_help": "no"}) is False


def test_declared_checks__do_not_flag_a_consistent_complete_response(
    instrument: Instrument,
) -> None:
    # Given a consistent response: adult, first exposure at 13-17, use for 1-5 years, help sought
    # and accessed
    answers = {"uses": "yes", "age_group": "25_34", "age_first_exposure": "13_17",
               "duration_use": "1_5y", "sought_help": "yes", "accessed_help": "yes",
               "want_stop": "no", "tried_stop": "yes"}  # fmt: skip
    # Then no declared inconsistency holds (tried to stop without wanting to is not contradictory)
    flagged = [n for n, expression in instrument.inconsistencies if evaluate(expression, answers)]
    assert flagged == []


def test_declared_checks__flag_first_exposure_at_18_by_a_respondent_under_18(
    instrument: Instrument,
) -> None:
    checks = dict(instrument.inconsistencies)
    answers = {"age_group": "under_18", "age_first_exposure": "18_plus"}
    assert evaluate(checks["first_exposure_after_current_age"], answers) is True


# --- spreadsheet export and pyxform ------------------------------------------------------------


def test_export__the_xlsx_converts_with_pyxform(name: str, tmp_path: Path) -> None:
    # Given the bundled questionnaire written as a spreadsheet
    xlsx = export_xlsx(read_form(name), tmp_path / f"{name}.xlsx")

    # When pyxform's xls2xform converts it (as ODK tools would)
    warnings: list[str] = []
    result = xls2xform.convert(xlsform=str(xlsx), warnings=warnings, validate=False)

    # Then it gives an XForm with the form's id and every language
    assert f'id="{name}"' in result.xform
    for code in LANGUAGES:
        assert f'lang="{load_instrument(name).language(code).name} ({code})"' in result.xform


def test_export__the_xlsx_loads_as_the_same_questions(name: str, tmp_path: Path) -> None:
    xlsx = export_xlsx(read_form(name), tmp_path / f"{name}.xlsx")
    from_xlsx, from_yaml = load_instrument(xlsx), load_instrument(name)
    assert [(q.name, q.type, q.relevant, q.group_relevant) for q in from_xlsx.questions] == [
        (q.name, q.type, q.relevant, q.group_relevant) for q in from_yaml.questions]  # fmt: skip
    assert [p.id for p in from_xlsx.pages] == [p.id for p in from_yaml.pages]
    assert from_xlsx.help_resources == from_yaml.help_resources
    assert from_xlsx.inconsistencies == from_yaml.inconsistencies
    assert from_xlsx.title == from_yaml.title
