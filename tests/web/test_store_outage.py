"""PostgreSQL goes away mid-survey: while it is down every POST gets the calm page in the
respondent's language and nothing is acknowledged that is not stored; once it is back the same
browsers continue where the store says they are, and what is stored is what was acknowledged."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from helpseek.web.i18n import load_catalogue

from .conftest import TOKEN_FORM, stored_pages
from .live import LiveServer

RESPONDENTS = 4  # bounded threads on loopback
ROUNDS = 3  # responses each respondent completes after PostgreSQL is back
FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass
class Outcomes:
    """What the server acknowledged (a 200 reply to a POST that carried answers) and refused."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    first_pages: set[str] = field(default_factory=set)  # the respondent's `age` answers
    words: set[str] = field(default_factory=set)
    refusals: list[tuple[int, str]] = field(default_factory=list)  # (status, html)

    def refused(self) -> int:
        with self.lock:
            return len(self.refusals)


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


class Browser:
    """One respondent's browser: it sends a form and, if the reply is not the next page, sends
    the very same form again (the back-and-resend a respondent does after an error page)."""

    def __init__(self, url: str, outcomes: Outcomes, stop: threading.Event) -> None:
        self.client = httpx.Client(base_url=url, timeout=60)
        self.outcomes = outcomes
        self.stop = stop

    def send(self, path: str, **form: str) -> str:
        while True:
            reply = self.client.post(path, data=form, headers=FORM)
            if reply.status_code == 200:
                return reply.text
            with self.outcomes.lock:
                self.outcomes.refusals.append((reply.status_code, reply.text))
            if self.stop.is_set():
                raise SystemExit  # ends this thread only
            time.sleep(0.2)

    def respond(self, number: int) -> None:
        for round_ in range(10_000):
            if self.stop.is_set():
                return
            age, words = str(18 + (number * 1000 + round_) % 80), f"tokenalpha-{number}-{round_}"
            page = self.send("/start?lang=es", instrument="tokens")
            page = self.send(
                "/page?lang=es", token=_token(page), action="next", age=age, agree="yes"
            )
            with self.outcomes.lock:
                self.outcomes.first_pages.add(f"{number}-{round_}")
            page = self.send("/page?lang=es", token=_token(page), action="next", words=words)
            assert load_catalogue().text("es", "end_text") in page
            with self.outcomes.lock:
                self.outcomes.words.add(words)


def _wait_for(condition, timeout_s: float = 120) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_stops_mid_survey__calm_pages_then_respondents_continue(
    tmp_path: Path, research_key, own_postgres
) -> None:
    # Given a live server on its own PostgreSQL and four respondents answering in Spanish
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    database_url = own_postgres.create_database("survey")
    server = LiveServer(tmp_path, key, (str(form),), database_url=database_url)
    server.start()
    outcomes, stop = Outcomes(), threading.Event()
    browsers = [Browser(server.url, outcomes, stop) for _ in range(RESPONDENTS)]
    threads = [
        threading.Thread(target=browser.respond, args=(n,), daemon=True)
        for n, browser in enumerate(browsers)
    ]
    try:
        for thread in threads:
            thread.start()
        _wait_for(lambda: len(outcomes.words) >= 8)
        # When PostgreSQL stops (fast: every connection is cut) while they answer
        own_postgres.stop()
        # Then each of their next POSTs gets the calm page, in Spanish, and not a 200
        _wait_for(lambda: outcomes.refused() >= 2 * RESPONDENTS)
        acknowledged_while_down = len(outcomes.words)
        time.sleep(1)  # (nothing can be acknowledged while the store is down)
        assert len(outcomes.words) == acknowledged_while_down
        # When PostgreSQL starts again
        own_postgres.start()
        # Then the same browsers continue and finish more responses
        _wait_for(lambda: len(outcomes.words) >= acknowledged_while_down + ROUNDS * RESPONDENTS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        for browser in browsers:
            browser.client.close()
        server.stop()
    with outcomes.lock:
        refusals = list(outcomes.refusals)
    server_error = load_catalogue().text("es", "msg_server_error")
    for status, html in refusals:
        assert status == 503, html[:300]
        assert server_error in html and 'lang="es"' in html
        assert "Traceback" not in html and "psycopg" not in html
    log = server.log.read_text()
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]
    # And the log tells each outage in two lines (when it started; how many pages it refused,
    # once a page succeeded again), not one line a refused page
    lines = [line for line in log.splitlines() if line.startswith("the store")]
    ended = [
        re.fullmatch(r"the store answers again: (\d+) requests refused .*", x) for x in lines[1::2]
    ]
    assert all(x.startswith("the store does not answer (") for x in lines[::2]), log[-3000:]
    assert len(lines[::2]) == len(ended) and all(ended), log[-3000:]
    assert sum(int(match[1]) for match in ended if match) == len(refusals)
    # and holds psycopg_pool's lines back while an outage goes on (those before it pass)
    during, inside = [], False
    for line in log.splitlines():
        inside = line.startswith("the store does not answer") or (
            inside and not line.startswith("the store answers again")
        )
        if inside and ("helpseek-statements" in line or "discarding closed" in line):
            during.append(line)
    assert during == [], log[-3000:]
    # And what is stored is exactly what was sent and acknowledged, each page once
    records = stored_pages(database_url, research_key)
    stored_words = [r.answers["words"] for r in records if "words" in r.answers]
    assert sorted(stored_words) == sorted(outcomes.words)
    first_pages = [r for r in records if r.seq == 1]
    assert len(first_pages) == len(outcomes.first_pages)
    keys = [(r.response_id, r.seq) for r in records]
    assert len(keys) == len(set(keys))
