"""Two submissions of one page at the same moment (a double click, two tabs) against a real server
with two worker processes, on SQLite and PostgreSQL (issue 12, item 2).

Each round starts a response, then sends its first page twice at once, on two connections released
together (so the two POSTs may reach different workers): with the same answer (a double click) or
with different answers (two tabs). In every round both replies must show the page that follows the
stored answer (never a 409), the respondent goes on from either reply without losing what they type,
and the export holds the answer of the page whose path the session followed, stored once.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from helpseek.store import PageRecord, ResearchKeypair

from .conftest import stored_pages
from .live import LiveServer

RACE_FORM = """
| survey |
| | type | name | label::English (en) | relevant |
| | select_one yn | agree | Agree? | |
| | text | why_yes | Why yes? | ${agree} = 'yes' |
| | text | why_no | Why no? | ${agree} = 'no' |
| | text | words | Words | |

| choices |
| | list_name | name | label::English (en) |
| | yn | yes | Yes |
| | yn | no | No |

| settings |
| | form_id | version | default_language |
| | races | 1 | English (en) |
"""
ROUNDS = 12  # per kind of race and per store (before the fix, 47 % and 83 % of rounds failed)
_FORM = {"content-type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Round:
    """One race: what each of the two POSTs sent, and what the respondent typed afterwards."""

    sent: tuple[str, str]  # the `agree` answer of each POST
    path: str  # "yes" or "no": the follow-up page both replies showed
    why: str  # typed on the follow-up page (after continuing from one of the replies)
    words: str


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, html[:400]
    return match.group(1)


def _follow_up(html: str) -> str:
    """ "yes" or "no": which follow-up question the page asks."""
    found = set(re.findall(r'name="(why_yes|why_no)"', html))
    assert len(found) == 1, html[:400]
    return found.pop().removeprefix("why_")


def _race(url: str, token: str, answers: tuple[str, str]) -> list[httpx.Response]:
    """Both POSTs of one page, each on its own new connection, released at the same moment."""
    barrier = threading.Barrier(2)
    replies: list[httpx.Response | None] = [None, None]
    clients = [httpx.Client(base_url=url, timeout=30) for _ in answers]
    for client in clients:  # open each connection before the race, so only the POSTs race
        client.get("/static/style.css").raise_for_status()

    def send(index: int) -> None:
        body = f"token={token}&action=next&agree={answers[index]}".encode()
        barrier.wait()
        replies[index] = clients[index].post("/page?lang=en", content=body, headers=_FORM)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for client in clients:
        client.close()
    assert all(r is not None for r in replies)
    return [r for r in replies if r is not None]


def _one_round(url: str, number: int, answers: tuple[str, str], kind: str) -> Round:
    with httpx.Client(base_url=url, timeout=30) as client:
        first = client.post("/start?lang=en", data={"instrument": "races"})
        assert first.status_code == 200
        # When the first page is sent twice at the same moment
        replies = _race(url, _token(first.text), answers)
        # Then both replies show the same page, the one after the answer the session kept
        assert [r.status_code for r in replies] == [200, 200], [r.text[:300] for r in replies]
        paths = {_follow_up(r.text) for r in replies}
        assert len(paths) == 1, paths
        path = paths.pop()
        assert path in answers
        # And the respondent goes on from whichever reply their browser shows, losing nothing
        shown = replies[number % 2]
        why = f"tokenalpha-{kind}-{number}-why"
        page = client.post(
            "/page?lang=en",
            data={"token": _token(shown.text), "action": "next", f"why_{path}": why},
        )
        assert page.status_code == 200 and 'name="words"' in page.text, page.text[:400]
        words = f"tokenalpha-{kind}-{number}-words"
        end = client.post(
            "/page?lang=en", data={"token": _token(page.text), "action": "next", "words": words}
        )
        # The end: no questionnaire form (its only form asks for a withdrawal code, issue 14)
        assert end.status_code == 200 and 'action="/page' not in end.text
        assert 'action="/withdrawal-code' in end.text
    return Round(answers, path, why, words)


@pytest.mark.slow
def test_same_page_sent_twice_at_once__stored_answers_and_session_path_agree(
    tmp_path: Path, research_key: ResearchKeypair, database_url: str
) -> None:
    # Given a collector with two worker processes
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "races.md"
    form.write_text(RACE_FORM)
    server = LiveServer(tmp_path, key, (str(form),), workers=2, database_url=database_url)
    server.start()
    rounds: list[Round] = []
    try:
        for number in range(ROUNDS):
            # A double click: the same answer twice
            rounds.append(_one_round(server.url, number, ("yes", "yes"), "same"))
            # Two tabs: different answers on one page
            conflicting = ("yes", "no") if number % 2 else ("no", "yes")
            rounds.append(_one_round(server.url, number, conflicting, "conflict"))
    finally:
        server.stop()
    # Then every response holds what the respondent's path shows, each page once
    _check_stored(stored_pages(database_url, research_key), rounds)


def _check_stored(pages: list[PageRecord], rounds: list[Round]) -> None:
    by_response: dict[str, list[PageRecord]] = defaultdict(list)
    for page in pages:
        by_response[page.response_id].append(page)
    by_words: dict[str, list[PageRecord]] = {}
    for records in by_response.values():
        assert sorted(r.seq for r in records) == [1, 2, 3], records
        words = next(r.answers["words"] for r in records if r.page_id == "words")
        by_words[words] = records
    assert len(by_words) == len(rounds)
    for race in rounds:
        records = {r.page_id: r for r in by_words[race.words]}
        assert set(records) == {"agree", f"why_{race.path}", "words"}
        assert records["agree"].answers == {"agree": race.path}
        assert records[f"why_{race.path}"].answers == {f"why_{race.path}": race.why}


@pytest.mark.browser
@pytest.mark.slow
def test_chromium_two_tabs_send_one_page_at_once__both_show_the_kept_answers_path(
    browser, tmp_path: Path, research_key: ResearchKeypair
) -> None:
    # Given a respondent in Chromium (JavaScript off) with the first page open in two tabs
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "races.md"
    form.write_text(RACE_FORM)
    server = LiveServer(tmp_path, key, (str(form),), workers=2)
    server.start()
    rounds: list[Round] = []
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        for number in range(4):
            rounds.append(_two_tabs(context, server.url, number))
    finally:
        context.close()
        server.stop()
    _check_stored(stored_pages(f"sqlite:///{server.database}", research_key), rounds)


def _two_tabs(context, url: str, number: int) -> Round:  # type: ignore[no-untyped-def]
    first, second = context.new_page(), context.new_page()
    try:
        first.goto(f"{url}/survey/races?lang=en")
        with first.expect_navigation():
            first.click("form button[type=submit]")
        # The second tab shows the same page, token and all (a duplicated tab)
        html = first.content()
        second.route(f"{url}/tab", lambda route: route.fulfill(body=html, content_type="text/html"))
        second.goto(f"{url}/tab")
        answers = ("yes", "no") if number % 2 else ("no", "yes")
        first.check(f"input[name=agree][value={answers[0]}]")
        second.check(f"input[name=agree][value={answers[1]}]")
        # When both tabs send the page at the same moment
        first.click("button[value=next]", no_wait_after=True)
        second.click("button[value=next]", no_wait_after=True)
        for tab in (first, second):
            tab.wait_for_selector("input[name^=why_]", timeout=30_000)
        # Then both show the follow-up of one and the same kept answer, and no notice
        paths = {tab.get_attribute("input[name^=why_]", "name") for tab in (first, second)}
        assert len(paths) == 1 and first.locator(".notice").count() == 0
        path = str(paths.pop()).removeprefix("why_")
        # And the respondent goes on in either tab without losing what they type
        tab = (first, second)[number % 2]
        why, words = f"tokenalpha-tab-{number}-why", f"tokenalpha-tab-{number}-words"
        tab.fill(f"input[name=why_{path}]", why)
        with tab.expect_navigation() as navigation:
            tab.click("button[value=next]")
        assert navigation.value.status == 200
        tab.fill("input[name=words]", words)
        with tab.expect_navigation() as navigation:
            tab.click("button[value=next]")
        assert navigation.value.status == 200 and tab.locator("form[action^='/page']").count() == 0
        assert tab.locator("form[action^='/withdrawal-code']").count() == 1
        return Round(answers, path, why, words)
    finally:
        first.close()
        second.close()
