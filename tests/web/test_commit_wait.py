"""A POST's commit is awaited on the event loop, not in a thread (issue 16): many respondents at
once on SQLite and PostgreSQL get their pages stored exactly as sent, and a step the store refuses
is never acknowledged, while the others of its group are stored."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from pathlib import Path

import anyio
import httpx
from anyio.from_thread import BlockingPortal

from helpseek.store import ResearchKeypair
from helpseek.web import create_app

from .conftest import Clock, Page, make_settings, stored_pages

RESPONDENTS = 16
_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _token(response: httpx.Response) -> str:
    page = Page.parse(response.status_code, response.text)
    return page.hidden["token"]


async def _first_page(client: httpx.AsyncClient) -> str:
    reply = await client.post("/start?lang=en", content=b"instrument=tokens", headers=_FORM)
    assert reply.status_code == 200, reply.text[:300]
    return _token(reply)


async def _send(client: httpx.AsyncClient, token: str, **answers: str) -> httpx.Response:
    fields = {"token": token, "action": "next", **answers}
    return await client.post("/page?lang=en", data=fields)


def test_many_respondents_at_once__every_page_stored_exactly_as_sent(
    tmp_path: Path,
    public_key_file: Path,
    token_form: Path,
    research_key: ResearchKeypair,
    portal: BlockingPortal,
    database_url: str,
) -> None:
    # Given 16 respondents who send each page at the same moment (their steps share commits)
    settings = replace(
        make_settings(tmp_path, public_key_file, str(token_form)), database_url=database_url
    )
    app = create_app(settings, clock=Clock(), rng=random.Random(7))
    sent: dict[int, tuple[str, str]] = {}

    async def everyone() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            tokens = [await _first_page(client) for _ in range(RESPONDENTS)]
            replies: list[httpx.Response | None] = [None] * RESPONDENTS

            async def first(n: int) -> None:
                replies[n] = await _send(client, tokens[n], age=str(20 + n), agree="yes")

            async with anyio.create_task_group() as group:
                for n in range(RESPONDENTS):
                    group.start_soon(first, n)
            for n in range(RESPONDENTS):
                sent[n] = (str(20 + n), f"tokenalpha-{n}")
                reply = replies[n]
                assert reply is not None and reply.status_code == 200 and "words" in reply.text

            async def last(n: int) -> None:
                reply = replies[n]
                assert reply is not None
                end = await _send(client, _token(reply), words=sent[n][1])
                assert end.status_code == 200 and 'action="/page' not in end.text

            async with anyio.create_task_group() as group:
                for n in range(RESPONDENTS):
                    group.start_soon(last, n)

    try:
        portal.call(everyone)
    finally:
        app.state.survey.store.close()
    # Then the store holds each respondent's two pages, once each, with what they sent
    pages = stored_pages(database_url, research_key)
    by_response: dict[str, dict[str, dict[str, object]]] = {}
    for page in pages:
        by_response.setdefault(page.response_id, {})[page.page_id] = dict(page.answers)
    assert len(pages) == 2 * RESPONDENTS
    assert sorted(
        (int(str(r["first"]["age"])), str(r["first"]["agree"]), str(r["words"]["words"]))
        for r in by_response.values()
    ) == sorted((int(age), "yes", words) for age, words in sent.values())


def test_a_step_the_store_refuses__not_acknowledged__the_others_of_its_group_stored(
    tmp_path: Path,
    public_key_file: Path,
    token_form: Path,
    research_key: ResearchKeypair,
    portal: BlockingPortal,
) -> None:
    # Given SQLite refusing (mid-group, in its own savepoint) the step of one respondent of eight
    settings = make_settings(tmp_path, public_key_file, str(token_form))
    app = create_app(settings, clock=Clock(), rng=random.Random(7))
    database = settings.database_url.removeprefix("sqlite:///")
    replies: list[httpx.Response | None] = [None] * 8

    async def everyone() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            tokens = [await _first_page(client) for _ in range(8)]

            async def first(n: int) -> None:
                age = "66" if n == 3 else str(30 + n)
                replies[n] = await _send(client, tokens[n], age=age, agree="no")

            # (a trigger cannot read a sealed page: the fourth respondent's session stands in)
            doomed = _session_name(app, tokens[3])
            with sqlite3.connect(database) as conn:
                conn.execute(
                    "CREATE TRIGGER refuse BEFORE UPDATE ON session_states "
                    f"WHEN OLD.session_id = '{doomed}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
                )
            # When all eight send their first page at once
            async with anyio.create_task_group() as group:
                for n in range(8):
                    group.start_soon(first, n)
            with sqlite3.connect(database) as conn:
                conn.execute("DROP TRIGGER refuse")
            # And the refused respondent sends the same page again
            again = await _send(client, tokens[3], age="66", agree="no")
            return again.text if again.status_code == 200 else ""

    try:
        again = portal.call(everyone)
    finally:
        app.state.survey.store.close()
    # Then the refused POST got the calm error page, the seven others their next page
    statuses = [r.status_code if r is not None else 0 for r in replies]
    assert statuses == [200, 200, 200, 500, 200, 200, 200, 200]
    assert 'name="words"' in again  # nothing of the refused POST counted: the retry moves on
    # And the store holds each page once: the seven, and the refused one only from its retry
    ages = sorted(
        int(str(p.answers["age"])) for p in stored_pages(settings.database_url, research_key)
    )
    assert ages == sorted([30, 31, 32, 34, 35, 36, 37, 66])


def _session_name(app: object, token_text: str) -> str:
    token = app.state.survey.read_token(token_text)  # type: ignore[attr-defined]
    return str(token.session_name)
