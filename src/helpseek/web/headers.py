"""Security headers on every response, as one plain ASGI middleware (so tests see them on real responses).

No script source at all (respondents run Tor Browser at "Safest"); no framing, no referrer, no caching,
no Server banner. See docs/threat-model.md.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# default-src 'none' covers script-src: no JavaScript can run even if markup were injected.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"interest-cohort=()"),
)

# Headers that identify the server software or time a response to the second; never sent.
_DROPPED = {b"server", b"date", b"etag", b"last-modified"} | {name for name, _ in SECURITY_HEADERS}


def relative_location(location: bytes) -> bytes:
    """A redirect target with its scheme and host removed, so it never depends on the request.

    Starlette builds the trailing-slash redirect from the request's Host header; a forged Host
    would send the respondent (and, with a 307, the POSTed token and answers) elsewhere (issue 12).

    >>> relative_location(b"http://evil.example/start?lang=ar")
    b'/start?lang=ar'
    >>> relative_location(b"//evil.example/x")
    b'/x'
    >>> relative_location(b"http://127.0.0.1//evil.example/start")
    b'/evil.example/start'
    """
    parts = urlsplit(location.decode("latin-1"))
    path = "/" + parts.path.lstrip("/\\")  # "/\\host" is "//host" to browsers
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every HTTP response, removes Server/Date/ETag/Last-Modified and
    makes every Location relative."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [
                    (k, relative_location(v) if k.lower() == b"location" else v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in _DROPPED
                ]
                message = {**message, "headers": kept + list(SECURITY_HEADERS)}
            await send(message)

        await self.app(scope, receive, send_with_headers)
