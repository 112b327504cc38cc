"""Embeds the invitation in a search engine: `InviteMiddleware(app, config="invite.yaml")`.

The one shell inside a capability (STYLE.md §2): it only translates WSGI or ASGI requests into
`Invitation.respond` and its Reply back. Requests the invitation does not own pass through untouched.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from datetime import date
from http import HTTPStatus
from pathlib import Path
from typing import Any

from helpseek.invite.config import InviteConfig, load_config
from helpseek.invite.counts import CountStore
from helpseek.invite.invitation import Invitation, Reply, open_invitation

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Scope = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]
]


class InviteMiddleware:
    """Wrap a WSGI app (Django, Flask) or an ASGI app (Starlette, Django ASGI); the kind is
    detected from the app: an app whose `__call__` is `async def` is ASGI.

    | argument   | meaning                                                            |
    |------------|--------------------------------------------------------------------|
    | app        | the search engine's own app                                        |
    | config     | path to invite.yaml, or an InviteConfig                            |
    | db         | database URL or CountStore for the counters (else config.database) |
    | today, rng | only for tests: the clock (a date) and the variant draw             |

    >>> def search_app(environ, start_response):
    ...     start_response("200 OK", [("content-type", "text/plain")])
    ...     return [b"results"]
    >>> # app = InviteMiddleware(search_app, config="invite.yaml", db="sqlite:///invite.db")
    """

    def __new__(cls, app: Any, *args: Any, **kwargs: Any) -> InviteMiddleware:  # noqa: PYI034
        if cls is InviteMiddleware and _is_asgi(app):
            return super().__new__(AsgiInviteMiddleware)
        return super().__new__(cls)

    def __init__(
        self,
        app: Any,
        config: str | Path | InviteConfig,
        *,
        db: str | CountStore | None = None,
        today: Callable[[], date] = date.today,
        rng: random.Random | None = None,
    ):
        self.app = app
        loaded = config if isinstance(config, InviteConfig) else load_config(config)
        self.invitation: Invitation = open_invitation(loaded, db, today=today, rng=rng)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        # PEP 3333: QUERY_STRING holds the raw bytes decoded as latin-1; undo that.
        query = environ.get("QUERY_STRING", "").encode("latin-1", "replace")
        reply = self.invitation.respond(
            method, environ.get("PATH_INFO", "") or "/", query, root=environ.get("SCRIPT_NAME", "")
        )
        if reply is None:
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        start_response(f"{reply.status} {HTTPStatus(reply.status).phrase}", list(reply.headers))
        return [] if method == "HEAD" else [reply.body]


class AsgiInviteMiddleware(InviteMiddleware):
    """The ASGI form (chosen automatically by InviteMiddleware for an async app)."""

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:  # type: ignore[override]
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        root = scope.get("root_path", "")
        path = scope["path"]
        path = path[len(root) :] if root and path.startswith(root) else path
        # Counting writes to the database: keep it off the event loop.
        reply = await asyncio.to_thread(
            self.invitation.respond, scope["method"], path, scope.get("query_string", b""), root
        )
        if reply is None:
            await self.app(scope, receive, send)
            return
        await _send(send, reply, scope["method"] == "HEAD")


async def _send(send: Any, reply: Reply, is_head: bool) -> None:
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if is_head else reply.body})


def _is_asgi(app: Any) -> bool:
    if inspect.iscoroutinefunction(app):
        return True
    return callable(app) and inspect.iscoroutinefunction(type(app).__call__)
