"""Continue later and withdraw (issue 14), through the real app in-process: a code is shown once,
the paused page comes back with its answers, wrong, expired, reused and guessed codes get a calm
page, a withdrawal stores a sealed tombstone, and export leaves the withdrawn response out."""

from __future__ import annotations

import base64
import random
from dataclasses import replace
from urllib.parse import urlencode

import lxml.html
import pytest

from helpseek.codes import word_list
from helpseek.data import unseal_store
from helpseek.settings import Settings
from helpseek.store import Tombstone, open_store, unseal_record
from helpseek.web import create_app
from helpseek.web.i18n import load_catalogue

from .conftest import START, Clock, InProcessClient, Page, Respondent, stored_records

UI = load_catalogue()
DAY = 86400


def code_of(page: Page) -> str:
    """The code a code page shows: its words in order, or its base32 groups."""
    doc = lxml.html.fromstring(page.html)
    words = doc.xpath("//ol[@class='code']/li/text()")
    return " ".join(words) if words else doc.xpath("//p[@class='code']/code/text()")[0]


def enter(respondent: Respondent, path: str, code: str, lang: str = "en") -> Page:
    """Type a code into the form at `path` (/resume or /withdraw) and send it."""
    return respondent.post(f"{path}?lang={lang}", urlencode({"code": code}).encode())


def press(respondent: Respondent, page: Page) -> Page:
    """Press the only button of a page's only form (hidden fields only, as a browser sends)."""
    assert page.action is not None
    return respondent.post(page.action, urlencode(page.hidden).encode())


def says(page: Page, key: str, lang: str = "en") -> bool:
    return UI.text(lang, key) in page.text()


def pause_on_first_page(respondent: Respondent, lang: str = "en", typed: str = "3x") -> Page:
    """A respondent on the token form's first page types an age and presses "Continue later"."""
    page = respondent.start(lang, "/survey/tokens")
    assert page.names == ("age", "agree")
    return respondent.send({"age": typed}, action="later")


def finish(respondent: Respondent, lang: str = "en") -> Page:
    """A whole response to the token form, ending on the end page."""
    respondent.start(lang, "/survey/tokens")
    respondent.send({"age": "30", "agree": "yes"})
    return respondent.send({"words": "tokenalpha"})


def test_continue_later__code_once__resume_shows_the_page_with_its_answers_and_what_was_typed(
    respondent: Respondent, settings: Settings, research_key
) -> None:
    # Given a respondent who typed an age that is not valid yet and pressed "Continue later"
    paused = pause_on_first_page(respondent, typed="3x")
    # Then a page shows an eight-word code once, never cached, and says until when it works
    assert paused.status == 200 and says(paused, "paused_heading")
    code = code_of(paused)
    assert len(code.split()) == 8 and "2026-12-07" in paused.text()  # START + 7 days
    # When they come back later (a new browser: no token) and type the code on the start page
    respondent.open("/?lang=en")
    back = enter(respondent, "/resume", code)
    # Then the same page is shown, with what they had typed
    assert back.status == 200 and back.names == ("age", "agree")
    assert lxml.html.fromstring(back.html).xpath("//input[@name='age']/@value") == ["3x"]
    # And what they then send is stored as sent; the draft never was
    page2 = respondent.send({"age": "31", "agree": "no"})
    assert page2.names == ("words",)
    end = respondent.send({"words": "tokenbeta"})
    assert says(end, "end_heading")
    pages = stored_records(settings, research_key)
    assert [(p.page_id, dict(p.answers)) for p in pages] == [
        ("first", {"age": 31, "agree": "no"}),
        ("words", {"words": "tokenbeta"}),
    ]


def test_continue_later__in_spanish_shows_spanish_words_and_in_arabic_base32_left_to_right(
    respondent: Respondent,
) -> None:
    spanish = code_of(pause_on_first_page(respondent, "es"))
    words = word_list("es")
    assert words is not None and all(w in words.words for w in spanish.split())
    # The bundled questionnaire in Arabic: paused on its screening page
    respondent.start("ar")
    screening = respondent.send()
    arabic = respondent.send(action="later")
    doc = lxml.html.fromstring(arabic.html)
    assert doc.get("dir") == "rtl" and doc.xpath("//p[@class='code']/@dir") == ["ltr"]
    assert len(code_of(arabic).replace("-", "")) == 18
    assert says(arabic, "paused_heading", "ar")
    # The code typed back in lower case, with the dashes left out, opens the paused page
    back = enter(respondent, "/resume", code_of(arabic).replace("-", "").lower(), "ar")
    assert back.names == screening.names and lxml.html.fromstring(back.html).get("dir") == "rtl"


def test_resume__wrong_other_kind_expired_or_used_codes__calm_pages_that_store_nothing(
    respondent: Respondent, clock: Clock, settings: Settings, research_key
) -> None:
    code = code_of(pause_on_first_page(respondent))
    words = code.split()
    english = word_list("en")
    assert english is not None
    # A word changed: "not right", the form again (422)
    changed = " ".join([*words[:3], english.words[english.words.index(words[3]) - 1], *words[4:]])
    wrong = enter(respondent, "/resume", changed)
    assert wrong.status == 422 and says(wrong, "code_wrong") and wrong.names == ("code",)
    assert enter(respondent, "/resume", "not a code at all").status == 422
    # A withdrawal code typed to continue: "this code is for something else"
    finish(respondent)
    shown = press(respondent, respondent.page)  # type: ignore[arg-type]
    other = enter(respondent, "/resume", code_of(shown))
    assert other.status == 422 and says(other, "code_other_kind")
    # Used: the page again only until a page is sent after it (a double click), then refused
    first = enter(respondent, "/resume", code)
    again = enter(respondent, "/resume", code)
    assert first.names == again.names == ("age", "agree")
    respondent.send({"age": "40", "agree": "yes"})
    used = enter(respondent, "/resume", code)
    assert used.status == 409 and says(used, "code_used")
    # Expired: a code paused eight days ago
    late = code_of(pause_on_first_page(respondent))
    clock.now += 8 * DAY
    expired = enter(respondent, "/resume", late)
    assert expired.status == 410 and says(expired, "code_expired")
    # Nothing of any of this was stored as an answer
    assert {p.page_id for p in stored_records(settings, research_key)} == {"first", "words"}


def test_pause_then_go_on_in_the_old_tab__the_code_brings_back_where_the_session_is(
    respondent: Respondent, settings: Settings, research_key
) -> None:
    # Given a respondent who typed an age, pressed "Continue later", then went back to the old
    # tab (its page still carries the token) and sent the page with other answers
    first = respondent.start("en", "/survey/tokens")
    code = code_of(respondent.send({"age": "3x"}, action="later"))
    respondent.page = first
    assert respondent.send({"age": "52", "agree": "no"}).names == ("words",)
    # When the code is typed later
    respondent.open("/?lang=en")
    back = enter(respondent, "/resume", code)
    # Then it shows where the session is now (not the paused page or its draft), and what is
    # stored is what was sent, once
    assert back.status == 200 and back.names == ("words",)
    assert respondent.send({"words": "tokenbeta"}).status == 200
    pages = stored_records(settings, research_key)
    assert sorted((p.page_id, dict(p.answers)) for p in pages) == [
        ("first", {"age": 52, "agree": "no"}),
        ("words", {"words": "tokenbeta"}),
    ]


def test_code_budget__wrong_codes_never_use_it__checked_codes_share_it_between_workers(
    tmp_path, public_key_file, token_form, clock: Clock, portal
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'guess.db'}",
        public_key_paths=(public_key_file,),
        instrument_names=(str(token_form),),
        secret_key_file=tmp_path / "web.secret",
        code_attempts_per_minute=5,
    )
    # Two apps on one secret file: two worker processes of one server
    apps = [create_app(settings, clock=clock, rng=random.Random(n)) for n in (3, 4)]
    clients = [InProcessClient(app, portal) for app in apps]
    try:
        first, second = (Respondent(client) for client in clients)
        code = code_of(pause_on_first_page(first, typed="30"))
        withdrawal = code_of(press(second, finish(second)))
        # Given a guesser typing made-up codes on both workers: each fails the 22-bit check,
        # costs no argon2id, and does not take from the server's budget
        guesses = [enter(r, "/resume", f"guess {n}") for n in range(40) for r in (first, second)]
        assert {g.status for g in guesses} == {422}
        # Then the real code still works
        assert enter(second, "/resume", code).names == ("age", "agree")
        # When codes that pass the check (each one argon2id) arrive on either worker, 5 a minute
        # are checked over both together, resume and withdrawal alike; the 6th is refused
        checked = [enter(first, "/resume", code), enter(second, "/withdraw", withdrawal),
                   enter(second, "/resume", code), enter(first, "/withdraw", withdrawal)]  # fmt: skip
        assert [c.status for c in checked] == [200] * 4
        refused = [enter(r, path, c) for r, path, c in
                   ((first, "/resume", code), (second, "/withdraw", withdrawal))]  # fmt: skip
        assert [r.status for r in refused] == [429, 429]
        assert says(refused[0], "code_too_many") and says(refused[1], "code_too_many")
        # And 12 s later (5 a minute) one more is checked, on either worker
        clock.now += 12
        assert enter(second, "/resume", code).names == ("age", "agree")
        assert enter(first, "/resume", code).status == 429
    finally:
        for client, app in zip(clients, apps, strict=True):
            client.close()
            app.state.survey.store.close()
    assert (tmp_path / "web.secret.code-budget").stat().st_mode & 0o777 == 0o600


def test_withdrawal__code_on_request__confirm__tombstone__export_leaves_the_response_out(
    respondent: Respondent, settings: Settings, research_key
) -> None:
    # Given two complete responses
    end = finish(respondent)
    keep = finish(respondent)
    assert says(end, "withdrawal_offer") and says(keep, "withdrawal_offer")
    # When the first asks for its withdrawal code (twice: the same code both times)
    shown = press(respondent, end)
    assert (
        shown.status == 200 and says(shown, "withdrawal_heading") and "2026-12-30" in shown.text()
    )
    assert code_of(press(respondent, end)) == code_of(shown)
    # And later enters it on the withdraw page and confirms
    form = respondent.open("/withdraw?lang=en")
    assert form.names == ("code",) and says(form, "withdraw_text")
    confirm = enter(respondent, "/withdraw", code_of(shown))
    assert confirm.status == 200 and says(confirm, "withdraw_confirm_heading")
    assert set(confirm.hidden) == {"confirm"} and code_of(shown) not in confirm.html
    again = enter(respondent, "/withdraw", code_of(shown))  # the same code, a second page
    assert again.hidden["confirm"] != confirm.hidden["confirm"]
    done = press(respondent, confirm)
    assert done.status == 200 and says(done, "withdrawn_text")
    # And neither confirmation page showed the check value the offline side matches to the
    # response (the tombstone carries it sealed), in bytes or in hex
    with open_store(settings.database_url) as store:
        (tombstone,) = store.iter_tombstones()
    check = Tombstone.from_json(unseal_record(tombstone.sealed, research_key.identity)).withdrawal
    for page in (confirm, again):
        value = page.hidden["confirm"]
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        assert bytes.fromhex(check)[:8] not in raw and check[:16] not in page.html
    # Then export leaves out every page of that response, and says how many were withdrawn
    store = open_store(settings.database_url)
    try:
        assert store.count_tombstones() == 1
        opened = unseal_store(store, research_key.identity)
    finally:
        store.close()
    assert opened.withdrawn == 1 and opened.unmatched_tombstones == 0
    assert len({p.response_id for p in opened.pages}) == 1 and len(opened.pages) == 2
    # And the same code again, or the confirmation sent twice, stores nothing more
    assert says(enter(respondent, "/withdraw", code_of(shown)), "withdrawn_already")
    assert says(press(respondent, confirm), "withdrawn_already")
    store = open_store(settings.database_url)
    try:
        assert store.count_tombstones() == 1
    finally:
        store.close()


def test_withdrawal__wrong_other_kind_expired_tampered_or_stale__calm_pages(
    respondent: Respondent, clock: Clock, settings: Settings
) -> None:
    code = code_of(press(respondent, finish(respondent)))
    resume_code = code_of(pause_on_first_page(respondent, typed="30"))
    assert says(enter(respondent, "/withdraw", "one two three"), "code_wrong")
    other = enter(respondent, "/withdraw", resume_code)
    assert other.status == 422 and says(other, "code_other_kind")
    confirm = enter(respondent, "/withdraw", code)
    tampered = respondent.post(
        confirm.action or "", urlencode({"confirm": confirm.hidden["confirm"][:-2] + "AA"}).encode()
    )
    assert tampered.status == 403 and says(tampered, "msg_invalid_token")
    clock.now += settings.token_lifetime_s + 10
    assert press(respondent, confirm).status == 410  # the confirmation page is too old
    clock.now = START + 31 * DAY  # the response ended on START; codes work 30 days
    expired = enter(respondent, "/withdraw", code)
    assert expired.status == 410 and says(expired, "code_expired")


def test_withdrawal__under_month_precision__counts_from_the_end_of_the_month(
    tmp_path, public_key_file, token_form, portal
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'month.db'}",
        public_key_paths=(public_key_file,),
        instrument_names=(str(token_form),),
        secret_key_file=tmp_path / "web.secret",
        date_precision="month",
    )
    clock = Clock()  # 2026-11-30: issued on 2026-11-01 under month precision
    app = create_app(settings, clock=clock, rng=random.Random(4))
    client = InProcessClient(app, portal)
    try:
        respondent = Respondent(client)
        shown = press(respondent, finish(respondent))
        assert "2026-12-30" in shown.text()  # 30 days after the month's last day
        clock.now += 30 * DAY  # 2026-12-30: still works
        assert says(enter(respondent, "/withdraw", code_of(shown)), "withdraw_confirm_heading")
    finally:
        client.close()
        app.state.survey.store.close()


def test_code_pages__every_ui_language_has_every_new_string() -> None:
    keys = [
        "later_button", "paused_heading", "paused_text", "resume_heading", "resume_label",
        "resume_button", "withdraw_link", "code_wrong", "code_expired", "code_used",
        "code_other_kind", "code_too_many", "withdrawal_offer", "withdrawal_button",
        "withdrawal_heading", "withdrawal_text", "withdraw_text", "withdraw_label",
        "withdraw_confirm_heading", "withdraw_confirm_text", "withdraw_confirm_button",
        "withdraw_keep", "withdrawn_heading", "withdrawn_text", "withdrawn_already",
    ]  # fmt: skip
    for language in UI.languages:
        missing = [k for k in keys if k in UI.missing(language)]
        assert missing == [], language
        assert "{date}" in UI.text(language, "paused_text"), language


def test_settings__out_of_range__refused_at_startup(settings: Settings) -> None:
    from helpseek.problems import InputError

    for bad in (
        replace(settings, resume_days=0),
        replace(settings, withdrawal_days=-1),
        replace(settings, code_attempts_per_minute=-5),
        replace(settings, warn_unpulled_days=-1),
    ):
        with pytest.raises(InputError) as refused:
            create_app(bad)
        assert refused.value.problems[0].code in {"WEB-025", "WEB-026", "WEB-027"}


def test_code_budget_file_cannot_be_opened__web_028_at_startup__or_budget_off(
    settings: Settings,
) -> None:
    from helpseek.problems import InputError

    # Given something that is not a file where the budget file goes (next to the secret)
    budget = settings.secret_key_file.with_name(settings.secret_key_file.name + ".code-budget")
    budget.mkdir()
    with pytest.raises(InputError) as refused:
        create_app(settings)
    [found] = refused.value.problems
    assert found.code == "WEB-028" and str(budget) in found.message
    # With the budget turned off the server starts
    app = create_app(replace(settings, code_attempts_per_minute=0))
    app.state.survey.store.close()
