"""The HTTP driver sends exactly the requests it sent before it was made cheaper (issue 16).

A relay on loopback stands between the driver and a real survey server and writes down every
request (method, path, content type, body with the server's random token masked) and the status
of its reply. Respondents are driven one at a time, so the order is fixed. The recording in
`data/drive_requests.json` was made once with the driver of main at 787bae5 (before the driver
was made cheaper), by running this file:

    .venv/bin/python -m tests.synth.test_drive_pinned

Any change to the requests, the answers or their order, the retries of refused pages or the
breakoffs shows here.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

from helpseek.cli.demo_server import running_server
from helpseek.instrument import Instrument, load_instrument
from helpseek.settings import Settings
from helpseek.store import generate_research_keypair
from helpseek.synth import draw_respondents, load_truth
from helpseek.synth.http import drive
from helpseek.synth.respondents import Draw, Respondent

from .relay import Note, relay

RECORDING = Path(__file__).with_name("data") / "drive_requests.json"
#: (questionnaire, respondents, seed) driven in this order, one respondent at a time.
SAMPLES = (("help_us_help_you", 24, 21), ("program_feedback", 10, 5))
#: Every fifth respondent of help_us_help_you leaves this required question blank, so the server
#: refuses the page (422) and the driver repairs and sends it again (the bundled truths never do).
REFUSED = ("help_us_help_you", "uses")
_TOKEN = re.compile(r"(^|&)token=[^&]*")


def record(folder: Path) -> dict[str, list[list[Any]]]:
    """Drive SAMPLES through a real server behind the recording relay: each sample's requests."""
    public = folder / "public.key"
    public.write_text(generate_research_keypair().public_key + "\n")
    settings = Settings(
        f"sqlite:///{folder / 'responses.db'}",
        (public,),
        tuple(name for name, _, _ in SAMPLES),
        secret_key_file=folder / "server.secret",
    )
    recorded: dict[str, list[list[Any]]] = {}
    with running_server(settings, 1.0, folder / "server.log") as server:
        for name, n, seed in SAMPLES:
            form = load_instrument(name)
            draw = draw_respondents(form, load_truth(None, form), n, seed)
            respondents = [
                replace(r, blank=r.blank | {REFUSED[1]}) if name == REFUSED[0] and k % 5 == 0 else r
                for k, r in enumerate(draw.respondents)
            ]
            recorded[name] = asyncio.run(_drive_recorded(server.base_url, form, draw, respondents))
    return recorded


async def _drive_recorded(
    target: str, form: Instrument, draw: Draw, respondents: list[Respondent]
) -> list[list[Any]]:
    requests: list[list[Any]] = []
    async with relay(target, _noting(requests)) as relay_url:
        result = await drive(relay_url, form, draw, concurrency=1, respondents=respondents)
    requests.append(["result", result.complete, result.partial, result.pages])
    return requests


def _noting(requests: list[list[Any]]) -> Note:
    """Each request as recorded: method, path, content type, body (token masked), status."""

    def note(request: web.Request, body: bytes, status: int, _payload: bytes) -> None:
        shown = _TOKEN.sub(r"\1token=TOKEN", body.decode("ascii"))
        requests.append([request.method, request.path_qs, request.content_type, shown, status])

    return note


def _statuses(requests: list[list[Any]]) -> Iterator[int]:
    return (r[4] for r in requests if r[0] != "result")


def test_drive__same_respondents__sends_the_recorded_requests(tmp_path: Path) -> None:
    # Given the requests main's driver sent for these respondents (refused pages and breakoffs
    # among them: the recording covers the retry of a refused page)
    expected = json.loads(RECORDING.read_text(encoding="utf-8"))
    assert 422 in _statuses(expected["help_us_help_you"])
    # When the driver sends the same respondents through a real server again
    recorded = record(tmp_path)
    # Then every request, body and status is the same, in the same order
    for name, _, _ in SAMPLES:
        assert recorded[name] == expected[name], name


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        made = record(Path(scratch))
    RECORDING.parent.mkdir(exist_ok=True)
    RECORDING.write_text(json.dumps(made, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{RECORDING}: {sum(len(r) for r in made.values())} requests", file=sys.stderr)
