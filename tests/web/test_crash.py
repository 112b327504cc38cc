"""Crash test: kill -9 the server while respondents submit; after a restart every acknowledged page is
stored exactly once, and respondents who were mid-way can continue (the secret file persisted)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import httpx
import pytest

from helpseek.web.i18n import load_catalogue

from .conftest import TOKEN_FORM, stored_pages
from .live import LiveServer

RESPONDENTS = 4  # bounded threads on loopback


class Acks:
    """What the server acknowledged (a 200 reply to a POST that carried answers)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.first_pages = 0
        self.words: set[str] = set()
        self.pending: list[tuple[str, str]] = []  # (token, words) of page 2 forms not yet sent


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def _respond(url: str, number: int, acks: Acks, stop: threading.Event) -> None:
    form = {"content-type": "application/x-www-form-urlencoded"}
    with httpx.Client(base_url=url, timeout=10) as client:
        for round_ in range(10_000):
            if stop.is_set():
                return
            words = f"tokenalpha-{number}-{round_}"
            try:
                page = client.post("/start?lang=en", content=b"instrument=tokens", headers=form)
                page = client.post(
                    "/page?lang=en",
                    data={
                        "token": _token(page.text),
                        "action": "next",
                        "age": "30",
                        "agree": "yes",
                    },
                )
                if page.status_code != 200:
                    return
                with acks.lock:
                    acks.first_pages += 1
                if round_ % 3 == 2:  # leave some responses mid-way, to continue after the restart
                    with acks.lock:
                        acks.pending.append((_token(page.text), words))
                    continue
                page = client.post(
                    "/page?lang=en",
                    data={"token": _token(page.text), "action": "next", "words": words},
                )
                if page.status_code == 200:
                    with acks.lock:
                        acks.words.add(words)
            except httpx.TransportError:
                return  # the server is gone: whatever was not acknowledged may or may not be stored


@pytest.mark.slow
def test_kill_minus_9_during_submissions__every_acknowledged_page_stored_once(
    tmp_path: Path,
    research_key,
) -> None:
    # Given a live server and four respondents submitting as fast as they can
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    server = LiveServer(tmp_path, key, (str(form),))
    server.start()
    acks, stop = Acks(), threading.Event()
    threads = [
        threading.Thread(target=_respond, args=(server.url, n, acks, stop))
        for n in range(RESPONDENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        deadline = time.monotonic() + 60
        while len(acks.words) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        # When the server is killed with SIGKILL in the middle of it
        server.kill()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert len(acks.words) >= 20 and acks.pending
    # And restarted on the same database and secret
    server.start()
    try:
        # Then a respondent who was mid-way continues where they were
        token, words = acks.pending[0]
        page = httpx.post(
            server.url + "/page?lang=en", data={"token": token, "action": "next", "words": words}
        )
        assert page.status_code == 200 and load_catalogue().text("en", "end_text") in page.text
        acks.words.add(words)
    finally:
        server.stop()
    # And every acknowledged page is stored, exactly once
    records = stored_pages(f"sqlite:///{server.database}", research_key)
    stored_words = [r.answers["words"] for r in records if "words" in r.answers]
    assert acks.words <= set(stored_words)
    assert len(stored_words) == len(set(stored_words))
    keys = [(r.response_id, r.seq) for r in records]
    assert len(keys) == len(set(keys))
    assert sum(1 for r in records if r.seq == 1) >= acks.first_pages
