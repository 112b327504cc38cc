"""Continue later, resume and withdraw in real clients (issue 14): headless Chromium with
JavaScript off (English words, Arabic base32 right to left), lynx and w3m, against a real
`helpseek serve` on loopback; every step is a plain form post, and the store ends up with the
answers sent and one sealed tombstone per withdrawal."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from helpseek.data import unseal_store
from helpseek.store import open_store
from helpseek.web.i18n import load_catalogue

from .live import LiveServer
from .text_browsers import W3m, _find, _keys, _save, flat, require, run_lynx

UI = load_catalogue()


def _click(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value.status


def _code_on(page) -> str:  # type: ignore[no-untyped-def]
    words = page.locator("ol.code li").all_inner_texts()
    return " ".join(words) if words else page.inner_text("p.code code")


def _tombstones(server: LiveServer) -> int:
    with open_store(f"sqlite:///{server.database}") as store:
        return store.count_tombstones()


def _answer(page) -> None:  # type: ignore[no-untyped-def]
    """The first choice of every group on the page; a neutral token in every text field."""
    seen: set[str] = set()
    for field in page.locator("main input[type=radio], main input[type=checkbox]").all():
        if field.get_attribute("name") not in seen:
            field.check()
            seen.add(field.get_attribute("name"))
    for field in page.locator(
        "main input[type=text], main input[type=number], main textarea"
    ).all():
        if not field.input_value():
            field.fill("30" if field.get_attribute("inputmode") == "numeric" else "tokenbrowser")


def _as_shown(code: str) -> str:
    """The code typed as shown."""
    return code


def _full_width(code: str) -> str:
    """The code as a Japanese or Chinese input method types it in full-width mode: every ASCII
    letter, digit and dash as its full-width form ("７ＺＺ－ＺＺＺ…")."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)


@pytest.mark.browser
@pytest.mark.parametrize(
    ("language", "survey", "as_typed"),
    [
        ("en", "/survey/tokens", _as_shown),  # eight English words
        ("ar", "/survey/help_us_help_you", _as_shown),  # base32 in a right-to-left page
        ("ja", "/survey/help_us_help_you", _full_width),  # base32 typed full-width in CJK pages
    ],
)
def test_chromium_without_javascript__pause_resume_finish_withdraw(
    browser, live_server: LiveServer, research_key, language: str, survey: str, as_typed
) -> None:
    tombstones_before = _tombstones(live_server)
    withdrawn_before = _opened(live_server, research_key).withdrawn
    # Given a respondent in Chromium (JavaScript off) who answered part of the first page and
    # pressed "Continue later"
    first = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = first.new_page()
    page.goto(f"{live_server.url}{survey}?lang={language}")
    _click(page, "form button[type=submit]")
    while not page.locator("main input[type=radio]").count():  # pages without a choice
        _answer(page)
        _click(page, "button[value=next]")
    first_page = page.inner_text("main form")
    typed = page.locator("main input[type=radio]").first
    typed.check()
    chosen = (typed.get_attribute("name"), typed.get_attribute("value"))
    assert _click(page, "button[value=later]") == 200
    assert page.inner_text("h1") == UI.text(language, "paused_heading")
    code = _code_on(page)
    first.close()
    # When they come back in a fresh browser and type the code under "Continue where you left off"
    second = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    page = second.new_page()
    try:
        page.goto(f"{live_server.url}/?lang={language}")
        assert page.get_attribute("html", "dir") == ("rtl" if language == "ar" else "ltr")
        page.fill("#resume-code", as_typed(code))
        assert _click(page, "section.resume button[type=submit]") == 200
        # Then the paused page is back, with the choice they had made
        assert page.inner_text("main form") == first_page
        assert page.is_checked(f"input[name={chosen[0]}][value={chosen[1]}]")
        # And they finish the survey
        pages = 0
        while page.locator("button[value=next]").count():
            _answer(page)
            assert _click(page, "button[value=next]") == 200
            pages += 1
            assert pages < 40
        assert UI.text(language, "withdrawal_offer") in page.inner_text("main")
        # And at the end they ask for a withdrawal code, then use it from the start page
        assert _click(page, "main form button[type=submit]") == 200
        withdrawal = _code_on(page)
        page.goto(f"{live_server.url}/?lang={language}")
        _click(page, "section.resume a")
        page.fill("input[name=code]", as_typed(withdrawal))
        assert _click(page, "main form button[type=submit]") == 200
        assert page.inner_text("h1") == UI.text(language, "withdraw_confirm_heading")
        assert _click(page, "main form button.primary") == 200
        assert UI.text(language, "withdrawn_text") in page.inner_text("main")
    finally:
        second.close()
    # Then one tombstone more is stored, and export leaves that response out
    assert _tombstones(live_server) == tombstones_before + 1
    opened = _opened(live_server, research_key)
    assert opened.withdrawn == withdrawn_before + 1 and opened.unmatched_tombstones == 0


def _opened(server: LiveServer, research_key):  # type: ignore[no-untyped-def]
    with open_store(f"sqlite:///{server.database}") as store:
        return unseal_store(store, research_key.identity)


def _lynx(url: str, lines: list[str], folder: Path) -> str:
    """Run one lynx session (keystroke script) that ends by saving the page; returns its text."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "page.txt"
    script = folder / "keys.lynx"
    script.write_text("\n".join([*lines, *_save(out), "exit"]) + "\n")
    run_lynx(url, script)
    return out.read_text(encoding="utf-8", errors="replace")


def test_lynx__pause_resume_finish_and_withdraw_with_the_codes_in_new_sessions(
    live_server: LiveServer, research_key, tmp_path: Path
) -> None:
    require("lynx")
    withdrawn_before = _opened(live_server, research_key).withdrawn
    # Given lynx on the token form: consent, type an age, press "Continue later"
    paused = _lynx(
        f"{live_server.url}/survey/tokens?lang=en",
        [*_find("Start the survey"), "key ^J", *_find("Age"), *_keys("57"), "key Down Arrow",
         *_find("(next)"), "key Down Arrow", "key ^J"],  # Next, then the button after it
        tmp_path / "pause",
    )  # fmt: skip
    assert "Your code to continue later" in flat(paused)
    words = re.findall(r"^\s*\d+\.\s+(\S+)\s*$", paused, flags=re.MULTILINE)
    assert len(words) == 8, paused
    # When a new lynx types the code under "Your code to continue", finishes the survey and asks
    # for a withdrawal code
    shown = _lynx(
        f"{live_server.url}/?lang=en",
        [*_find("Your code to continue"), *_keys(" ".join(words)), "key Down Arrow", "key ^J",
         *_save(tmp_path / "resumed.txt"),
         *_find("Age"), "key Down Arrow", "key ^J",  # from the age field to "Yes"
         *_find("(next)"), "key ^J",
         *_find("Words"), *_keys("tokenlynx"), "key Down Arrow", *_find("(next)"), "key ^J",
         *_find("Show me a withdrawal code"), "key ^J"],
        tmp_path / "resume",
    )  # fmt: skip
    # Then the paused page came back with the age typed before, and a withdrawal code is shown
    resumed = (tmp_path / "resumed.txt").read_text(encoding="utf-8")
    assert "Agree?" in resumed and "57" in resumed, resumed
    assert "Your withdrawal code" in flat(shown), shown
    withdrawal = re.findall(r"^\s*\d+\.\s+(\S+)\s*$", shown, flags=re.MULTILINE)
    assert len(withdrawal) == 8, shown
    # When yet another lynx follows "Withdraw my answers", types that code and confirms
    done = _lynx(
        f"{live_server.url}/?lang=en",
        [*_find("Withdraw my answers"), "key ^J", *_find("Withdrawal code"),
         *_keys(" ".join(withdrawal)), "key Down Arrow", "key ^J",
         *_find("Yes, withdraw my answers"), "key ^J"],
        tmp_path / "withdraw",
    )  # fmt: skip
    # Then the answers are withdrawn: a tombstone the offline side matches to that response
    assert "Your answers are withdrawn" in flat(done), done
    assert _opened(live_server, research_key).withdrawn == withdrawn_before + 1


def test_w3m__pause_then_resume_with_the_code_in_a_new_session(live_server: LiveServer) -> None:
    require("w3m", "tmux")
    # Given w3m on the token form: consent, type an age, press "Continue later"
    with W3m(f"{live_server.url}/survey/tokens?lang=en", "codes-w3m-pause") as browser:
        browser.press("I agree, start the survey")
        browser.wait_for("Age (required)")
        browser.type_into("^Age", "61")  # w3m searches by regular expression
        browser.press("Continue later")
        paused = browser.wait_for("Your code to continue later")
    words = re.findall(r"^\s*\d+\.\s+(\S+)\s*$", paused, flags=re.MULTILINE)
    assert len(words) == 8, paused
    # When a new w3m opens the start page and types the code under "Your code to continue"
    with W3m(f"{live_server.url}/?lang=en", "codes-w3m-resume") as browser:
        browser.wait_for("Your code to continue")
        browser.type_into("Your code to continue", " ".join(words), submit=True)  # "Continue"
        resumed = browser.wait_for("Agree?")
    # Then the paused page is shown again with the age typed before
    assert "61" in resumed, resumed


def _w3m_code(browser: W3m, heading: str) -> list[str]:
    screen = browser.wait_for(heading)
    words = re.findall(r"^\s*\d+\.\s+(\S+)\s*$", screen, flags=re.MULTILINE)
    assert len(words) == 8, screen
    return words


def _responses_with(server: LiveServer, research_key, words: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    """The answers (merged over its pages) of every exported response whose "words" is `words`."""
    merged: dict[str, dict[str, object]] = {}
    for page in sorted(_opened(server, research_key).pages, key=lambda p: p.seq):
        merged.setdefault(page.response_id, {}).update(page.answers)
    return [answers for answers in merged.values() if answers.get("words") == words]


def test_w3m__finish_take_the_withdrawal_code_and_withdraw_from_a_new_session(
    live_server: LiveServer, research_key
) -> None:
    require("w3m", "tmux")
    token = f"tokenwthree{os.getpid()}"
    # Given w3m on the token form: consent, age 62, "Yes", a neutral token, then the end page's
    # "Show me a withdrawal code"
    with W3m(f"{live_server.url}/survey/tokens?lang=en", "codes-w3m-finish") as browser:
        browser.press("I agree, start the survey")
        browser.wait_for("Age (required)")
        browser.type_into("^Age", "62")
        browser.choose("^Agree")  # its first choice, "Yes"
        browser.press("Next")
        browser.wait_for("Words")
        browser.type_into("^Words", token)
        browser.press("Send and finish")
        browser.press("Show me a withdrawal code")
        withdrawal = _w3m_code(browser, "Your withdrawal code")
    # Then the store holds that response exactly as sent
    assert _responses_with(live_server, research_key, token) == [
        {"age": 62, "agree": "yes", "words": token}
    ]
    withdrawn_before = _opened(live_server, research_key).withdrawn
    # When a new w3m follows "Withdraw my answers" from the start page, types the code and confirms
    with W3m(f"{live_server.url}/?lang=en", "codes-w3m-withdraw") as browser:
        browser.press("Withdraw my answers")
        browser.wait_for("Withdrawal code")
        browser.type_into("Withdrawal code", " ".join(withdrawal), submit=True)
        browser.press("Yes, withdraw my answers")
        done = browser.wait_for("Your answers are withdrawn")
    # Then export leaves that response out (and only that one)
    assert "Your answers are withdrawn" in flat(done)
    assert _responses_with(live_server, research_key, token) == []
    assert _opened(live_server, research_key).withdrawn == withdrawn_before + 1
