"""What a copy of the collector's database holds after codes were used (issue 14): no code in any
form (text, words, secret), no withdrawal check value, and nothing in the tombstone or the spent
code's row that points at the response: scanned in the SQLite file (and its write-ahead log) and
in every PostgreSQL table."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from helpseek.codes import read_code
from helpseek.data import unseal_store
from helpseek.store import open_store
from helpseek.web import create_app

from .conftest import START, Clock, InProcessClient, Respondent, make_settings
from .test_codes import code_of, enter, finish, pause_on_first_page, press

DAY = 86400


def _rows(url: str) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
            return {
                t: [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {t}"))] for t in tables
            }
    finally:
        engine.dispose()


def _raw(url: str, rows: dict[str, list[tuple]]) -> bytes:  # type: ignore[type-arg]
    """The SQLite file and its WAL as bytes; for PostgreSQL every value of every table."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    values = [v for table in rows.values() for row in table for v in row]
    return b"\x00".join(v if isinstance(v, bytes) else str(v).encode() for v in values)


def _forms(text: str, secret: int) -> list[bytes]:
    """Every way a code could sit in a database: as shown, squeezed, lower case, its secret."""
    squeezed = "".join(text.split()).replace("-", "")
    forms = [text, squeezed, squeezed.lower(), f"{secret:x}", f"{secret:018x}", str(secret)]
    return [f.encode() for f in forms] + [secret.to_bytes(9, "big")]


def test_database_copy__holds_no_code_no_check_value_and_no_link(
    tmp_path: Path, public_key_file, token_form, portal, database_url: str, research_key
) -> None:
    settings = replace(
        make_settings(tmp_path, public_key_file, str(token_form)), database_url=database_url
    )
    clock = Clock()
    app = create_app(settings, clock=clock, rng=random.Random(7))
    client = InProcessClient(app, portal)
    try:
        respondent = Respondent(client)
        # Given a paused session (resume code kept), another paused and resumed (code used),
        # and a finished response withdrawn five days after it ended
        kept = code_of(pause_on_first_page(respondent, typed="3x"))
        used = code_of(pause_on_first_page(respondent, typed="4x"))
        enter(respondent, "/resume", used)
        withdrawal = code_of(press(respondent, finish(respondent)))
        check_key = app.state.survey.codes.check_key
        clock.now += 5 * DAY
        press(respondent, enter(respondent, "/withdraw", withdrawal))
    finally:
        client.close()
        app.state.survey.store.close()
    today = datetime.fromtimestamp(START, UTC).date()  # the clock's first day
    codes = {
        text: read_code(text, check_key, today + timedelta(5), today - timedelta(400))
        for text in (kept, used, withdrawal)
    }
    assert all(c is not None for c in codes.values())
    rows = _rows(database_url)
    raw = _raw(database_url, rows)
    # Then no code is in the database in any form...
    for text, code in codes.items():
        for form in _forms(text, code.secret):  # type: ignore[union-attr]
            assert form not in raw, (text, form)
    # ... nor the withdrawal check value the response's last page carries (sealed only)
    check = codes[withdrawal].withdrawal_check()  # type: ignore[union-attr]
    assert check.encode() not in raw and bytes.fromhex(check) not in raw
    # And the tombstone's row and the spent code's row carry only the withdrawal's own date
    withdrawn_on = today + timedelta(5)
    [(tomb_id, sealed, stored_on, pulled_on)] = rows["tombstones"]
    assert (str(stored_on), pulled_on) == (withdrawn_on.isoformat(), None)
    [(lookup, expires_on)] = rows["withdrawn_codes"]
    # (not the code's own expiry, which would tell the day the response ended)
    assert str(expires_on) == (withdrawn_on + timedelta(settings.withdrawal_days)).isoformat()
    # ... and share no value with any record or session row
    others = {
        v for t in ("sealed_records", "session_states", "resume_codes") for r in rows[t] for v in r
    }
    assert not {tomb_id, bytes(sealed), bytes(lookup)} & others
    # While the offline side, with the private key, matches the tombstone to the response
    with open_store(database_url) as store:
        opened = unseal_store(store, research_key.identity)
    assert (opened.withdrawn, opened.unmatched_tombstones) == (1, 0)


def _sessions_and_resume_rows(url: str) -> tuple[set[tuple], list[tuple]]:  # type: ignore[type-arg]
    """Every session_states row and every resume_codes row, with PostgreSQL's xmin (the writing
    transaction) as the last value (None on SQLite)."""
    xmin = ", xmin::text" if not url.startswith("sqlite") else ", NULL"
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            sessions = conn.execute(
                sa.text(f"SELECT session_id, sealed, expires_on{xmin} FROM session_states")
            )
            resume = conn.execute(sa.text(f"SELECT lookup, expires_on{xmin} FROM resume_codes"))
            return {tuple(r) for r in sessions}, [tuple(r) for r in resume]
    finally:
        engine.dispose()


def test_pause__writes_no_session_row__resume_row_shares_no_transaction_or_date_with_one(
    tmp_path: Path, public_key_file, token_form, portal, database_url: str
) -> None:
    settings = replace(
        make_settings(tmp_path, public_key_file, str(token_form)), database_url=database_url
    )
    app = create_app(settings, clock=Clock(), rng=random.Random(11))
    client = InProcessClient(app, portal)
    try:
        # Given three respondents on the first page, one of whom goes on to the second
        respondents = [Respondent(client) for _ in range(3)]
        for respondent in respondents:
            respondent.start("en", "/survey/tokens")
        respondents[2].send({"age": "30", "agree": "yes"})
        before, _ = _sessions_and_resume_rows(database_url)
        # When one of them presses "Continue later" (with a value typed on the page)
        paused = respondents[0].send({"age": "41"}, action="later")
        assert paused.status == 200 and len(code_of(paused).split()) == 8
        after, resume_rows = _sessions_and_resume_rows(database_url)
        # Then no session row was written (same rows, same bytes, same transactions)...
        assert after == before and len(after) == 3
        # ... the resume row was written in a transaction of its own (PostgreSQL's xmin)...
        [(_lookup, expires_on, resume_xmin)] = resume_rows
        assert resume_xmin is None or resume_xmin not in {row[3] for row in after}
        # ... and its date is the date of every session state written that day: no column
        # singles out the paused session
        assert {row[2] for row in after} == {expires_on}
        # And the code still brings back the page as it was typed
        respondents[0].open("/?lang=en")
        back = enter(respondents[0], "/resume", code_of(paused))
        assert back.names == ("age", "agree")
        assert 'value="41"' in back.html
    finally:
        client.close()
        app.state.survey.store.close()
