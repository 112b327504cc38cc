"""A real headless Chromium with JavaScript disabled completes help_us_help_you in every bundled
language (issue 3 tests), and never talks to anything but the survey on loopback."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from helpseek.instrument import load_instrument
from helpseek.web.i18n import is_rtl, load_catalogue

from .live import LiveServer

pytestmark = pytest.mark.browser

UI = load_catalogue()
LANGUAGES = load_instrument("help_us_help_you").language_codes
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_browser_without_javascript__completes_the_survey(
    browser, live_server: LiveServer, language: str
) -> None:
    # Given a respondent in Chromium with JavaScript disabled
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    outside: list[str] = []
    context.on(
        "request",
        lambda r: outside.append(r.url) if urlparse(r.url).hostname not in LOOPBACK_HOSTS else None,
    )
    page = context.new_page()
    try:
        # When they open the landing page in their language and consent
        response = page.goto(f"{live_server.url}/?lang={language}")
        assert response.status == 200
        assert page.get_attribute("html", "dir") == ("rtl" if is_rtl(language) else "ltr")
        assert page.locator("a.exit").count() == 1
        _click(page, "form button[type=submit]")
        # And press Next on the first question without answering it
        statuses: list[int] = []
        pages = 0
        while page.locator("button[value=next]").count():
            if page.locator("input[name=uses]").count() and 422 not in statuses:
                status = _click(page, "button[value=next]")
                # Then the same page returns with the message in their language
                assert status == 422
                assert page.inner_text(".question p.error") == _required_message(language)
                statuses.append(status)
            _answer(page)
            statuses.append(_click(page, "button[value=next]"))
            pages += 1
            assert pages < 40
        # Then every page was accepted and the end page thanks them with help links
        assert statuses.count(422) == 1 and set(statuses) == {200, 422}
        assert UI.text(language, "end_text") in page.inner_text("main")
        assert page.locator("footer.help a").count() >= 1
        assert page.get_attribute("html", "lang") == language
        # And the browser never contacted anything outside loopback
        assert outside == []
    finally:
        context.close()


def _required_message(language: str) -> str:
    """The form's own required message for "uses" in `language`, else the UI default."""
    instrument = load_instrument("help_us_help_you")
    message = instrument.question("uses").required_message
    if message:
        return message.get(language, fallback=instrument.default_language)
    return UI.text(language, "err_required")


def _answer(page) -> None:  # type: ignore[no-untyped-def]
    """First option of every radio group and checkbox group; a neutral token in text fields."""
    seen: set[str] = set()
    for field in page.locator("main input[type=radio], main input[type=checkbox]").all():
        name = field.get_attribute("name")
        if name not in seen:
            field.check()
            seen.add(name)
    for field in page.locator("main input[type=text], main textarea").all():
        field.fill("tokenalpha")


def _click(page, selector: str) -> int:  # type: ignore[no-untyped-def]
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value.status
