"""One date a POST (issue 16), on the real app under uvicorn on loopback: a page that arrives just
before midnight and is handled just after it is stored, dated and shown as of its arrival day:
the logic's today(), the record's date, the state's expiry and the next page agree."""

from __future__ import annotations

import random
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from helpseek.web import create_app

from .conftest import Page, make_settings, stored_pages
from .live import ThreadServer

# The first page's answer is refused before the 15th (so the step's logic says its date); the
# second page shows `late` from the 15th on, `early` before it (so does the next page's view).
FORM = """
| survey |
| | type        | name   | label  | relevant                         | constraint                      |
| | text        | name   | Name?  |                                  | format-date(today(), '%e') >= 15 |
| | begin_group | second | Second |                                  |                                 |
| | text        | early  | Early? | format-date(today(), '%e') < 15  |                                 |
| | text        | late   | Late?  | format-date(today(), '%e') >= 15 |                                 |
| | end_group   |        |        |                                  |                                 |

| settings |
| | form_id | version |
| | dated   | 1       |
"""

BEFORE = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC).timestamp()
AFTER = BEFORE + 2  # 1 December, 00:00:01


class LateServer(ThreadServer):
    """The app's clock reads 23:59:59 on the event loop (where a POST's arrival is read) and
    00:00:01 the next day anywhere else (the step threads that handle it): a busy server."""

    def __init__(self, app_factory) -> None:  # type: ignore[no-untyped-def]
        self.app = app_factory(self.now)
        super().__init__(self.app)

    def now(self) -> float:
        return BEFORE if threading.current_thread() is self.thread else AFTER


def test_post_date__arrived_before_midnight_handled_after__all_of_the_arrival_day(
    tmp_path: Path, public_key_file: Path, research_key
) -> None:  # type: ignore[no-untyped-def]
    form = tmp_path / "dated.md"
    form.write_text(FORM)
    settings = make_settings(tmp_path, public_key_file, str(form))
    with LateServer(lambda clock: create_app(settings, clock=clock, rng=random.Random(7))) as late:
        try:
            with httpx.Client(base_url=late.url, timeout=30) as client:
                reply = client.post("/start?lang=en", data={"instrument": "dated"})
                first = Page.parse(reply.status_code, reply.text)
                assert first.names == ("name",)
                # When the first page arrives at 23:59:59 and its step runs at 00:00:01
                fields = {**first.hidden, "name": "tokenalpha", "action": "next"}
                reply = client.post("/page?lang=en", data=fields)
                second = Page.parse(reply.status_code, reply.text)
        finally:
            late.app.state.survey.store.close()
    # Then the page's logic and the next page's used 30 November (accepted; `late` shown)
    assert second.status == 200 and second.names == ("late",)
    # And the record holds that date
    (page,) = stored_pages(settings.database_url, research_key)
    assert page.submitted_on == "2026-11-30"
    assert dict(page.answers) == {"name": "tokenalpha"}
    # And the state's expiry counts from that day
    days = max(-(-settings.token_lifetime_s // 86400), settings.resume_days)
    database = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        (expires,) = conn.execute("SELECT expires_on FROM session_states").fetchone()
    assert date.fromisoformat(expires) == date(2026, 11, 30) + timedelta(days=days)
