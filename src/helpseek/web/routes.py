"""The whole URL surface of the respondent app, as one list (tests loop over it)."""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from helpseek.web.handlers import (
    landing,
    resume,
    start,
    submit_page,
    withdraw,
    withdraw_confirm,
    withdrawal_code,
)

STATIC = Path(__file__).parent / "static"

ROUTES: list[BaseRoute] = [
    Route("/", landing, methods=["GET"]),
    Route("/survey/{name}", landing, methods=["GET"]),
    Route("/start", start, methods=["POST"]),
    Route("/page", submit_page, methods=["POST"]),
    # Respondent codes (issue 14): continue later, and withdraw.
    Route("/resume", resume, methods=["GET", "POST"]),
    Route("/withdrawal-code", withdrawal_code, methods=["POST"]),
    Route("/withdraw", withdraw, methods=["GET", "POST"]),
    Route("/withdraw/confirm", withdraw_confirm, methods=["POST"]),
    Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
]
