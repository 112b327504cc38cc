"""How session steps are written (issue 16): the threads of a process share commits, SQLite one
transaction and one fsync a group, PostgreSQL one statement a group (and one SELECT for the session
reads queued together); both keep the compare-and-set of issue 12 exact."""

from __future__ import annotations

import os
import re
import sqlite3
import threading

import psycopg
import pytest
import sqlalchemy as sa

from helpseek.store import (
    ResearchKeypair,
    SessionUpdate,
    StoredRecord,
    open_store,
    steps,
)
from helpseek.store import engine as store_engine
from helpseek.store.steps import Step

from .records import DAY, LATER, sealed_record, stored_texts

THREADS = 24


def test_save__many_threads_at_once__every_step_stored_once_exactly_as_sent(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given 24 sessions, each stepped by its own thread from its first state, all at once, and a
    # second (stale) submission of every step racing it
    with open_store(store_url, today=lambda: DAY) as store:
        for n in range(THREADS):
            assert store.save(SessionUpdate(f"s{n}", b"state-0", LATER))
        start = threading.Barrier(2 * THREADS)
        won: dict[tuple[int, int], bool] = {}

        def step(n: int, copy: int) -> None:
            page = sealed_record(research_key, f"page of s{n} from copy {copy}")
            start.wait()
            update = SessionUpdate(f"s{n}", f"state-1-{copy}".encode(), LATER, b"state-0")
            won[(n, copy)] = store.save(update, add=[page])

        threads = [
            threading.Thread(target=step, args=(n, c)) for n in range(THREADS) for c in (0, 1)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Then exactly one submission of each step moved its session, and stored its page only
        winners = {n: c for (n, c), moved in won.items() if moved}
        assert sorted(winners) == list(range(THREADS))
        assert [store.get_session(f"s{n}") for n in range(THREADS)] == [
            f"state-1-{winners[n]}".encode() for n in range(THREADS)
        ]
        assert stored_texts(store, research_key) == sorted(
            f"page of s{n} from copy {winners[n]}" for n in range(THREADS)
        )


def test_group_commit__threads_waiting_for_the_turn__share_commits(
    tmp_path, research_key: ResearchKeypair
) -> None:
    with open_store(f"sqlite:///{tmp_path / 'r.db'}", today=lambda: DAY) as store:
        steps = store._steps
        start = threading.Barrier(THREADS)

        def one(n: int) -> None:
            start.wait()
            store.save(
                SessionUpdate(f"s{n}", b"state-0", LATER), add=[sealed_record(research_key, "x")]
            )

        threads = [threading.Thread(target=one, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert steps.items == THREADS and store.count_records() == THREADS
        assert steps.groups < THREADS  # fsyncs shared; each commit only after its steps ran


def test_group_commit__a_failing_step__fails_alone_and_the_others_commit(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given a group of three steps in one commit, the second adding a record id already stored
    with open_store(store_url, today=lambda: DAY) as store:
        taken = sealed_record(research_key, "already there")
        store.append([taken])
        steps = store._steps

        def step(n: int, record: StoredRecord) -> Step:
            return Step(
                f"s{n}", b"state-0", LATER, None, ((record.record_id, record.sealed.data),), (), DAY
            )

        good = [sealed_record(research_key, "page 0"), sealed_record(research_key, "page 2")]
        group = [step(0, good[0]), step(1, taken), step(2, good[1])]
        results = steps.run(group)
        # Then the second fails with the database's error, the others are stored as sent
        assert results[0] is True and results[2] is True
        assert isinstance(results[1], (sqlite3.IntegrityError, psycopg.IntegrityError))
        assert store.get_session("s1") is None
        assert [store.get_session(f"s{n}") for n in (0, 2)] == [b"state-0", b"state-0"]
        assert stored_texts(store, research_key) == ["already there", "page 0", "page 2"]


@pytest.mark.postgres
def test_postgres__pooled_connections_killed_while_idle__next_step_pings_and_reconnects(
    postgres_url: str, research_key: ResearchKeypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_store(postgres_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s1", b"state-0", LATER))
        # When the server ends every other connection (a restart, an idle timeout)
        admin = sa.create_engine(postgres_url)
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        admin.dispose()
        monkeypatch.setattr(store_engine, "PING_AFTER_IDLE_S", 0.0)  # they have idled "long"
        # Then the next read and step work on new connections
        assert store.get_session("s1") == b"state-0"
        page = sealed_record(research_key, "page")
        assert store.save(SessionUpdate("s1", b"state-1", LATER, b"state-0"), add=[page])
        assert store.get_session("s1") == b"state-1"


def test_save__blobs_of_every_byte_value__stored_and_read_back_byte_for_byte(
    store_url: str, research_key: ResearchKeypair
) -> None:
    # Given session states holding every byte value (NUL, high bytes), as sealed states may, and
    # the steps that create, move (compare-and-set on such a state) and drop what they sent
    first, second = bytes(range(256)) * 17, bytes(range(255, -1, -1)) * 17
    page0, page1 = sealed_record(research_key, "page 0"), sealed_record(research_key, "page 1")
    with open_store(store_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s1", first, LATER), add=[page0])
        assert store.get_session("s1") == first
        stale = SessionUpdate("s1", b"never", LATER, first[:-1] + b"\x00")
        assert not store.save(stale, add=[page1])  # one byte off: not the stored state
        assert store.save(SessionUpdate("s1", second, LATER, first), [page1], [page0.record_id])
        assert store.get_session("s1") == second
    # Then the database holds exactly what was sent, read apart from the store's own path
    engine = sa.create_engine(store_url)
    with engine.connect() as conn:
        states = conn.execute(sa.text("SELECT session_id, sealed FROM session_states")).all()
        records = conn.execute(sa.text("SELECT id, sealed, stored_on FROM sealed_records")).all()
    engine.dispose()
    assert [(s, bytes(b)) for s, b in states] == [("s1", second)]
    assert [(i, bytes(b), str(d)) for i, b, d in records] == [
        (page1.record_id, page1.sealed.data, DAY.isoformat())
    ]


@pytest.mark.postgres
def test_postgres__session_reads_and_steps__use_their_own_pool_in_autocommit(
    postgres_url: str,
) -> None:
    # Given a store whose threads read and step sessions on PostgreSQL
    with open_store(postgres_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s1", b"state-0", LATER))
        statements = store._statements
        assert statements is not None
        # Then a step is committed when save returns: another connection sees it at once
        assert store.save(SessionUpdate("s1", b"state-1", LATER, b"state-0"))
        other = sa.create_engine(postgres_url)
        with other.connect() as conn:
            seen = conn.execute(sa.text("SELECT sealed FROM session_states")).scalar_one()
        other.dispose()
        assert bytes(seen) == b"state-1"
        # And the pool's connections are idle in autocommit between uses
        with statements.connection() as conn:
            assert conn.autocommit
            assert conn.info.transaction_status.name == "IDLE"
            # planning the prepared read and step once, not again for each group size
            assert conn.execute("SHOW plan_cache_mode").fetchone() == ("force_generic_plan",)
    # And closing the store closes the pool
    assert statements._pool is None


def test_group_commit__submit__resolves_only_after_the_commit_is_durable(
    tmp_path, research_key: ResearchKeypair
) -> None:
    # Given another process's connection holding SQLite's write lock
    database = tmp_path / "r.db"
    with open_store(f"sqlite:///{database}", today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s0", b"state-0", LATER))  # the store opened its file
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        # When a step is handed to the store: submit returns at once, with a future
        page = sealed_record(research_key, "page")
        stored = store.submit(SessionUpdate("s1", b"state-0", LATER), add=[page])
        # Then it is not resolved while the commit cannot happen
        assert not stored.done()
        other.execute("ROLLBACK")
        other.close()
        # And once resolved, the step is in the file for any connection to read
        assert stored.result(timeout=30) is True
        reader = sqlite3.connect(database)
        rows = reader.execute(
            "SELECT session_id, sealed FROM session_states WHERE session_id = 's1'"
        )
        assert rows.fetchall() == [("s1", b"state-0")]
        reader.close()


def test_group_commit__the_commit_fails__no_step_of_the_group_acknowledged(
    tmp_path, research_key: ResearchKeypair, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store whose commit cannot get SQLite's write lock (held elsewhere past the wait)
    monkeypatch.setattr(store_engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    database = tmp_path / "r.db"
    with open_store(f"sqlite:///{database}", today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s0", b"state-0", LATER))  # the store opened its file
        other = sqlite3.connect(database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        # When three steps are handed to it
        futures = [
            store.submit(
                SessionUpdate(f"s{n}", b"state-1", LATER, b"state-0" if n == 0 else None),
                add=[sealed_record(research_key, f"page {n}")],
            )
            for n in range(3)
        ]
        # Then every one of them raises the database's error: none is acknowledged or stored
        for future in futures:
            assert isinstance(future.exception(timeout=30), sqlite3.OperationalError)
        other.execute("ROLLBACK")
        other.close()
        assert store.get_session("s0") == b"state-0"
        assert [store.get_session(f"s{n}") for n in (1, 2)] == [None, None]
        assert store.count_records() == 0
        # And the store goes on committing the steps that come after
        assert store.save(SessionUpdate("s0", b"state-1", LATER, b"state-0"))
        assert store.get_session("s0") == b"state-1"


@pytest.mark.postgres
def test_postgres__a_step__reads_its_own_session_not_every_stored_state(
    postgres_url: str, research_key: ResearchKeypair
) -> None:
    # Given 400 stored sessions, each with a 4 KiB state (out of line, in TOAST, as a real one)
    states = {f"s{n}": os.urandom(4136) for n in range(400)}
    dsn = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    with open_store(postgres_url, today=lambda: DAY) as store, psycopg.connect(dsn) as conn:
        conn.execute(
            "INSERT INTO session_states SELECT * FROM unnest(%s::text[], %s::bytea[], %s::date[])",
            (list(states), list(states.values()), [LATER] * len(states)),
        )
        conn.commit()
        # When one session takes a step, through the statement prepared and planned for any
        # group (a generic plan: what the store's prepared statement gets after a few runs)
        page = sealed_record(research_key, "page of s7")
        step = Step(
            "s7", b"state-1", LATER, states["s7"], ((page.record_id, page.sealed.data),), (), DAY
        )
        columns = steps._step_columns([step])
        casts = dict(re.findall(r"%\((\w+)\)b(::\w+\[\])", steps._POSTGRES_STEPS))
        names = list(casts)
        numbered = re.sub(
            r"%\((\w+)\)b", lambda m: f"${names.index(m[1]) + 1}", steps._POSTGRES_STEPS
        )
        conn.execute("SET plan_cache_mode = force_generic_plan")
        conn.execute(f"PREPARE step AS {numbered}")
        explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE step({})"
        arguments = ", ".join(f"%({name})s{cast}" for name, cast in casts.items())
        with psycopg.ClientCursor(conn) as literals:  # EXECUTE's arguments as typed literals
            [[[report]]] = literals.execute(explain.format(arguments), columns).fetchall()
        conn.commit()
        # Then it read a few pages, not every session's state (with the compare-and-set a hash
        # key, PostgreSQL read and hashed all 400: 1,353 buffers here, most of its CPU under load)
        buffers = report["Plan"]["Shared Hit Blocks"] + report["Plan"]["Shared Read Blocks"]
        assert buffers < 200
        # And the step was stored as sent
        assert store.get_session("s7") == b"state-1"
        assert store.get_session("s8") == states["s8"]
        assert stored_texts(store, research_key) == ["page of s7"]
