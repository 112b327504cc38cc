"""The interstitial in a real headless Chromium with JavaScript disabled: search, see the help
page, switch language by a plain link, follow the help link through the counted redirect."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from helpseek.invite import InviteMiddleware, open_counts
from helpseek.invite.config import bundled_texts
from helpseek.invite.demo import demo_search_app

from .conftest import DAY

pytestmark = pytest.mark.browser

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def help_service(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Stands in for a public help service, on loopback."""
    start_response("200 OK", [("content-type", "text/html; charset=utf-8")])
    return [b"<!doctype html><title>Help service</title><h1>Help service</h1>"]


def test_interstitial_without_javascript__search_switch_language_follow_help(
    browser: Any, tmp_path: Path, terms_file: Path,
    serve_wsgi: Callable[[Any], str], serve_asgi: Callable[[Any], str],
) -> None:  # fmt: skip
    # Given the demo search engine with the invitation, and a help service, both on loopback
    help_url = serve_wsgi(help_service)
    config = tmp_path / "invite.yaml"
    config.write_text(
        "terms_file: terms.txt\nlanguages: [en, es, ar]\nassignment: {scheme: rotation, "
        "anchor: 2026-01-01, variants: [harm_to_children, neutral]}\ntargets:\n"
        f"  helpline: {{url: '{help_url}/start', kind: help, label: {{en: Helpline, "
        "es: Línea de ayuda, ar: خط المساعدة}}\n",
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'invite.db'}"
    app = InviteMiddleware(demo_search_app, config=config, db=db, today=lambda: DAY,
                           rng=random.Random(0))  # fmt: skip
    base = serve_asgi(app)
    # And a person in Chromium with JavaScript disabled
    context = browser.new_context(java_script_enabled=False)
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url)
               if urlparse(r.url).hostname not in LOOPBACK_HOSTS else None)  # fmt: skip
    page = context.new_page()
    try:
        # When they search for a listed term through the search form
        page.goto(f"{base}/")
        page.fill("#q", "where is T0KEN beta-phrase")
        with page.expect_navigation() as shown:
            page.click("button[type=submit]")
        # Then they see the help page with the day's variant, not results
        response = shown.value
        assert response.status == 200
        assert response.headers["content-security-policy"].startswith("default-src 'none'")
        texts = bundled_texts()
        assert page.inner_text("h1") == texts["en"]["ui"]["title"]
        assert page.inner_text("p.message") == texts["en"]["variants"]["harm_to_children"]
        assert page.locator("script, svg, link, img, iframe, object").count() == 0
        assert "Results would appear here" not in page.content()
        # When they pick Spanish with the plain language link
        with page.expect_navigation():
            page.click("nav a[hreflang=es]")
        # Then the same message variant is shown in Spanish
        assert page.get_attribute("html", "lang") == "es"
        assert page.inner_text("p.message") == texts["es"]["variants"]["harm_to_children"]
        # And when they follow the help link
        with page.expect_navigation():
            page.click("text=Línea de ayuda")
        # Then they reach the help service, through the redirect, with no referrer sent
        assert page.url == f"{help_url}/start"
        assert page.inner_text("h1") == "Help service"
    finally:
        context.close()
    # And the counters hold one impression and one attributed click, nothing else
    cells = [(r.variant, r.language, r.event, r.target, r.count) for r in open_counts(db).rows()]
    assert cells == [
        ("harm_to_children", "en", "impression", "", 1),
        ("harm_to_children", "es", "click", "helpline", 1),
    ]
    assert outside == []
