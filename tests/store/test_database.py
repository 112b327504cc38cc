"""The sealed store on a real SQLite file and a real throwaway PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from helpseek.problems import InputError
from helpseek.store import (
    PageRecord,
    Recipients,
    ResearchKeypair,
    SessionUpdate,
    new_session_key,
    open_store,
    seal_page,
    seal_session_state,
    unseal_record,
)
from helpseek.store.database import head_revision

DAY = date(2026, 11, 29)


def page_json(key: ResearchKeypair, answer: str, seq: int = 1) -> bytes:
    record = PageRecord(
        "r1", "form", "1", "en", f"p{seq}", seq, {"q_text": answer}, ("q_text",), "2026-11-29", 20
    )
    return record.to_json()


def test_open_store__new_database__applies_migrations_to_head(store_url: str) -> None:
    with open_store(store_url):
        pass
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one()
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert version == head_revision()
    assert tables == {"alembic_version", "sealed_records", "session_states"}


def test_append__same_submission_key_twice__stores_the_page_once(
    store_url: str, research_key: ResearchKeypair
) -> None:
    recipients = Recipients((research_key.public_key,))
    with open_store(store_url, today=lambda: DAY) as store:
        first = store.append(seal_page(page_json(research_key, "a"), recipients), b"key-1")
        # When the respondent's browser replays the same POST
        replay = store.append(seal_page(page_json(research_key, "a"), recipients), b"key-1")
        other = store.append(seal_page(page_json(research_key, "b", 2), recipients), b"key-2")
        assert (first, replay, other) == (True, False, True)
        assert store.count_records() == 2
        pages = [
            PageRecord.from_json(unseal_record(r, research_key.identity))
            for r in store.iter_records()
        ]
    assert [(p.seq, p.answers["q_text"]) for p in pages] == [(1, "a"), (2, "b")]


def test_append_with_session__page_and_next_state_commit_together(
    store_url: str, research_key: ResearchKeypair
) -> None:
    recipients = Recipients((research_key.public_key,))
    expires = date(2026, 11, 30)
    with open_store(store_url, today=lambda: DAY) as store:
        store.put_session("s1", b"state-0", expires)
        # When an accepted page is stored with the session's next state
        stored = store.append(
            seal_page(page_json(research_key, "a"), recipients),
            b"key-1",
            session=SessionUpdate("s1", b"state-1", expires),
        )
        # Then both are there
        assert (stored, store.count_records(), store.get_session("s1")) == (True, 1, b"state-1")
        # And a replay of that page stores no second copy (the state is written again as sent)
        replay = store.append(
            seal_page(page_json(research_key, "a"), recipients),
            b"key-1",
            session=SessionUpdate("s1", b"state-1", expires),
        )
        assert (replay, store.count_records(), store.get_session("s1")) == (False, 1, b"state-1")


def test_append__reopened_store__keeps_every_record_with_its_date_only(
    store_url: str, research_key: ResearchKeypair
) -> None:
    recipients = Recipients((research_key.public_key,))
    with open_store(store_url, today=lambda: DAY) as store:
        store.append(seal_page(b"tokenalpha", recipients), b"k")
    with open_store(store_url) as store:
        assert store.count_records() == 1
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        stored_on = conn.execute(sa.text("SELECT stored_on FROM sealed_records")).scalar_one()
    engine.dispose()
    assert str(stored_on) == "2026-11-29"


def test_append__month_precision__stores_the_first_day_of_the_month(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with open_store(url, today=lambda: DAY, date_precision="month") as store:
        store.append(seal_page(b"x", Recipients((research_key.public_key,))), b"k")
    with sqlite3.connect(tmp_path / "r.db") as conn:
        assert conn.execute("SELECT stored_on FROM sealed_records").fetchone() == ("2026-11-01",)


def test_append__plaintext_bytes__are_refused_by_type(store_url: str) -> None:
    with open_store(store_url) as store, pytest.raises(TypeError):
        store.append(b"tokenalpha", b"k")  # type: ignore[arg-type]


def test_sessions__put_replace_get_delete(store_url: str) -> None:
    with open_store(store_url, today=lambda: DAY) as store:
        store.put_session("s1", b"state-1", date(2026, 11, 30))
        store.put_session("s1", b"state-2", date(2026, 11, 30))
        assert store.get_session("s1") == b"state-2"
        assert store.get_session("unknown") is None
        store.delete_session("s1")
        store.delete_session("s1")
        assert store.get_session("s1") is None


def test_sessions__past_expiry__are_not_returned_and_are_purged(store_url: str) -> None:
    today = [DAY]
    with open_store(store_url, today=lambda: today[0]) as store:
        store.put_session("old", b"state", DAY)
        assert store.get_session("old") == b"state"  # valid through its expiry day
        # When the next day comes
        today[0] = date(2026, 11, 30)
        assert store.get_session("old") is None
        store.put_session("new", b"state", date(2026, 12, 1))
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT session_id FROM session_states")).scalars().all()
    engine.dispose()
    # Then writing a new session purged the expired one
    assert ids == ["new"]


def test_sqlite_file_and_wal__never_contain_a_submitted_answer_in_plaintext(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    # Given a store with sealed pages and in-progress session states sealed with session keys
    path = tmp_path / "responses.db"
    store = open_store(f"sqlite:///{path}")
    recipients = Recipients((research_key.public_key,))
    for n in range(20):
        store.append(
            seal_page(page_json(research_key, f"tokenalpha{n}", n + 1), recipients), bytes([n])
        )
        state = seal_session_state(new_session_key(), b'{"q_text": "tokenalpha-in-progress"}')
        store.put_session(f"s{n}", state, date(2099, 1, 1))
    # When the raw bytes of the database and its write-ahead log are read while the store is open
    wal = tmp_path / "responses.db-wal"
    assert wal.exists()
    raw = path.read_bytes() + wal.read_bytes()
    store.close()
    raw += path.read_bytes()
    # Then no answer, no question name and no JSON key appear in them
    for needle in (b"tokenalpha", b"q_text", b"response_id", b"2026-11-29T"):
        assert needle not in raw
    assert path.stat().st_mode & 0o077 == 0


def test_open_store__bad_url__is_a_clear_problem() -> None:
    for url in ("mysql://x@localhost/db", "not a url", "sqlite://", "postgresql+asyncpg://x@h/db"):
        with pytest.raises(InputError) as caught:
            open_store(url)
        assert caught.value.problems[0].code == "STORE-001"


def test_open_store__no_server_listening__is_a_clear_problem() -> None:
    with pytest.raises(InputError) as caught:
        open_store("postgresql+psycopg://app@127.0.0.1:9/nothing")
    assert caught.value.problems[0].code == "STORE-002"


def test_open_store__sqlite_folder_missing__is_a_clear_problem(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        open_store(f"sqlite:///{tmp_path / 'missing' / 'r.db'}")
    assert caught.value.problems[0].code == "STORE-002"


def test_open_store__schema_from_a_newer_helpseek__is_refused(store_url: str) -> None:
    open_store(store_url).close()
    engine = sa.create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(InputError) as caught:
        open_store(store_url)
    assert caught.value.problems[0].code == "STORE-003"


def test_open_store__several_collectors_start_at_once__all_open_one_schema(store_url: str) -> None:
    # Given four collector processes (threads with their own engines) opening a new store together
    errors: list[BaseException] = []

    def collector() -> None:
        try:
            open_store(store_url).close()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=collector) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then every one opened it, and the migration ran once
    assert errors == []
    with open_store(store_url) as store:
        assert store.count_records() == 0


def _collector(url: str, public_key: str, worker: int, pages: int) -> int:
    """One collector process: append its pages, each twice (a replayed POST); count stored."""
    recipients = Recipients((public_key,))
    stored = 0
    with open_store(url) as store:
        for n in range(pages):
            sealed = seal_page(f"worker {worker} page {n}".encode(), recipients)
            key = f"{worker}/{n}".encode()
            stored += store.append(sealed, key)
            stored += store.append(sealed, key)
    return stored


@pytest.mark.slow
def test_append__several_collector_processes__every_page_stored_exactly_once(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given three collector processes appending to one new store at once, each replaying every POST
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    with context.Pool(3) as pool:
        stored = pool.starmap(
            _collector, [(store_url, research_key.public_key, worker, 30) for worker in range(3)]
        )
    # Then each process stored each of its pages once, and the store holds exactly those pages
    assert stored == [30, 30, 30]
    with open_store(store_url) as store:
        plaintexts = {unseal_record(r, research_key.identity) for r in store.iter_records()}
        assert store.count_records() == 90
    assert plaintexts == {f"worker {w} page {n}".encode() for w in range(3) for n in range(30)}


def _hold_writer_turn(database: str, taken: Any, release: Any) -> None:
    """Another process: take the SQLite file's writer turn, say so, hold it until told."""
    import fcntl
    import os

    descriptor = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    taken.set()
    release.wait(30)
    os.close(descriptor)


def test_append__sqlite_writer_turn_held_by_another_process__waits_for_it_then_stores(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    # Given a SQLite store, and another process holding the file's writer turn
    import multiprocessing

    database = tmp_path / "responses.db"
    context = multiprocessing.get_context("spawn")
    taken, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_writer_turn, args=(str(database), taken, release))
    with open_store(f"sqlite:///{database}") as store:
        holder.start()
        assert taken.wait(30)
        sealed = seal_page(
            page_json(research_key, "tokenalpha"), Recipients((research_key.public_key,))
        )
        done = threading.Event()
        writer = threading.Thread(target=lambda: (store.append(sealed, b"k1"), done.set()))
        # When this process appends a page
        writer.start()
        # Then it waits while the other process has the turn, and stores once it is released
        assert not done.wait(0.5)
        release.set()
        writer.join(30)
        holder.join(30)
        assert done.is_set()
        assert store.count_records() == 1
    # And the turn file beside the database is the owner's only, and empty
    turn = Path(f"{database}-writer")
    assert turn.stat().st_mode & 0o777 == 0o600
    assert turn.stat().st_size == 0
