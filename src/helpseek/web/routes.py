"""The whole URL surface of the respondent app, as one list (tests loop over it)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from helpseek.web.handlers import landing, start, submit_page

STATIC = Path(__file__).parent / "static"

ROUTES: list[BaseRoute] = [
    Route("/", landing, methods=["GET"]),
    Route("/survey/{name}", landing, methods=["GET"]),
    Route("/start", start, methods=["POST"]),
    Route("/page", submit_page, methods=["POST"]),
    Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
]
