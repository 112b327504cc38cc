"""Several collectors on one store: two `helpseek serve` processes (one with --workers 2) share the
database, keys, secret and questionnaire; respondents' pages go to either. One collector is killed
with SIGKILL mid-run and restarted: every acknowledged page is stored exactly once, and no response
is split or merged. SQLite (WAL) and PostgreSQL."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from helpseek.store import PageRecord, ResearchKeypair

from .conftest import TOKEN_FORM, stored_pages
from .live import LiveServer

RESPONDENTS = 6  # bounded threads, loopback only
PHASE_WORDS = 12  # acknowledged last pages per phase (before kill, while down, after restart)
DEADLINE_S = 180.0
FIRST_AGE = 18  # respondent n answers age FIRST_AGE + n, so page 1 names its respondent


@dataclass
class Book:
    """What the collectors acknowledged (a 200 reply), shared by the respondent threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    first_pages: Counter[int] = field(default_factory=Counter)  # respondent -> acknowledged
    words: set[str] = field(default_factory=set)  # acknowledged last pages
    served_by: Counter[int] = field(default_factory=Counter)  # collector -> acknowledged pages

    def count_words(self) -> int:
        with self.lock:
            return len(self.words)


class Collectors:
    """The collector URLs, tried in turn from `first`; a dead one is skipped like a balancer would."""

    def __init__(self, servers: list[LiveServer]) -> None:
        self.servers = servers

    def post(
        self, client: httpx.Client, first: int, path: str, form: dict[str, str], book: Book
    ) -> httpx.Response | None:
        """The first reply any collector gives to this exact form (a resent page is a retry)."""
        for attempt in range(40):
            index = (first + attempt) % len(self.servers)
            try:
                reply = client.post(self.servers[index].url + path, data=form)
            except httpx.TransportError:
                time.sleep(0.05)
                continue
            if reply.status_code == 200:
                with book.lock:
                    book.served_by[index] += 1
            return reply
        return None


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:300]
    return match.group(1)


def _respond(number: int, collectors: Collectors, book: Book, stop: threading.Event) -> None:
    with httpx.Client(timeout=10) as client:
        for round_ in range(10_000):
            if stop.is_set():
                return
            words, turn = f"tokenalpha-{number}-{round_}", number + round_
            page = collectors.post(client, turn, "/start?lang=en", {"instrument": "tokens"}, book)
            if page is None or page.status_code != 200:
                continue
            form = {
                "token": _token(page.text),
                "action": "next",
                "age": str(FIRST_AGE + number),
                "agree": "yes",
            }
            page = collectors.post(client, turn + 1, "/page?lang=en", form, book)
            if page is None or page.status_code != 200:
                continue
            with book.lock:
                book.first_pages[number] += 1
            form = {"token": _token(page.text), "action": "next", "words": words}
            page = collectors.post(client, turn + 2, "/page?lang=en", form, book)
            if page is not None and page.status_code == 200:
                with book.lock:
                    book.words.add(words)


def _wait_for(book: Book, words: int, deadline: float) -> None:
    while book.count_words() < words and time.monotonic() < deadline:
        time.sleep(0.05)
    assert book.count_words() >= words, f"only {book.count_words()} pages acknowledged in time"


@pytest.mark.slow
def test_two_collectors__one_killed_and_restarted__every_acknowledged_page_stored_once(
    tmp_path: Path, research_key: ResearchKeypair, database_url: str
) -> None:
    # Given two collectors (one with two worker processes) on one store, keys, secret and form
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    servers = [
        LiveServer(tmp_path, key, (str(form),), workers=w, database_url=database_url)
        for w in (2, 1)
    ]
    book, stop = Book(), threading.Event()
    threads = [
        threading.Thread(target=_respond, args=(n, Collectors(servers), book, stop))
        for n in range(RESPONDENTS)
    ]
    deadline = time.monotonic() + DEADLINE_S
    try:
        for server in servers:
            server.start()  # one after the other: the first creates the secret and the tables
        for thread in threads:
            thread.start()
        _wait_for(book, PHASE_WORDS, deadline)
        # When the first collector is killed with SIGKILL while respondents submit
        servers[0].kill()
        _wait_for(book, 2 * PHASE_WORDS, deadline)
        # And restarted on the same port, store and secret
        served_before = book.served_by[0]
        servers[0].start()
        _wait_for(book, 3 * PHASE_WORDS, deadline)
        while book.served_by[0] == served_before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=60)
        for server in servers:
            server.stop()
    # Then the restarted collector served again
    assert book.served_by[0] > served_before
    # And every acknowledged page is stored exactly once, each response whole and alone
    _check_store(database_url, research_key, book)


def _check_store(database_url: str, research_key: ResearchKeypair, book: Book) -> None:
    records = stored_pages(database_url, research_key)
    by_response: dict[str, list[PageRecord]] = defaultdict(list)
    for record in records:
        by_response[record.response_id].append(record)
    starts: Counter[int] = Counter()
    stored_words: list[str] = []
    for pages in by_response.values():
        # not split: one first page per response; not merged: one respondent per response
        assert sorted(r.seq for r in pages) == list(range(1, len(pages) + 1)), pages
        first = next(r for r in pages if r.seq == 1)
        respondent = int(first.answers["age"]) - FIRST_AGE
        starts[respondent] += 1
        for page in pages:
            if "words" in page.answers:
                stored_words.append(page.answers["words"])
                assert page.answers["words"].split("-")[1] == str(respondent)
    assert len(stored_words) == len(set(stored_words))  # no page stored twice
    assert book.words <= set(stored_words)  # no acknowledged page lost
    for respondent, acknowledged in book.first_pages.items():
        assert starts[respondent] >= acknowledged
