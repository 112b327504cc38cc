"""PostgreSQL's groups (issue 16): the steps a process queues while a group is under way go to the
server in one statement (one commit), the session reads in one SELECT; each keeps its own outcome,
and what is stored is what was sent."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta

import psycopg
import pytest

from helpseek.store import ResearchKeypair, SessionUpdate, is_unavailable, open_store
from helpseek.store.steps import Step

from .records import DAY, LATER, sealed_record, stored_texts

pytestmark = pytest.mark.postgres

SESSIONS = 8


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@contextmanager
def _holding(url: str, lock_sql: str) -> Iterator[None]:
    """Another client's transaction holding a lock (`lock_sql`) until the block ends."""
    other = psycopg.connect(_dsn(url))
    try:
        other.execute(lock_sql)
        yield
    finally:
        with contextlib.suppress(psycopg.OperationalError):  # the server may have stopped
            other.rollback()
        other.close()


def _wait_for_a_blocked_query(url: str) -> None:
    """Return once one of the store's statements waits for a lock another client holds."""
    deadline = time.monotonic() + 30
    with psycopg.connect(_dsn(url), autocommit=True) as watcher:
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND backend_type = 'client backend'"
            ).fetchone()
            if waiting and waiting[0] > 0:
                return
            time.sleep(0.02)
    raise AssertionError("no statement of the store waited for the lock")


def _step(n: int, blob: bytes, replaces: bytes | None, records=(), drop=()) -> Step:
    added = tuple((r.record_id, r.sealed.data) for r in records)
    return Step(f"s{n}", blob, LATER, replaces, added, tuple(drop), DAY)


def test_postgres_steps__queued_while_a_group_runs__one_statement_stored_exactly_as_sent(
    postgres_url: str, research_key: ResearchKeypair
) -> None:
    # Given sessions with a filler each, and another client holding the row of session s0
    with open_store(postgres_url, today=lambda: DAY) as store:
        fillers = [sealed_record(research_key, f"filler of s{n}") for n in range(SESSIONS)]
        for n in range(SESSIONS):
            assert store.save(SessionUpdate(f"s{n}", b"state-0", LATER), add=[fillers[n]])
        steps = store._steps
        groups_before = steps.groups
        pages = [sealed_record(research_key, f"page 1 of s{n}") for n in range(SESSIONS)]

        def submit(n: int):  # the page replaces the session's filler
            update = SessionUpdate(f"s{n}", f"state-1-{n}".encode(), LATER, b"state-0")
            return store.submit(update, add=[pages[n]], drop=[fillers[n].record_id])

        lock = "SELECT 1 FROM session_states WHERE session_id = 's0' FOR UPDATE"
        with _holding(postgres_url, lock):
            first = submit(0)
            _wait_for_a_blocked_query(postgres_url)
            # When the other steps are handed to the store while the first group waits
            rest = [submit(n) for n in range(1, SESSIONS)]
            time.sleep(0.2)
            # Then none is acknowledged before its group committed
            assert not first.done() and not any(f.done() for f in rest)
        # And once the lock is gone every step moved its session, in two groups in all
        assert first.result(timeout=30) and all(f.result(timeout=30) for f in rest)
        assert steps.groups - groups_before == 2
        assert [store.get_session(f"s{n}") for n in range(SESSIONS)] == [
            f"state-1-{n}".encode() for n in range(SESSIONS)
        ]
        # And the records stored are the pages sent, the fillers they replaced are gone
        assert stored_texts(store, research_key) == sorted(
            f"page 1 of s{n}" for n in range(SESSIONS)
        )


def test_postgres_steps__two_steps_of_one_session_in_a_group__only_the_matching_one_moves(
    postgres_url: str, research_key: ResearchKeypair
) -> None:
    with open_store(postgres_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("s0", b"state-0", LATER))
        steps = store._steps
        # Given a group holding a step from the stored state and one from a stale state
        page_a, page_b = sealed_record(research_key, "a"), sealed_record(research_key, "b")
        group = [_step(0, b"A", b"state-0", [page_a]), _step(0, b"B", b"stale", [page_b])]
        # Then only the first moves, and only its page is stored
        assert steps.run(group) == [True, False]
        assert store.get_session("s0") == b"A"
        # Given two steps from the same stored state in one group (a page sent twice)
        page_c, page_d = sealed_record(research_key, "c"), sealed_record(research_key, "d")
        group = [_step(0, b"C", b"A", [page_c]), _step(0, b"D", b"A", [page_d])]
        # Then exactly one moves the session and stores its page
        outcome = steps.run(group)
        assert sorted(outcome) == [False, True]
        winner = "c" if outcome[0] else "d"
        assert store.get_session("s0") == winner.upper().encode()
        assert stored_texts(store, research_key) == ["a", winner]
        # And of two steps creating one new session in a group, the first creates it
        page_e, page_f = sealed_record(research_key, "e"), sealed_record(research_key, "f")
        group = [_step(1, b"E", None, [page_e]), _step(1, b"F", None, [page_f])]
        assert steps.run(group) == [True, False]
        assert store.get_session("s1") == b"E"
        assert stored_texts(store, research_key) == sorted(["a", winner, "e"])


def test_postgres_steps__server_stops_mid_group__every_step_gets_the_error_and_resent_they_store(
    own_postgres, research_key: ResearchKeypair
) -> None:
    url = own_postgres.create_database("outage")
    store = open_store(url, today=lambda: DAY)
    try:
        for n in range(SESSIONS):
            assert store.save(SessionUpdate(f"s{n}", b"state-0", LATER))
        pages = [sealed_record(research_key, f"page of s{n}") for n in range(SESSIONS)]
        group = [_step(n, b"state-1", b"state-0", [pages[n]]) for n in range(SESSIONS)]
        # Given a group of steps under way, its statement waiting for another client's lock
        lock = "SELECT 1 FROM session_states WHERE session_id = 's0' FOR UPDATE"
        with ThreadPoolExecutor(1) as pool, _holding(url, lock):
            running = pool.submit(store._steps.run, group)
            _wait_for_a_blocked_query(url)
            # When PostgreSQL stops (fast: every connection is cut)
            own_postgres.stop()
            outcomes = running.result(timeout=60)
        # Then every step of the group gets the database's error: the calm 503, not "saved"
        assert len(outcomes) == SESSIONS
        assert all(isinstance(o, Exception) and is_unavailable(o) for o in outcomes)
        # And once it is back, the same steps sent again are each stored once, as sent
        own_postgres.start()
        for n in range(SESSIONS):
            page = pages[n]
            assert store.save(SessionUpdate(f"s{n}", b"state-1", LATER, b"state-0"), add=[page])
    finally:
        store.close()
    with open_store(url) as reader:  # a new client: the old one's other pool saw the outage
        assert stored_texts(reader, research_key) == sorted(
            f"page of s{n}" for n in range(SESSIONS)
        )


def test_postgres_reads__queued_while_a_read_runs__one_select_each_gets_its_own_state(
    postgres_url: str,
) -> None:
    # Given stored sessions, one of them expired, and another client locking the table
    with open_store(postgres_url, today=lambda: DAY) as store:
        for n in range(SESSIONS):
            assert store.save(SessionUpdate(f"s{n}", f"state-{n}".encode(), LATER))
        assert store.save(SessionUpdate("old", b"expired", DAY - timedelta(days=1)))
        reads = store._reads
        assert reads is not None
        groups_before = reads.groups
        wanted = [f"s{n}" for n in range(SESSIONS)] + ["old", "unknown", "s0"]
        with (
            ThreadPoolExecutor(len(wanted)) as threads,
            _holding(postgres_url, "LOCK TABLE session_states IN ACCESS EXCLUSIVE MODE"),
        ):
            first = threads.submit(store.get_session, wanted[0])
            _wait_for_a_blocked_query(postgres_url)
            # When other threads read sessions while the first read waits
            rest = [threads.submit(store.get_session, w) for w in wanted[1:]]
            time.sleep(0.2)
            assert not first.done()
        # Then each gets its own session's state (None for the expired and the unknown one),
        # from two SELECTs in all
        got = [first.result(timeout=30)] + [f.result(timeout=30) for f in rest]
        assert got == [f"state-{n}".encode() for n in range(SESSIONS)] + [None, None, b"state-0"]
        assert reads.groups - groups_before == 2


def test_postgres__a_store_of_many_threads__keeps_two_statement_connections(
    postgres_url: str, research_key: ResearchKeypair
) -> None:
    # Given 32 threads reading and stepping sessions at once
    with open_store(postgres_url, today=lambda: DAY) as store:
        assert store.save(SessionUpdate("first", b"state-0", LATER))  # today's purge: done
        start = threading.Barrier(32)

        def answer(n: int) -> bool:
            start.wait()
            assert store.save(SessionUpdate(f"s{n}", b"state-0", LATER))
            state = store.get_session(f"s{n}")
            page = sealed_record(research_key, f"page of s{n}")
            return store.save(SessionUpdate(f"s{n}", b"state-1", LATER, state), add=[page])

        with ThreadPoolExecutor(32) as threads:
            assert all(threads.map(answer, range(32)))
        # Then the session reads and steps used at most two connections (one a group thread)
        with psycopg.connect(_dsn(postgres_url), autocommit=True) as admin:
            count = admin.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert count is not None and count[0] <= 2 + 1  # + SQLAlchemy's, for the purge
        assert stored_texts(store, research_key) == sorted(f"page of s{n}" for n in range(32))
