"""Every path that writes an answer stores what the respondent sent, and only that (issue 12): the
"No answer" radio a page checks by default, a page sent again (retry), back navigation, and a page
refused then sent again. Each test compares the stored records with the POSTs."""

from __future__ import annotations

import lxml.html
import pandas as pd
import pytest

from helpseek.data import assemble
from helpseek.instrument import load_instrument
from helpseek.settings import Settings
from helpseek.web.i18n import UI_LANGUAGES, load_catalogue
from helpseek.web.tokens import decode_token

from .conftest import START, Page, Respondent, stored_records

UI = load_catalogue()
FORM = load_instrument("help_us_help_you")


def _radio_groups(html: str) -> dict[str, list[lxml.html.InputElement]]:
    groups: dict[str, list[lxml.html.InputElement]] = {}
    for element in lxml.html.fromstring(html).xpath("//main//input[@type='radio']"):
        groups.setdefault(element.get("name"), []).append(element)
    return groups


def _nonce(page: Page, settings: Settings) -> bytes:
    """The nonce in a page's token: which session state the page was rendered from."""
    secret = settings.secret_key_file.read_bytes()
    return decode_token(page.hidden["token"], secret, int(START), 3600).nonce


def _to_exposure_page(respondent: Respondent, language: str = "en") -> None:
    """Consent, the introduction, "uses" = yes: the next page asks two optional choice questions."""
    respondent.start(language)
    respondent.send()
    page = respondent.send({"uses": "yes"})
    assert page.status == 200 and page.names == ("age_first_exposure", "first_exposure")


@pytest.mark.parametrize("language", UI_LANGUAGES)
def test_no_answer__every_single_choice_question__last_checked_and_in_the_respondents_language(
    respondent: Respondent, language: str
) -> None:
    # Given a respondent walking the whole questionnaire in their language
    page = respondent.start(language)
    groups_seen = 0
    while page.is_question:
        doc = lxml.html.fromstring(page.html)
        for name, radios in _radio_groups(page.html).items():
            groups_seen += 1
            # Then each single-choice question ends with "No answer", checked, and only it
            *choices, none = radios
            assert none.get("value") == "" and none.checked, (language, name)
            assert not any(r.checked for r in choices), (language, name)
            label = doc.xpath(f"//label[@for='{none.get('id')}']")[0].text_content()
            assert label == UI.text(language, "no_answer")
        answers = page.quick_answers()
        if "uses" in answers:
            answers["uses"] = "yes"  # every page
        page = respondent.send(answers)
        assert page.status == 200
    assert groups_seen >= 20  # the screening question and every single-choice question after it


def test_no_answer__left_checked_on_an_optional_question__stored_as_shown_not_answered(
    respondent: Respondent, settings, research_key
) -> None:
    # Given a respondent on a page of two optional single-choice questions
    _to_exposure_page(respondent)
    # When they choose an answer to the second and leave "No answer" on the first
    page = respondent.send({"age_first_exposure": "", "first_exposure": "accidental"})
    # Then the page is accepted, and its record holds the one answer and both as shown
    assert page.status == 200
    record = stored_records(settings, research_key)[-1]
    assert record.page_id == "exposure"
    assert dict(record.answers) == {"first_exposure": "accidental"}
    assert record.shown == ("age_first_exposure", "first_exposure")


def test_no_answer__on_a_required_question__422_please_choose_in_spanish_and_nothing_stored(
    respondent: Respondent, settings, research_key
) -> None:
    # Given a required single-choice question without a message of its own (tokens form)
    respondent.start("es", "/survey/tokens")
    # When the page comes back with "No answer" (what lynx sends for an untouched page)
    page = respondent.send({"age": "30", "agree": ""})
    # Then it is refused with "please choose" in Spanish, "No answer" still checked, typed kept
    assert page.status == 422
    assert UI.text("es", "err_required_choice") in page.text()
    assert _radio_groups(page.html)["agree"][-1].checked
    assert 'value="30"' in page.html
    assert stored_records(settings, research_key) == []
    # And choosing an answer then stores exactly what was sent
    assert respondent.send({"age": "30", "agree": "no"}).status == 200
    assert [dict(r.answers) for r in stored_records(settings, research_key)] == [
        {"age": 30, "agree": "no"}
    ]


def test_back__answer_changed_to_no_answer__export_shows_it_not_answered(
    respondent: Respondent, settings, research_key
) -> None:
    # Given a respondent who answered a question, went on, then came back to it
    _to_exposure_page(respondent)
    respondent.send({"age_first_exposure": "under_13", "first_exposure": "searched"})
    page = respondent.send(action="back")
    # Then the page shows their answer checked, not "No answer"
    radios = _radio_groups(page.html)["age_first_exposure"]
    assert [r.get("value") for r in radios if r.checked] == ["under_13"]
    # When they take the answer back ("No answer") and change the other one
    page = respondent.send({"age_first_exposure": "", "first_exposure": "accidental"})
    assert page.status == 200
    # Then the newest record of that page holds what they sent last, and the export agrees
    records = stored_records(settings, research_key)
    exposure = [r for r in records if r.page_id == "exposure"]
    assert [dict(r.answers) for r in exposure] == [
        {"age_first_exposure": "under_13", "first_exposure": "searched"},
        {"first_exposure": "accidental"},
    ]
    row = assemble(records, [FORM], "en").frame.iloc[0]
    assert pd.isna(row["age_first_exposure"]) and row["first_exposure"] == "accidental"
    assert "age_first_exposure" in row["unanswered"].split()


def test_retry__same_page_sent_again_with_other_answers__the_first_is_kept_and_shown(
    respondent: Respondent, settings, research_key
) -> None:
    # Given a respondent who sent a page (the reply never reached them, or a second tab)
    _to_exposure_page(respondent)
    exposure = respondent.page
    after = respondent.send({"age_first_exposure": "13_17"})
    # When the same page is sent again, with another answer
    respondent.page = exposure
    again = respondent.send({"age_first_exposure": "18_plus"})
    # Then the reply is the page the first one led to, from the same state (either reply works)
    assert again.status == 200 and again.names == after.names
    assert _nonce(again, settings) == _nonce(after, settings)
    records = [r for r in stored_records(settings, research_key) if r.page_id == "exposure"]
    assert [dict(r.answers) for r in records] == [{"age_first_exposure": "13_17"}]
    # And the respondent goes on from that reply: their next page is stored
    respondent.send({"frequency": "weekly"})
    stored = [r for r in stored_records(settings, research_key) if r.page_id == "use_pattern"]
    assert [dict(r.answers) for r in stored] == [{"frequency": "weekly"}]
