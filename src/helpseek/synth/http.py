"""Driving synthetic respondents through the real survey pages over HTTP (aiohttp, form posts).

Each respondent opens the landing page, presses the consent button, then reads every page the
server sends (the hidden token, the fields shown, the choices offered) and answers it with the
same policy as the local walk. Pauses are the drawn page durations divided by `time_scale`, so a
server whose clock runs `time_scale` times faster stores realistic durations.

The client is aiohttp, not httpx: answering the bundled questionnaire on 2 cores shared with the
server, httpx spent 3.2 ms of the driver's CPU a page and aiohttp 1.0-1.4 ms
(benchmarks/demo_bench.py).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

import aiohttp
from lxml import etree

from helpseek.instrument import Instrument
from helpseek.synth.answering import (
    ShownQuestion,
    answer_page,
    page_seconds,
    repair,
    respondent_rng,
)
from helpseek.synth.respondents import Draw, Respondent

#: The server re-shows a page with 422 when answers were refused; anything else is a failure.
_PAGE_STATUSES = (200, 422)
#: Tries per request before the respondent gives up (lost connections, timeouts).
_ATTEMPTS = 4


class DriveError(RuntimeError):
    """The server answered a respondent with something no respondent should see (not a page)."""

    def __init__(self, status: int, page: int, detail: str) -> None:
        super().__init__(f"HTTP {status} on page {page}: {detail}")
        self.status, self.page, self.detail = status, page, detail


@dataclass(frozen=True)
class Page:
    """A questionnaire page as served: its token, the questions and choices, the errors shown,
    and what a browser sends for a question left untouched (its checked inputs: the "No answer"
    radio of a single-choice question sends "")."""

    token: str
    questions: tuple[ShownQuestion, ...]
    errors: tuple[str, ...]
    untouched: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class DriveResult:
    """How many respondents finished, broke off, how many pages were posted, and how many
    requests were sent again because the server answered 5xx (a server bug worth reporting)."""

    complete: int = 0
    partial: int = 0
    pages: int = 0
    retried_after_server_error: int = 0


def parse_page(text: str) -> Page | None:
    """The questionnaire page in `text`, or None for the end page (no page form).

    >>> page = parse_page('<form action="/page?lang=en"><input type="hidden" name="token" '
    ...     'value="t"><input type="radio" name="q" value="a"><input type="radio" name="q" '
    ...     'value="b"><input type="radio" name="q" value="" checked></form>')
    >>> page.questions, page.untouched
    ((ShownQuestion(name='q', choices=('a', 'b')),), {'q': ['']})
    """
    # lxml's plain elements: lxml.html's element classes cost a Python call per element reached
    tree = etree.HTML(text)
    if tree is None:  # as lxml.html says it
        raise etree.ParserError("Document is empty")
    forms = [f for f in tree.iter("form") if (f.get("action") or "").startswith("/page")]
    if not forms:
        return None
    token = ""
    fields: dict[str, list[str]] = {}
    untouched: dict[str, list[str]] = {}
    for element in forms[0].iter("input", "textarea"):
        name, kind = element.get("name"), (element.get("type") or "text").lower()
        value = element.get("value") or ""
        if name == "token":
            token = value
        elif name and kind in ("radio", "checkbox"):
            choices = fields.setdefault(name, [])
            if value:  # "" is the "No answer" radio, not a choice
                choices.append(value)
            if element.get("checked") is not None:
                untouched.setdefault(name, []).append(value)
        elif name:
            fields.setdefault(name, [])
    errors = tuple(
        block.get("id", "")[2:].removesuffix("-block")
        for block in forms[0].iter("div")
        if "has-error" in (block.get("class") or "").split()
    )
    questions = tuple(ShownQuestion(name, tuple(values)) for name, values in fields.items())
    return Page(token, questions, errors, untouched)


#: The token as the server's page template writes it; our tokens are URL-safe base64.
_TOKEN_MARK = 'name="token" value="'
_TOKEN_TEXT = re.compile(r"[A-Za-z0-9_-]*")
#: Put in place of a page's token to check that the parse changes there and nowhere else.
_PROBE = "probe-token"
_NOT_KEPT = object()


class PageParser:
    """`parse_page` with its results kept for pages that come again but for their token.

    The server sends most question pages from its page cache: the same text for everyone but
    the token. The key is the page's text without its token value, found as our template
    writes it (`name="token" value="..."`, exactly once, URL-safe base64). A page seen a second
    time is parsed, parsed again with another token in its place, and kept when the two differ
    only in the token; later copies get the kept Page with their own token (the end page, no
    page form, is kept as None). A page without the token written so, or with it twice, is
    parsed fresh every time. Pages seen once (a respondent's own values, piped text) are only
    noted by their key's hash, so they never push out the pages that recur; at most
    `max_pages` Pages and `4 * max_pages` hashes are kept, the oldest going first.

    Kept Pages are shared between respondents: read them, never change them.
    """

    def __init__(self, max_pages: int = 1024) -> None:
        self._max_pages = max_pages
        self._pages: dict[str, Page | None] = {}
        self._seen: dict[int, None] = {}
        #: Pages parsed and pages taken from what was kept (for tests and benchmarks).
        self.parsed = 0
        self.reused = 0

    def parse(self, text: str) -> Page | None:
        """`parse_page(text)`, from what was kept when the page came before but for its token."""
        start = text.find(_TOKEN_MARK) + len(_TOKEN_MARK)
        end = text.find('"', start)
        if (
            start < len(_TOKEN_MARK)
            or end < 0
            or text.find(_TOKEN_MARK, start) >= 0
            or not _TOKEN_TEXT.fullmatch(text, start, end)
        ):
            return self._fresh(text)
        token = text[start:end]
        key = text[:start] + text[end:]
        kept = self._pages.get(key, _NOT_KEPT)
        if kept is not _NOT_KEPT:
            self.reused += 1
            if kept is None:  # the end page
                return None
            return Page(token, kept.questions, kept.errors, kept.untouched)
        page = self._fresh(text)
        if page is not None and page.token != token:
            return page
        mark = hash(key)
        if mark not in self._seen:
            _put(self._seen, mark, None, 4 * self._max_pages)
            return page
        # Seen before: kept when a page with another token parses the same but for the token
        probed = self._fresh(text[:start] + _PROBE + text[end:])
        if probed == (page if page is None else replace(page, token=_PROBE)):
            _put(self._pages, key, page, self._max_pages)
        return page

    def _fresh(self, text: str) -> Page | None:
        self.parsed += 1
        return parse_page(text)


def _put(kept: dict[Any, Any], key: Any, value: Any, most: int) -> None:
    """Keep `key` in `kept`, dropping the oldest entry when `most` are kept already."""
    if len(kept) >= most:
        del kept[next(iter(kept))]
    kept[key] = value


async def drive(
    base_url: str,
    instrument: Instrument,
    draw: Draw,
    *,
    concurrency: int = 32,
    time_scale: float = 0.0,
    progress: Callable[[int], None] | None = None,
    respondents: Sequence[Respondent] | None = None,
    timeout_s: float = 120.0,
    before_page: Callable[[], Awaitable[None]] | None = None,
) -> DriveResult:
    """Send every respondent of `draw` through the server at `base_url`, `concurrency` at a time.

    `time_scale` 0 sends pages without pausing. `progress(1)` after each respondent.
    `before_page()` is awaited before each page is posted (once a page, not before the landing
    page, the consent or a page sent again): a benchmark counts the pages with it and holds the
    browsers, their respondents mid-questionnaire, between its loads (benchmarks/post_bench.py).
    Raises DriveError on any reply that is not a page or the end page.
    """
    sample = Sample(instrument, draw, tuple(respondents or draw.respondents), progress)
    (result,) = await drive_all(
        base_url,
        [sample],
        concurrency=concurrency,
        time_scale=time_scale,
        timeout_s=timeout_s,
        before_page=before_page,
    )
    return result


@dataclass(frozen=True)
class Sample:
    """Respondents of one questionnaire to drive (in this order), and who hears of each one sent."""

    instrument: Instrument
    draw: Draw
    respondents: Sequence[Respondent]
    progress: Callable[[int], None] | None = None


async def drive_all(
    base_url: str,
    samples: Sequence[Sample],
    *,
    concurrency: int = 32,
    time_scale: float = 0.0,
    timeout_s: float = 120.0,
    longest_first: bool = False,
    before_page: Callable[[], Awaitable[None]] | None = None,
) -> list[DriveResult]:
    """`drive` for several samples at once: their respondents share the `concurrency` browsers,
    so none sits idle while another sample still has respondents waiting. One result a sample.

    `longest_first` starts the respondents expected to take longest first (`expected_seconds`),
    so that the last ones to start are short: fewer browsers idle while the last respondents
    finish. Each respondent sends the same requests in any order.
    """
    results = [DriveResult() for _ in samples]
    queue = [
        (k, respondent) for k, sample in enumerate(samples) for respondent in sample.respondents
    ]
    if longest_first:
        queue.sort(key=lambda item: -expected_seconds(samples[item[0]], item[1]))
    waiting = iter(queue)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    parser = PageParser()  # shared: the browsers see the same pages

    async def browser() -> None:
        for k, respondent in waiting:
            sample, result = samples[k], results[k]
            # Each respondent has a browser of their own: one kept-alive connection, no cookies
            # (the survey sets none). A new connection per respondent also lets the server's
            # worker processes share the load: a connection stays with the worker that took it.
            async with aiohttp.ClientSession(
                base_url,
                connector=aiohttp.TCPConnector(limit=1),
                timeout=timeout,
                cookie_jar=aiohttp.DummyCookieJar(),
            ) as client:
                pages, finished = await _respond(
                    client,
                    parser,
                    sample.instrument,
                    respondent,
                    sample.draw,
                    time_scale,
                    result,
                    before_page,
                )
            result.pages += pages
            if finished:
                result.complete += 1
            else:
                result.partial += 1
            if sample.progress is not None:
                sample.progress(1)

    await asyncio.gather(*(browser() for _ in range(max(1, concurrency))))
    return results


def expected_seconds(sample: Sample, respondent: Respondent) -> float:
    """A rough guess of a respondent's time, from what is known before they start: the pages they
    will submit (before their breakoff, or every page of the questionnaire), each with one
    question's typical time, and a speeder's factor."""
    durations = sample.draw.truth.durations
    pages = respondent.breakoff_after
    if pages is None:
        pages = len(sample.instrument.pages)
    factor = durations.speeder_factor if respondent.kind == "speeder" else 1.0
    return pages * (durations.page_base_s + durations.per_question_s) * factor


@dataclass(frozen=True)
class Reply:
    """What the server sent back: the status and the page."""

    status: int
    text: str


async def _respond(
    client: aiohttp.ClientSession,
    parser: PageParser,
    instrument: Instrument,
    respondent: Respondent,
    draw: Draw,
    time_scale: float,
    result: DriveResult,
    before_page: Callable[[], Awaitable[None]] | None,
) -> tuple[int, bool]:
    """One respondent: returns (pages submitted, reached the end); counts retries in `result`."""
    lang = respondent.language
    landing = await _send(client, result, "GET", f"/survey/{instrument.form_id}?lang={lang}", 0)
    _expect(landing, 0, (200,))
    consent = aiohttp.BytesPayload(
        _encode([("instrument", instrument.form_id)]),
        content_type="application/x-www-form-urlencoded",
    )  # what aiohttp's FormData makes of {"instrument": ...}, without building one
    reply = await _send(client, result, "POST", f"/start?lang={lang}", 0, data=consent)
    _expect(reply, 0, (200,))
    # The pauses only (drawn from the respondent's own stream): without pauses, not drawn
    rng = respondent_rng(respondent) if time_scale > 0 else None
    submitted = 0
    while (page := parser.parse(reply.text)) is not None:
        if submitted == respondent.breakoff_after:
            return submitted, False
        values = answer_page(respondent, instrument, page.questions)
        if rng is not None:
            seconds = page_seconds(respondent, draw.truth.durations, rng, len(page.questions))
            # The server times a page from issuing it to the next POST reaching the app, so
            # neither the wait for its worker threads nor the trip back adds to the pause.
            await asyncio.sleep(seconds / time_scale)
        if before_page is not None:
            await before_page()
        reply = await _post(client, result, page, values, lang, submitted + 1)
        refused = parser.parse(reply.text) if reply.status == 422 else None
        if refused is not None:
            fixed = repair(values, refused.errors, refused.questions, instrument)
            if fixed is None:
                raise DriveError(
                    422, submitted + 1, f"answers refused: {', '.join(refused.errors)}"
                )
            reply = await _post(client, result, refused, fixed, lang, submitted + 1)
            _expect(reply, submitted + 1, (200,))
        submitted += 1
    return submitted, True


async def _post(
    client: aiohttp.ClientSession,
    result: DriveResult,
    page: Page,
    values: dict[str, list[str]],
    lang: str,
    number: int,
) -> Reply:
    form: list[tuple[str, str]] = [("action", "next")]
    for question in page.questions:
        given = values.get(question.name)
        if given is None:  # as a browser sends it: empty text, the checked "No answer" radio
            given = page.untouched.get(question.name, [] if question.choices else [""])
        form.extend((question.name, v) for v in given)
    reply = await _send(
        client,
        result,
        "POST",
        f"/page?lang={lang}",
        number,
        data=_encode(form, page.token),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    _expect(reply, number, _PAGE_STATUSES)
    return reply


async def _send(
    client: aiohttp.ClientSession,
    result: DriveResult,
    method: str,
    url: str,
    page: int,
    **options: Any,
) -> Reply:
    """One request, sent again after a lost connection, a timeout or a server error (5xx), as a
    respondent would press the button again; the server stores a page sent twice once. Every
    retry after a server error is counted in `result` (the demo reports it)."""
    for attempt in range(_ATTEMPTS):
        last = attempt == _ATTEMPTS - 1
        try:
            async with client.request(method, url, allow_redirects=False, **options) as response:
                # The server's pages are UTF-8 (its content-type says so): not looked up each time
                reply = Reply(response.status, await response.text(encoding="utf-8"))
        except (aiohttp.ClientError, TimeoutError) as error:
            if last:
                raise DriveError(0, page, f"no answer ({type(error).__name__})") from None
        else:
            if reply.status < 500 or last:
                return reply
            result.retried_after_server_error += 1
        await asyncio.sleep(2.0**attempt)
    raise AssertionError("unreachable")


def _encode(form: list[tuple[str, str]], token: str | None = None) -> bytes:
    """`urlencode(form)`, `("token", token)` first when given, each name and value quoted once:
    they are few and sent again and again. A token is new on every page: it is not kept, and not
    quoted when it is URL-safe base64 as ours are (quoting leaves that unchanged).

    >>> _encode([("q", "x y"), ("q", "é&")], "a-b_C")
    b'token=a-b_C&q=x+y&q=%C3%A9%26'
    >>> _encode([("q", "")], "a+b/c=")
    b'token=a%2Bb%2Fc%3D&q='
    """
    text = "&".join(_quote(name) + "=" + _quote(value) for name, value in form)
    if token is not None:
        quoted = token if _TOKEN_TEXT.fullmatch(token) else quote_plus(token)
        text = "token=" + quoted + "&" + text if form else "token=" + quoted
    return text.encode("ascii")


@lru_cache(maxsize=4096)
def _quote(text: str) -> str:
    return quote_plus(text)


def _expect(reply: Reply, page: int, statuses: tuple[int, ...]) -> None:
    if reply.status not in statuses:
        tree = etree.HTML(reply.text) if reply.text else None
        title = tree.findtext(".//title") if tree is not None else ""
        raise DriveError(reply.status, page, (title or "").strip() or "no page")
