"""A tiny search front end for demonstrations: a search box and placeholder results, as a plain
ASGI app. Wrapped in InviteMiddleware by `helpseek invite serve`, so matching searches get the
interstitial. It has no index and shows no result and no query text.
"""

from __future__ import annotations

from typing import Any

from helpseek.invite.headers import security_headers
from helpseek.invite.page import stylesheet

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo search</title><style>{css}</style></head>
<body><main>
<h1>Demo search</h1>
<form method="get" action="/search">
<label for="q">Search</label> <input id="q" name="q" maxlength="1000"> <button type="submit">Search</button>
</form>
{body}
</main></body></html>
"""
_RESULTS = '<p class="message">Results would appear here. This demo has no index.</p>'


async def demo_search_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """GET / shows the search box; GET /search shows placeholder results; anything else is 404."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    status = 200 if path in ("/", "/search") else 404
    body = _RESULTS if path == "/search" else ("" if status == 200 else "<p>Not found.</p>")
    html = _PAGE.format(css=stylesheet(), body=body).encode("utf-8")
    headers = [(b"content-type", b"text/html; charset=utf-8")] + [
        (k.encode(), v.encode()) for k, v in security_headers(stylesheet())
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": html})
