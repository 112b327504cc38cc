"""The last resort: any unexpected exception becomes a calm page (500, or 503 when the store could
not be reached), and the log says only its type. A client that hangs up mid-request is counted
(connections.COUNTS), not logged. A store outage is logged twice, not once a refused page:
when it starts, and when a page succeeds again (how many pages were refused, for how long).

Never logs the request, the form, the token or the exception text (which could quote an answer).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpseek.web.connections import COUNTS

log = logging.getLogger("helpseek.web")

#: Renders the calm page for a request scope and what went wrong: (status, html body).
ErrorPageRenderer = Callable[[Scope, Exception], tuple[int, bytes]]
#: A 503's Retry-After: the store's wait for a connection (store.engine.STORE_WAIT_S) and more.
RETRY_AFTER_S = 30


class Outage(logging.Filter):
    """The store's outages in this process, as the log tells them: one line when a first page is
    refused with a 503 (the store did not answer), one when a POST is answered with 2xx again
    (every POST reads or writes the store), with how many requests were refused and for how long;
    one line per refused page filled the log during an outage (issue 16).

    As a filter on psycopg_pool's logger (`POOL_LOGGER`) it holds back the pool's lines while an
    outage goes on (a failed connection attempt every few seconds: 26 in a 21 s outage) and counts
    them; those before the outage's first line, which say why it began, pass. `refused`,
    `answered` and `close` run on the event loop; `filter` in the pool's threads. `clock` is
    replaceable in tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._clock = clock
        self._since: float | None = None
        self._refused = 0
        self._held = 0
        self._lock = threading.Lock()

    def refused(self, error: Exception) -> None:
        with self._lock:
            starts = self._since is None
            if starts:
                self._since, self._refused, self._held = self._clock(), 0, 0
            self._refused += 1
        if starts:
            log.error(
                "the store does not answer (%s): pages get the calm 503 page until it does",
                type(error).__name__,
            )

    def answered(self) -> None:
        if self._since is not None:
            log.warning("the store answers again: %s", self._end())

    def close(self) -> None:
        """At shutdown: the summary of an outage that has not ended."""
        if self._since is not None:
            log.warning("the store still did not answer at shutdown: %s", self._end())

    def filter(self, record: logging.LogRecord) -> bool:
        with self._lock:
            if self._since is None or record.levelno > logging.WARNING:
                return True
            self._held += 1
            return False

    def _end(self) -> str:
        with self._lock:
            seconds = self._clock() - (self._since or 0.0)
            summary = f"{self._refused} requests refused with 503 in {seconds:.0f} s"
            if self._held:
                summary += f" ({self._held} lines of psycopg_pool's left out)"
            self._since = None
            return summary


#: psycopg_pool's logger: a line for each failed connection attempt.
POOL_LOGGER = "psycopg.pool"


class FailsafeMiddleware:
    """Catches what nothing else handled; answers with `render(scope, error)` if nothing was sent
    yet (a 503 says when to try again). `outage` hears of every 503 and of every POST answered
    with 2xx."""

    def __init__(self, app: ASGIApp, render: ErrorPageRenderer, outage: Outage) -> None:
        self.app = app
        self.render = render
        self.outage = outage

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status: int | None = None

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # A dropped Tor circuit or a closed tab, not a bug: counted, never logged per request
            # (one ERROR line each let anyone fill the log; issue 12).
            COUNTS.disconnects += 1
        except Exception as error:  # noqa: BLE001 - the whole point: nothing escapes as a traceback
            page_status, body = self.render(scope, error)
            if page_status == 503:
                self.outage.refused(error)
            else:
                log.error("internal error while handling a request: %s", type(error).__name__)
            if status is None:
                await _send_page(send, page_status, body)
        else:
            if scope["method"] == "POST" and status is not None and 200 <= status < 300:
                self.outage.answered()


async def _send_page(send: Callable[[Message], Awaitable[None]], status: int, body: bytes) -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_S).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
