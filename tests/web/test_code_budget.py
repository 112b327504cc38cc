"""The server's code-check budget holds across worker processes (issue 14): a real `helpseek
serve --workers 3`, codes sent at once on new connections (so they reach different workers)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import httpx
import pytest

from helpseek.store import ResearchKeypair

from .conftest import TOKEN_FORM
from .live import LiveServer

PER_MINUTE = 6
_FORM = {"content-type": "application/x-www-form-urlencoded"}


def _at_once(url: str, path: str, codes: list[str]) -> list[int]:
    """POST each code to `path` on its own new connection, all released at the same moment."""
    barrier = threading.Barrier(len(codes))
    statuses: list[int] = [0] * len(codes)

    def send(index: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/static/style.css").raise_for_status()  # connected before the race
            barrier.wait()
            reply = client.post(path, data={"code": codes[index]})
            statuses[index] = reply.status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(codes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return statuses


def _paused_code(url: str) -> str:
    """Start the token form, type an age and press "Continue later"; the code shown."""
    with httpx.Client(base_url=url, timeout=60) as client:
        first = client.post("/start?lang=en", data={"instrument": "tokens"})
        token = re.search(r'name="token" value="([^"]+)"', first.text)
        assert first.status_code == 200 and token, first.text[:400]
        paused = client.post(
            "/page?lang=en", data={"token": token.group(1), "action": "later", "age": "44"}
        )
    words = re.findall(r"<li>([a-z]+)</li>", paused.text)
    assert paused.status_code == 200 and len(words) == 8, paused.text[:600]
    return " ".join(words)


@pytest.mark.slow
def test_three_workers__checked_codes_share_one_budget__made_up_codes_take_none(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    key = tmp_path / "public.key"
    key.write_text(research_key.public_key + "\n")
    form = tmp_path / "tokens.md"
    form.write_text(TOKEN_FORM)
    extra = ("--code-attempts-per-minute", str(PER_MINUTE))
    server = LiveServer(tmp_path, key, (str(form),), workers=3, extra=extra)
    server.start()
    try:
        code = _paused_code(server.url)
        # Given 45 made-up codes at once: all refused as wrong, none throttled
        wrong = [f"guess {n} " + "abandon " * 7 for n in range(45)]
        assert _at_once(server.url, "/resume?lang=en", wrong) == [422] * 45
        # When the real code is sent 18 times at once over the three workers
        statuses = _at_once(server.url, "/resume?lang=en", [code] * 18)
    finally:
        server.stop()
    # Then the server checked it 6 times in all (7 if a token refilled while they ran: 6 a
    # minute), not 6 per worker, and refused the rest with the calm 429 page
    checked = [s for s in statuses if s != 429]
    assert PER_MINUTE <= len(checked) <= PER_MINUTE + 1, statuses
    assert set(checked) <= {200, 409}
