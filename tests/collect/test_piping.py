"""`${name}` in labels, hints and notes shows the respondent's own earlier answers (piping.py):
a choice by its label in the page's language, several choices joined, numbers as typed, and
nothing for a question unanswered or not shown; the text is never read as markup here (the
template escapes it: tests/web/test_piping_browsers.py)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from helpseek.collect import Accepted, PageView, Session
from helpseek.instrument import Instrument, instrument_from_markdown

FORM = (Path(__file__).parent / "piping_form.md").read_text(encoding="utf-8")


def _walk(answers: dict[str, list[str]], language: str) -> dict[str, PageView]:
    """Walk the form in `language` sending `answers` page by page; each page's view by id."""
    instrument: Instrument = instrument_from_markdown(FORM)
    session = Session.start(instrument, language, random.Random(1))
    views = {}
    while not session.is_finished:
        view = views[session.current_page().page.id] = session.current_page()
        sent = {q.name: answers.get(q.name, [""]) for q in view.questions if q.question.is_answered}
        outcome = session.submit(sent)
        assert isinstance(outcome, Accepted), view.page.id
        session = outcome.session
    return views


def _summary(answers: dict[str, list[str]], language: str) -> PageView:
    return _walk(answers, language)["summary"]


@pytest.mark.parametrize(
    ("language", "label", "hint"),
    [
        ("en", "Hello Ann, your Cat eats Fish, Rice at 30 []", "Pet: Cat"),
        ("fr", "Bonjour Ann, ton Chat mange Poisson, Riz a 30 []", "Animal : Chat"),
    ],
)
def test_fill__shows_answers_with_choice_labels_in_the_page_language(
    language: str, label: str, hint: str
) -> None:
    answers = {"nick": ["Ann"], "pet": ["cat"], "foods": ["fish", "rice"], "age": ["30"]}
    views = _walk(answers, language)
    (age,), (summary,) = views["age"].questions, views["summary"].questions
    assert (summary.label, age.hint) == (label, hint)


def test_fill__unanswered_questions_show_nothing() -> None:
    (summary,) = _summary({"pet": ["dog"]}, "en").questions
    assert summary.label == "Hello , your Dog eats  at  []"


def test_fill__a_question_not_shown_shows_nothing_even_when_it_was_answered() -> None:
    # Given "unseen" answered while it was shown (age 300), then age changed to 30 via Back
    instrument = instrument_from_markdown(FORM)
    session = Session.start(instrument, "en", random.Random(1))
    for answers in ({"nick": [""]}, {"pet": ["cat"]}, {"foods": []}, {"age": ["300"]}):
        outcome = session.submit(answers)
        assert isinstance(outcome, Accepted)
        session = outcome.session
    outcome = session.submit({"unseen": ["secret"]})
    assert isinstance(outcome, Accepted)
    assert "[secret]" in outcome.session.current_page().questions[0].label
    session = outcome.session.back().back()
    assert session.current_page().page.id == "age"
    outcome = session.submit({"age": ["30"]})
    assert isinstance(outcome, Accepted)
    # Then the summary no longer shows it
    assert outcome.session.current_page().questions[0].label.endswith("at 30 []")


def test_fill__markup_and_references_in_an_answer_stay_text() -> None:
    typed = "<script>alert(1)</script><b>x</b> ${age} &amp;"
    (summary,) = _summary({"nick": [typed], "pet": ["cat"], "age": ["5"]}, "en").questions
    # the answer is put in as it was typed: not re-read for ${...}, not unescaped or parsed
    assert summary.label == f"Hello {typed}, your Cat eats  at 5 []"
