"""InviteMiddleware inside real apps over real HTTP: a WSGI app on wsgiref and a Starlette app on
uvicorn, both on 127.0.0.1. Matching searches get the interstitial; everything else is untouched."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from helpseek.invite import AsgiInviteMiddleware, InviteMiddleware, open_counts

from .conftest import DAY


def search_wsgi_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A search engine's own WSGI app (Flask/Django style): answers every path itself."""
    start_response("200 OK", [("content-type", "text/plain"), ("x-engine", "wsgi")])
    return [f"engine results for {environ.get('PATH_INFO')}".encode()]


async def _results(request: Request) -> PlainTextResponse:
    return PlainTextResponse("engine results", headers={"x-engine": "asgi"})


def search_asgi_app() -> Starlette:
    return Starlette(routes=[Route("/", _results), Route("/search", _results)])


@pytest.fixture(params=["wsgi", "asgi"])
def served(request: pytest.FixtureRequest, config_file: Path, db_url: str,
           serve_wsgi: Callable[[Any], str], serve_asgi: Callable[[Any], str]) -> str:  # fmt: skip
    """The same search engine, embedded both ways; returns the base URL."""
    options: dict[str, Any] = {"db": db_url, "today": lambda: DAY, "rng": random.Random(3)}
    if request.param == "wsgi":
        middleware = InviteMiddleware(search_wsgi_app, config=config_file, **options)
        assert not isinstance(middleware, AsgiInviteMiddleware)
        return serve_wsgi(middleware)
    middleware = InviteMiddleware(search_asgi_app(), config=config_file, **options)
    assert isinstance(middleware, AsgiInviteMiddleware)  # detected from the app's async __call__
    return serve_asgi(middleware)


def _impressions_and_clicks(db_url: str) -> tuple[int, int]:
    rows = list(open_counts(db_url).rows())
    return (sum(r.count for r in rows if r.event == "impression"),
            sum(r.count for r in rows if r.event == "click"))  # fmt: skip


def test_matching_search__gets_the_interstitial_with_security_headers(served: str) -> None:
    response = httpx.get(f"{served}/search", params={"q": "Where is TOKEN-beta phrase"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "x-engine" not in response.headers  # the engine's app did not answer
    csp = response.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'; style-src 'self' 'sha256-")
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text.lower() and "<svg" not in response.text.lower()
    assert 'href="/go/helpline?v=neutral&amp;l=en"' in response.text


def test_other_requests__pass_through_untouched(served: str, db_url: str) -> None:
    for params in ({"q": "weather tomorrow"}, {}, {"page": "2"}):
        response = httpx.get(f"{served}/search", params=params)
        assert response.status_code == 200 and response.headers["x-engine"] in ("wsgi", "asgi")
        assert response.text.startswith("engine results")
        assert "content-security-policy" not in response.headers
    assert _impressions_and_clicks(db_url) == (0, 0)


def test_outbound_link__redirects_to_the_allow_listed_url_and_counts(
    served: str, db_url: str
) -> None:
    response = httpx.get(f"{served}/go/helpline", params={"v": "neutral", "l": "es"})
    assert response.status_code == 303
    assert response.headers["location"] == "https://help.example.org/start"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert _impressions_and_clicks(db_url) == (0, 1)


def test_open_redirect_attempt__is_a_404_and_counts_nothing(served: str, db_url: str) -> None:
    response = httpx.get(f"{served}/go/https%3A%2F%2Fevil.example.com%2F", params={"v": "neutral"})
    assert response.status_code == 404 and "location" not in response.headers
    assert _impressions_and_clicks(db_url) == (0, 0)


def test_over_long_or_binary_query__gets_a_calm_page_never_a_crash(
    served: str, db_url: str
) -> None:
    too_long = httpx.get(f"{served}/search?q=tokenalpha+{'x' * 600}")
    assert too_long.status_code == 400 and "too long" in too_long.text
    binary = httpx.get(f"{served}/search?q=%ff%fe%00%c3%28")
    assert binary.status_code == 200 and "x-engine" in binary.headers  # no match: passed through
    assert _impressions_and_clicks(db_url) == (0, 0)
    # Undecodable bytes around a term do not hide it
    hidden = httpx.get(f"{served}/search?q=%ff%fe%00%c3%28tokenalpha%80")
    assert hidden.status_code == 200 and "x-engine" not in hidden.headers
    assert _impressions_and_clicks(db_url) == (1, 0)


def test_concurrent_searches_and_clicks__lose_no_count(served: str, db_url: str) -> None:
    # Given 8 clients at once, each making 15 matching searches and 10 clicks
    def client(_: int) -> None:
        with httpx.Client(base_url=served) as http:
            for _ in range(15):
                assert http.get("/search", params={"q": "tokenalpha"}).status_code == 200
            for _ in range(10):
                assert (
                    http.get("/go/survey_a", params={"v": "neutral", "l": "en"}).status_code == 303
                )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(client, range(8)))
    # Then every one of them was counted, exactly
    assert _impressions_and_clicks(db_url) == (8 * 15, 8 * 10)
