"""The respondent's path through the real app, in-process: landing, pages, back, errors, end."""

from __future__ import annotations

from helpseek.web.i18n import load_catalogue

from .conftest import Respondent, stored_records

UI = load_catalogue()


def test_landing__shows_purpose_anonymity_advice_consent_and_help(respondent: Respondent) -> None:
    page = respondent.open("/")
    text = page.text()
    assert page.status == 200
    for key in ("landing_purpose", "anonymity", "advice", "quick_exit", "help_heading"):
        assert UI.text("en", key) in text
    assert page.action == "/start?lang=en"
    assert 'href="?lang=es"' in page.html or 'href="/?lang=es"' in page.html


def test_landing__arabic__is_right_to_left_and_translated(respondent: Respondent) -> None:
    page = respondent.open("/?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page.html
    assert UI.text("ar", "consent_button") in page.text()


def test_landing__accept_language_header__is_ignored(respondent: Respondent) -> None:
    response = respondent.client.get("/", headers={"accept-language": "de"})
    assert '<html lang="en" dir="ltr">' in response.text


def test_survey__completed_in_english__every_page_stored_sealed_once(
    respondent: Respondent, settings, research_key
) -> None:
    # Given a respondent who consents
    page = respondent.start("en")
    sent: list[dict] = []
    # When they answer every page with its first options until the end
    while page.action == "/page?lang=en":
        answers = page.quick_answers()
        sent.append(answers)
        page = respondent.send(answers)
        assert page.status == 200
    # Then they see the thank-you page with the help resources
    assert UI.text("en", "end_text") in page.text()
    assert UI.text("en", "help_intro") in page.text()
    # And every page was stored once, in order, the last marked complete
    records = stored_records(settings, research_key)
    assert [r.seq for r in records] == list(range(1, len(sent) + 1))
    assert len({r.response_id for r in records}) == 1
    assert records[-1].status == "complete" and records[0].status == "partial"
    for record, answers in zip(records, sent):
        assert record.answers == answers
        assert record.submitted_on == "2026-11-30" and record.language == "en"


def test_validation__missing_required__same_page_with_message_in_spanish(
    respondent: Respondent,
) -> None:
    respondent.start("es", "/survey/tokens")
    page = respondent.send({"age": "", "agree": "yes"})
    assert page.status == 422
    assert UI.text("es", "err_required") in page.text()
    assert UI.text("es", "error_summary") in page.text()
    assert 'value="yes" checked' in page.html  # the chosen answer is kept


def test_validation__out_of_range_number__constraint_message_and_nothing_stored(
    respondent: Respondent, settings, research_key
) -> None:
    respondent.start("en", "/survey/tokens")
    page = respondent.send({"age": "150", "agree": "yes"})
    assert page.status == 422
    assert UI.text("en", "err_constraint") in page.text()
    assert 'value="yes" checked' in page.html
    assert stored_records(settings, research_key) == []


def test_validation__value_not_in_choice_list__422_and_nothing_stored(
    respondent: Respondent, settings, research_key
) -> None:
    respondent.start("en", "/survey/tokens")
    page = respondent.send({"age": "30", "agree": "maybe"})
    assert page.status == 422
    assert UI.text("en", "err_choice") in page.text()
    assert stored_records(settings, research_key) == []


def test_back__shows_previous_page_with_answers_kept(respondent: Respondent) -> None:
    # Given a respondent past the first two pages
    respondent.start("en")
    respondent.send()  # the introduction note
    page = respondent.send({"uses": "yes"})
    # When they press Back
    page = respondent.send(action="back")
    # Then the previous page shows their answer checked
    assert 'name="uses"' in page.html and 'value="yes" checked' in page.html


def test_durations__rounded_and_dates_coarse(
    respondent: Respondent, settings, research_key, clock
) -> None:
    respondent.start("en")
    clock.now += 37
    respondent.send()
    clock.now += 4
    respondent.send({"uses": "no"})
    records = stored_records(settings, research_key)
    assert [r.page_seconds for r in records] == [40, 0]
    assert all(r.submitted_on == "2026-11-30" for r in records)


def test_durations__a_wait_for_a_worker_thread__is_not_the_respondents_time(
    respondent: Respondent, app, settings, research_key, clock
) -> None:
    # Given a respondent who read the first page for 37 s, then pressed Next
    page = respondent.start("en")
    clock.now += 37
    arrived = clock.now
    # When the POST waits 5 minutes for one of the busy server's worker threads
    clock.now += 300
    fields = {name: [value] for name, value in page.hidden.items()} | {"action": ["next"]}
    app.state.survey.submit(fields, arrived)
    # Then the stored page time ends when the POST arrived
    assert [r.page_seconds for r in stored_records(settings, research_key)] == [40]


def test_progress__shown_on_every_question_page(respondent: Respondent) -> None:
    page = respondent.start("en")
    assert UI.text("en", "progress") in page.text() and "<progress" in page.html
