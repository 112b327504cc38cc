"""No answers kept past their bound on a server gone quiet (issue 16): the form states a process
keeps for reuse (`instrument/logic.py` `StateMemo`, plaintext answers) are purged by the web app's
own task with no request arriving. The real app under uvicorn on loopback, lifespan on; the
states' ages are read from a clock the test moves (no sleep for the bound to pass)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import pkgutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette

from helpseek.instrument import recent_states
from helpseek.web import create_app, upkeep

from .conftest import Clock, Page, make_settings
from .live import ThreadServer


@dataclass
class StatesClock:
    """The form states' clock (monotonic seconds), moved by the test."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def states_clock(monkeypatch: pytest.MonkeyPatch) -> StatesClock:
    recent_states().purge(0)  # what earlier tests in this process left, by the real clock
    moved = StatesClock()
    monkeypatch.setattr(recent_states(), "clock", moved)
    return moved


@pytest.fixture
def server(
    tmp_path: Path, public_key_file: Path, token_form: Path, states_clock: StatesClock
) -> Iterator[tuple[str, Starlette]]:
    """The survey app under uvicorn (lifespan on: its purge task runs) on 127.0.0.1, purging
    states and page variants older than 0.4 s (by `states_clock`) every 0.1 s."""
    settings = make_settings(tmp_path, public_key_file, str(token_form))
    app = create_app(settings, clock=Clock(), states_seconds=0.4)
    app.state.renderer.pages.clock = states_clock
    with ThreadServer(app, lifespan="on") as running:
        yield running.url, app


def _send(client: httpx.Client, page: Page, answers: dict[str, str]) -> Page:
    fields = [*page.hidden.items(), *answers.items()]
    if "token" in page.hidden:
        fields.append(("action", "next"))
    assert page.action is not None
    reply = client.post(
        page.action,
        content=urlencode(fields).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    return Page.parse(reply.status_code, reply.text)


def test_form_states_and_pages__purged_on_a_quiet_server__with_no_request(
    server: tuple[str, Starlette], states_clock: StatesClock
) -> None:
    # Before this change nothing purged them: states stayed until 256 newer ones pushed them
    # out, page variants until 2,048 others came. With the task's purge calls taken out, this
    # test fails (the wait below runs out).
    url, app = server
    memo, pages = recent_states(), app.state.renderer.pages
    with httpx.Client(base_url=url, timeout=30) as client:
        landing = client.get("/?lang=en")
        page = _send(client, Page.parse(landing.status_code, landing.text), {})
        assert page.is_question and "agree" in page.names
        after = _send(client, page, {"age": "42", "agree": "yes"})
        assert after.status == 200 and after.is_question, after.html[:400]
    held = (len(memo), len(pages))
    assert held[0] > 0  # the states of this respondent's answers, kept for their next page
    assert held[1] > 0  # the page variants their answers led to
    states_clock.now += 1.0  # past the app's bound (0.4 s); no request from here on
    deadline = time.monotonic() + 30
    while (len(memo) or len(pages)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (len(memo), len(pages)) == (0, 0), f"still held of {held}"


def test_purge_task__a_purge_that_raises__is_logged_and_tried_again(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the form states' purge raises once (the page variants' purge runs after it)
    rounds: list[str] = []

    def states_failing_once(seconds: float) -> int:
        rounds.append("states")
        if rounds.count("states") == 1:
            raise RuntimeError("tokensecret")
        return 0

    monkeypatch.setattr(upkeep, "purge_recent_states", states_failing_once)

    async def three_rounds() -> None:
        task = upkeep.purge_held(0.04, lambda seconds: rounds.append("pages"))
        try:
            while rounds.count("states") < 3:
                await asyncio.sleep(0.01)
        finally:
            task.cancel()
            await asyncio.wait([task])

    # When the task runs three rounds (before this change it ended at the first error)
    with caplog.at_level(logging.ERROR, logger="helpseek.web"):
        asyncio.run(asyncio.wait_for(three_rounds(), timeout=30))
    # Then the other purge ran in that round too, and every later round ran both
    assert rounds[:6] == ["states", "pages"] * 3
    # And the failure was logged once, by its type only
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == ["held answers: a purge failed (RuntimeError)"]
    assert "tokensecret" not in caplog.text


#: Every functools cache in what a respondent's POST runs through, and what it is keyed by: form
#: text, files and keys, never an answer (docs/threat-model.md lists them). A new one must be
#: reviewed there and added here; the form states are kept in `StateMemo`, bounded in time.
AUDITED_CACHES = {
    "helpseek.codes.wordlists.word_list": "a language's code word list (a bundled file)",
    "helpseek.instrument.columns.split_translated": "a form's column header",
    "helpseek.instrument.expressions.compile_expression": "an expression of the form",
    "helpseek.instrument.functions.compile_pattern": "a regex() pattern (the form's)",
    "helpseek.languages.pofiles._parsed": "a translation file",
    "helpseek.store.sealing._recipients": "the research public keys",
}


def test_process_caches__are_the_audited_ones() -> None:
    # Fails before this change: instrument.dates.text_to_days kept the last 1,024 date texts
    # read as numbers, answers among them, with no bound in time.
    found = set()
    for package in ("codes", "collect", "instrument", "languages", "store", "web"):
        root = importlib.import_module(f"helpseek.{package}")
        names = [root.__name__]
        names += [f"{root.__name__}.{m.name}" for m in pkgutil.walk_packages(root.__path__)]
        for name in names:
            module = importlib.import_module(name)
            for attribute, value in vars(module).items():
                if hasattr(value, "cache_info") and value.__module__ == name:
                    found.add(f"{name}.{attribute}")
    assert found == set(AUDITED_CACHES)
