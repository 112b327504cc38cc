"""The last resort: any unexpected exception becomes a calm page (500, or 503 when the store could
not be reached), and the log says only its type. A client that hangs up mid-request is counted
(connections.COUNTS), not logged.

Never logs the request, the form, the token or the exception text (which could quote an answer).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from helpseek.web.connections import COUNTS

log = logging.getLogger("helpseek.web")

#: Renders the calm page for a request scope and what went wrong: (status, html body).
ErrorPageRenderer = Callable[[Scope, Exception], tuple[int, bytes]]
#: A 503's Retry-After: the store's wait for a connection (store.engine.STORE_WAIT_S) and more.
RETRY_AFTER_S = 30


class FailsafeMiddleware:
    """Catches what nothing else handled; answers with `render(scope, error)` if nothing was sent
    yet (a 503 says when to try again)."""

    def __init__(self, app: ASGIApp, render: ErrorPageRenderer) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # A dropped Tor circuit or a closed tab, not a bug: counted, never logged per request
            # (one ERROR line each let anyone fill the log; issue 12).
            COUNTS.disconnects += 1
        except Exception as error:  # noqa: BLE001 - the whole point: nothing escapes as a traceback
            log.error("internal error while handling a request: %s", type(error).__name__)
            if not started:
                await _send_page(send, *self.render(scope, error))


async def _send_page(send: Callable[[Message], Awaitable[None]], status: int, body: bytes) -> None:
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 503:
        headers.append((b"retry-after", str(RETRY_AFTER_S).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
