"""The sealed store on a real SQLite file and a real throwaway PostgreSQL."""

from __future__ import annotations

import socket
import sqlite3
import threading
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from helpseek.problems import InputError
from helpseek.store import (
    PageRecord,
    Recipients,
    ResearchKeypair,
    SessionUpdate,
    StoredRecord,
    new_record_id,
    new_session_key,
    open_store,
    seal_page,
    seal_session_state,
)
from helpseek.store.engine import create_engine, head_revision, is_unavailable, migrate

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
    assert tables == {
        "alembic_version",
        "sealed_records",
        "session_states",
        "resume_codes",
        "tombstones",
        "withdrawn_codes",
    }


def test_sqlite_file_and_wal__never_contain_a_submitted_answer_in_plaintext(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    # Given a store with sealed pages and in-progress session states sealed with session keys
    path = tmp_path / "responses.db"
    store = open_store(f"sqlite:///{path}")
    recipients = Recipients((research_key.public_key,))
    for n in range(20):
        sealed = seal_page(page_json(research_key, f"tokenalpha{n}", n + 1), recipients)
        state = seal_session_state(new_session_key(), b'{"q_text": "tokenalpha-in-progress"}')
        page = StoredRecord(new_record_id(), sealed)
        assert store.save(SessionUpdate(f"s{n}", state, date(2099, 1, 1)), add=[page])
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


def test_records__ids_are_random_and_sqlite_keeps_no_hidden_sequence(
    tmp_path: Path, research_key: ResearchKeypair
) -> None:
    # Given 200 records stored one after the other
    path = tmp_path / "responses.db"
    recipients = Recipients((research_key.public_key,))
    with open_store(f"sqlite:///{path}") as store:
        for n in range(200):
            sealed = seal_page(page_json(research_key, f"tokenalpha{n}"), recipients)
            store.append([StoredRecord(new_record_id(), sealed)])
    # Then SQLite's row id IS the random id (no rowid in arrival order beside it)
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT rowid, id FROM sealed_records ORDER BY rowid")).all()
    engine.dispose()
    assert all(rowid == record_id for rowid, record_id in rows)
    # And the ids are spread over the whole 63-bit range, not a count
    ids = sorted(record_id for _, record_id in rows)
    assert len(set(ids)) == 200 and ids[0] > 200 and ids[-1] > 2**62


def test_append__same_id_twice__stored_once(store_url: str, research_key: ResearchKeypair) -> None:
    recipients = Recipients((research_key.public_key,))
    record = StoredRecord(new_record_id(), seal_page(page_json(research_key, "a"), recipients))
    other = StoredRecord(new_record_id(), seal_page(page_json(research_key, "b"), recipients))
    with open_store(store_url, today=lambda: DAY) as store:
        assert store.append([record]) == 1
        assert store.append([record, other]) == 1
        assert sorted(r.record_id for r in store.iter_records()) == sorted(
            [record.record_id, other.record_id]
        )


def test_append__plaintext_bytes__are_refused_by_type(store_url: str) -> None:
    with open_store(store_url) as store, pytest.raises(TypeError):
        store.append([StoredRecord(1, b"tokenalpha")])  # type: ignore[arg-type]


def test_append__reopened_store__keeps_every_record_with_its_date_only(
    store_url: str, research_key: ResearchKeypair
) -> None:
    recipients = Recipients((research_key.public_key,))
    with open_store(store_url, today=lambda: DAY) as store:
        store.append([StoredRecord(new_record_id(), seal_page(b"tokenalpha", recipients))])
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
    sealed = seal_page(b"x", Recipients((research_key.public_key,)))
    with open_store(url, today=lambda: DAY, date_precision="month") as store:
        store.append([StoredRecord(new_record_id(), sealed)])
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        stored_on = conn.execute(sa.text("SELECT stored_on FROM sealed_records")).scalar_one()
    engine.dispose()
    assert str(stored_on) == "2026-11-01"


def test_migration_0002__records_in_arrival_order__kept_under_random_ids(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given a store made by an older helpseek: ids 1, 2, 3... in arrival order, submission keys
    engine = create_engine(store_url)
    migrate(engine, "0001")
    recipients = Recipients((research_key.public_key,))
    blobs = [
        seal_page(page_json(research_key, f"tokenalpha{n}"), recipients).data for n in range(40)
    ]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO sealed_records (id, submission_key, sealed, stored_on) "
                "VALUES (:id, :key, :sealed, :day)"
            ),
            [
                {"id": n + 1, "key": bytes([n]) * 32, "sealed": b, "day": DAY}
                for n, b in enumerate(blobs)
            ],
        )
    engine.dispose()
    # When this helpseek opens it
    with open_store(store_url) as store:
        stored = list(store.iter_records())
    # Then every record is there once, with its date, under a random id
    assert sorted(r.sealed.data for r in stored) == sorted(blobs)
    ids = [r.record_id for r in stored]
    assert len(set(ids)) == 40 and not set(ids) & set(range(1, 41))
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        columns = {c["name"] for c in sa.inspect(conn).get_columns("sealed_records")}
        days = set(conn.execute(sa.text("SELECT stored_on FROM sealed_records")).scalars())
    engine.dispose()
    assert "submission_key" not in columns  # the submission key is gone
    assert columns == {"id", "sealed", "stored_on", "pulled_on"}  # pulled_on: migration 0003
    assert {str(d) for d in days} == {"2026-11-29"}


def _hold_writer_turn(database: str, taken: Any, release: Any) -> None:
    """Another process: take the SQLite file's writer turn, say so, hold it until told."""
    import fcntl
    import os

    descriptor = os.open(f"{database}-writer", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    taken.set()
    release.wait(30)
    os.close(descriptor)


def test_save__sqlite_writer_turn_held_by_another_process__waits_for_it_then_stores(
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
        step = SessionUpdate("s1", b"state-1", date(2099, 1, 1))
        page = StoredRecord(new_record_id(), sealed)
        writer = threading.Thread(target=lambda: (store.save(step, add=[page]), done.set()))
        # When this process saves a session step with its page
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


def _raised(action) -> Exception:  # type: ignore[no-untyped-def]
    try:
        action()
    except Exception as error:  # noqa: BLE001 - the error itself is what the test looks at
        return error
    raise AssertionError("nothing raised")


def test_is_unavailable__an_outage_or_a_lock_but_not_a_bug(tmp_path: Path) -> None:
    # Given real errors: a SQLite file locked by another writer, a PostgreSQL port nobody
    # listens on, and a query for a table that does not exist
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    waiter = sqlite3.connect(path, timeout=0)
    locked = _raised(lambda: waiter.execute("SELECT 1 FROM sqlite_master").fetchall())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    refused = _raised(lambda: psycopg.connect(f"host=127.0.0.1 port={port} connect_timeout=5"))
    memory = sqlite3.connect(":memory:")
    missing = _raised(lambda: memory.execute("SELECT * FROM nowhere"))
    for connection in (holder, waiter, memory):
        connection.close()
    # Then the lock and the refused connection can pass (a 503: send the page again), the
    # missing table is a bug (a 500)
    assert [is_unavailable(e) for e in (locked, refused, missing)] == [True, True, False]


@pytest.mark.postgres
def test_postgres_connections__bounded_statements_and_tcp_keepalives(postgres_url: str) -> None:
    # Given a store on PostgreSQL whose URL carries options of its own
    store = open_store(postgres_url + "?options=-c%20application_name%3Dsurvey")
    try:
        # When each of its pools opens a connection (session reads and steps; everything else)
        store.get_session("nobody")
        with store._statements.connection() as conn:  # type: ignore[union-attr]
            statements = conn.execute("SHOW statement_timeout").fetchone()[0]  # type: ignore[index]
            parameters = [conn.info.get_parameters()]
        with store._engine.connect() as conn:
            other = conn.exec_driver_sql("SHOW statement_timeout").scalar_one()
            name = conn.exec_driver_sql("SHOW application_name").scalar_one()
            parameters.append(conn.connection.driver_connection.info.get_parameters())  # type: ignore[union-attr]
    finally:
        store.close()
    # Then both bound a statement's time, keep their TCP connections alive and keep the URL's
    # own options
    assert [statements, other, name] == ["10s", "10s", "survey"]
    for used in parameters:
        assert used["keepalives"] == "1"
        assert [used[f"keepalives_{p}"] for p in ("idle", "interval", "count")] == ["5", "5", "3"]
        assert used["tcp_user_timeout"] == "20000"
        assert used["connect_timeout"] == "10"


@pytest.mark.postgres
def test_postgres_migration__waits_for_another_collector_past_the_statement_timeout(
    postgres_url: str,
) -> None:
    # Given a collector that holds the migration lock longer than a statement may run
    engine = create_engine(postgres_url)
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as holder:
        holder.execute("SET statement_timeout = 0")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (0x68656C70,))
        # When another collector opens the store meanwhile
        opened: list[object] = []
        thread = threading.Thread(target=lambda: opened.append(_raised_or(lambda: migrate(engine))))
        thread.start()
        thread.join(timeout=12)  # longer than STATEMENT_TIMEOUT_S
        still_waiting = thread.is_alive()
        holder.rollback()
    thread.join(timeout=60)
    engine.dispose()
    # Then it waited for the lock and migrated once it was released (no statement timeout)
    assert still_waiting
    assert opened == [None]


def _raised_or(call: Any) -> object:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - the test compares it
        return error
