"""A POST that finds its session's state held by its own process (web/sessions.py `RecentStates`,
issue 16) against a state another process moved since: two real `helpseek serve` processes on one
store (SQLite and PostgreSQL) and one server secret, as several collectors run. Two servers rather
than one with several workers, so that each request reaches the process the case needs.

Each case compares the stored pages (decrypted with the research key) with what was sent: a held
state that is stale must neither store a page twice nor refuse a page it should take.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from helpseek.store import ResearchKeypair

from .conftest import stored_pages
from .live import LiveServer
from .test_races import RACE_FORM

_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _token(reply: httpx.Response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', reply.text)
    assert match, reply.text[:400]
    return match.group(1)


def _asks(reply: httpx.Response) -> set[str]:
    """The names of the questions the page asks."""
    return set(re.findall(r'name="(agree|why_yes|why_no|words)"', reply.text))


def _send(client: httpx.Client, token: str, action: str = "next", **answers: str) -> httpx.Response:
    return client.post("/page?lang=en", data={"token": token, "action": action, **answers})


@pytest.fixture
def two_servers(
    tmp_path: Path, research_key: ResearchKeypair, database_url: str
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of two collector processes, X and Y, sharing one store and one server secret."""
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "races.md"
    form.write_text(RACE_FORM)
    servers = [LiveServer(tmp_path, key, (str(form),), database_url=database_url) for _ in range(2)]
    clients: list[httpx.Client] = []
    try:
        for server in servers:  # one after the other: the first writes the secret file
            server.start()
            clients.append(httpx.Client(base_url=server.url, timeout=30))
        yield clients[0], clients[1]
    finally:
        for client in clients:
            client.close()
        for server in servers:
            server.stop()
    # Every case POSTed to X with X holding the session's state: the held states were used
    held = re.findall(
        r"session states held: (\d+) pages read none back", servers[0].log.read_text()
    )
    assert held and max(int(n) for n in held) > 0, servers[0].log.read_text()[-2000:]


@pytest.mark.slow
def test_a_state_moved_by_another_process__each_page_stored_once_as_the_winner_sent_it(
    two_servers: tuple[httpx.Client, httpx.Client], research_key: ResearchKeypair, database_url: str
) -> None:
    x, y = two_servers
    # Given a respondent whose first page X stored (X holds the state that asks why_yes)
    start = x.post("/start?lang=en", data={"instrument": "races"})
    asked = _send(x, _token(start), agree="yes")
    assert asked.status_code == 200 and _asks(asked) == {"why_yes"}
    # When a second tab, served by Y, sends that page first
    winner = _send(y, _token(asked), why_yes="tokenalpha-y")
    assert winner.status_code == 200 and _asks(winner) == {"words"}
    # And then the first tab sends it to X, which still holds the state before Y's page
    loser = _send(x, _token(asked), why_yes="tokenalpha-x")
    # Then X shows where the winner left the respondent (no 409) and stores nothing
    assert loser.status_code == 200 and _asks(loser) == {"words"}, loser.text[:400]
    assert "notice" not in loser.text
    # And the respondent goes on from X's reply
    end = _send(x, _token(loser), words="tokenalpha-words-1")
    assert end.status_code == 200 and 'action="/page' not in end.text

    # Given a second respondent, whose first page X stored
    start = x.post("/start?lang=en", data={"instrument": "races"})
    asked = _send(x, _token(start), agree="no")
    assert _asks(asked) == {"why_no"}
    # When Y takes the next page, and the respondent sends Y's next page to X (a new
    # connection reaching the other process): X holds a state whose nonce is not the token's
    moved = _send(y, _token(asked), why_no="tokenalpha-y-no")
    assert _asks(moved) == {"words"}
    end = _send(x, _token(moved), words="tokenalpha-words-2")
    # Then X takes it as the stored state expects (not a 409 from its stale state)
    assert end.status_code == 200 and 'action="/page' not in end.text, end.text[:400]
    # And the page Y stored, sent again to Y and then to X (a resend), shows the end, stores nothing
    for client in (y, x):
        again = _send(client, _token(moved), words="tokenalpha-other")
        assert again.status_code == 200 and 'action="/page' not in again.text

    # Then each respondent's pages are stored once each, as the winning submission sent them
    pages = stored_pages(database_url, research_key)
    by_words = {p.answers["words"]: p.response_id for p in pages if p.page_id == "words"}
    assert set(by_words) == {"tokenalpha-words-1", "tokenalpha-words-2"}
    first = [(p.seq, p.answers) for p in pages if p.response_id == by_words["tokenalpha-words-1"]]
    assert first == [
        (1, {"agree": "yes"}),
        (2, {"why_yes": "tokenalpha-y"}),
        (3, {"words": "tokenalpha-words-1"}),
    ]
    second = [(p.seq, p.answers) for p in pages if p.response_id == by_words["tokenalpha-words-2"]]
    assert second == [
        (1, {"agree": "no"}),
        (2, {"why_no": "tokenalpha-y-no"}),
        (3, {"words": "tokenalpha-words-2"}),
    ]


@pytest.mark.slow
def test_double_click_back_and_old_page_on_one_process__store_what_was_sent_once(
    two_servers: tuple[httpx.Client, httpx.Client], research_key: ResearchKeypair, database_url: str
) -> None:
    x, _y = two_servers
    # Given a respondent served by X throughout (X holds every state it stored)
    start = x.post("/start?lang=en", data={"instrument": "races"})
    first = _send(x, _token(start), agree="yes")
    assert _asks(first) == {"why_yes"}
    # When the first page is sent again (a double click): the next page, nothing stored
    again = _send(x, _token(start), agree="no")
    assert again.status_code == 200 and _asks(again) == {"why_yes"}, again.text[:400]
    # When the respondent goes back, and answers the first page anew
    back = _send(x, _token(first), action="back")
    assert back.status_code == 200 and _asks(back) == {"agree"}
    # (first with a value the page does not offer: 422, nothing stored)
    refused = _send(x, _token(back), agree="maybe")
    assert refused.status_code == 422 and _asks(refused) == {"agree"}, refused.text[:400]
    changed = _send(x, _token(refused), agree="no")
    assert _asks(changed) == {"why_no"}
    # When the page before going back is sent (the browser's back button): 409, nothing stored
    old = _send(x, _token(first), why_yes="tokenalpha-old")
    assert old.status_code == 409 and _asks(old) == {"why_no"}, old.text[:400]
    words = _send(x, _token(changed), why_no="tokenalpha-why")
    end = _send(x, _token(words), words="tokenalpha-words")
    assert end.status_code == 200 and 'action="/page' not in end.text
    # And the last page is sent again: the end, nothing stored
    assert _send(x, _token(words), words="tokenalpha-words").status_code == 200

    # Then the store holds what was sent, once each (the first page twice: before and after back)
    pages = stored_pages(database_url, research_key)
    assert [(p.seq, p.answers) for p in pages] == [
        (1, {"agree": "yes"}),
        (2, {"agree": "no"}),
        (3, {"why_no": "tokenalpha-why"}),
        (4, {"words": "tokenalpha-words"}),
    ]
