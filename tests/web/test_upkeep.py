"""`serve --warn-unpulled-days`: a real server logs a warning while sealed records older than that
wait on the collector unpulled, and says nothing once they were pulled (issue 14)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

from helpseek.store import (
    StoredRecord,
    new_record_id,
    open_store,
    parse_public_keys,
    pull,
    seal_page,
)

from .conftest import TOKEN_FORM
from .live import LiveServer

WARNING = "have not been pulled off this collector (warned after 3 days)"


def _server(folder: Path, public_key_file: Path) -> LiveServer:
    form = folder / "tokens.md"
    form.write_text(TOKEN_FORM)
    return LiveServer(folder, public_key_file, (str(form),), extra=("--warn-unpulled-days", "3"))


def _log_after_start(server: LiveServer) -> str:
    server.start()
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and WARNING not in server.log.read_text():
            time.sleep(0.2)
        return server.log.read_text()
    finally:
        server.stop()


def test_serve__records_older_than_the_limit_unpulled__warns_at_start__none_once_pulled(
    tmp_path: Path, public_key_file: Path, research_key
) -> None:
    # Given a collector holding a sealed record stored ten days ago
    stored_on = date.today() - timedelta(days=10)
    server = _server(tmp_path, public_key_file)
    recipients = parse_public_keys(research_key.public_key)
    with open_store(f"sqlite:///{server.database}", today=lambda: stored_on) as store:
        store.append([StoredRecord(new_record_id(), seal_page(b'{"x":1}', recipients))])
    # When serve starts with --warn-unpulled-days 3, then its log warns with the date
    log = _log_after_start(server)
    assert WARNING in log and f"stored on {stored_on.isoformat()} (10 days ago)" in log
    # And once the record was pulled (with purge), a new start says nothing
    archive = tmp_path / "archive.db"
    with (
        open_store(f"sqlite:///{server.database}") as collector,
        open_store(f"sqlite:///{archive}") as into,
    ):
        pull(collector, into, purge=True)
    server.log.write_text("")
    assert WARNING not in _log_after_start(server)
