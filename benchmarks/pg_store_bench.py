"""The PostgreSQL store's own cost of a survey page: one session read and one step (compare-and-set,
two records added, one filler dropped), from `--threads` threads at once, as a server's handler
threads call them (issue 16).

Measured in one run on one throwaway PostgreSQL server, alternating `--repeats` times:
- the store as it is (`Store.get_session` + `Store.save`: the reads and the steps that the threads
  queue meanwhile go in one SELECT and one statement, psycopg straight, two connections);
- the baseline: the store before its groups (each thread its own pooled connection, one SELECT
  and one autocommit statement a page, psycopg straight on a psycopg_pool of 40);
- SQLite's store (group commit) with the same threads, for scale.
For each: CPU ms a page in this process (all threads, from os.times) and in the PostgreSQL server
(the postmaster's children, from /proc), and pages a second. HTTP, sealing and rendering are not
in it: those are `post_bench.py`'s.

    .venv/bin/python benchmarks/pg_store_bench.py [--threads 16] [--pages 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from psycopg_pool import ConnectionPool
from rows import Row, emit
from scaling_bench import new_database, throwaway_postgres
from serverload import cpu_seconds, process_stats

from helpseek.store import SessionUpdate, Store, StoredRecord, new_record_id, open_store
from helpseek.store.sealing import AGE_MAGIC, SealedRecord

STATE_BYTES = 4136  # a sealed session state of help_us_help_you (padded to at least 4 KiB)
RECORD_BYTES = 1300  # a sealed page record of the same questionnaire (1,237-1,408 bytes)
SESSIONS_A_THREAD = 4


@dataclass(frozen=True)
class Cost:
    """One path's figures: CPU ms a page in this process and in PostgreSQL, pages a second."""

    ours_ms: float
    server_ms: float
    rate: float


# The step as one statement (the store's path before its groups): the session moves, and only if
# it did are the records added and the spent fillers deleted.
_ADD_AND_DROP = """
, added AS (
    INSERT INTO sealed_records (id, sealed, stored_on)
    SELECT r.id, r.sealed, %(stored_on)s
    FROM unnest(%(ids)b::bigint[], %(blobs)b::bytea[]) AS r(id, sealed)
    WHERE EXISTS (SELECT 1 FROM moved)
    RETURNING 1
), dropped AS (
    DELETE FROM sealed_records
    WHERE id = ANY(%(drop)b::bigint[]) AND EXISTS (SELECT 1 FROM moved)
    RETURNING 1
)
SELECT count(*) FROM moved
"""
_SWAP = (
    """
WITH moved AS (
    UPDATE session_states SET sealed = %(sealed)b, expires_on = %(expires_on)s
    WHERE session_id = %(session_id)s AND sealed = %(replaces)b
    RETURNING 1
)"""
    + _ADD_AND_DROP
)
_CREATE = (
    """
WITH moved AS (
    INSERT INTO session_states (session_id, sealed, expires_on)
    VALUES (%(session_id)s, %(sealed)b, %(expires_on)s)
    ON CONFLICT DO NOTHING
    RETURNING 1
)"""
    + _ADD_AND_DROP
)


class OneStatementPath:
    """The baseline: each thread reads its session and writes its step on a pooled connection
    of its own (40 a process), one autocommit statement each, as the store did before."""

    def __init__(self, url: str) -> None:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        self.pool = ConnectionPool(dsn, kwargs={"autocommit": True}, min_size=1, max_size=40)

    def get_session(self, session_id: str) -> bytes | None:
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT sealed FROM session_states WHERE session_id = %s AND expires_on >= %s",
                (session_id, date.today()),
                binary=True,
            ).fetchone()
        return None if row is None else bytes(row[0])

    def save(self, update: SessionUpdate, add: list[StoredRecord], drop: list[int]) -> bool:
        parameters = {
            "session_id": update.session_id,
            "sealed": update.blob,
            "expires_on": update.expires_on,
            "replaces": update.replaces,
            "stored_on": date.today(),
            "ids": [r.record_id for r in add],
            "blobs": [r.sealed.data for r in add],
            "drop": list(drop),
        }
        sql = _CREATE if update.replaces is None else _SWAP
        with self.pool.connection() as conn:
            row = conn.execute(sql, parameters).fetchone()
        return row is not None and bool(row[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument(
        "--pages", type=int, default=300, help="pages a thread, each path, each run"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    costs: dict[str, list[Cost]] = {"store": [], "one statement": [], "sqlite": []}
    with tempfile.TemporaryDirectory() as scratch, throwaway_postgres() as postgres:
        folder, number = Path(scratch), 0
        for _ in range(args.repeats):
            for path, measured in costs.items():
                number += 1
                kind = "sqlite" if path == "sqlite" else "postgres"
                url = new_database(kind, folder, postgres, number)
                with open_store(url) as store:
                    target: Any = OneStatementPath(url) if path == "one statement" else store
                    measured.append(_measure(target, store, args.threads, args.pages))
                    if isinstance(target, OneStatementPath):
                        target.pool.close()
                last = measured[-1]
                print(
                    f"{path:<13} {last.rate:7.0f} pages/s, CPU a page: {last.ours_ms:.3f} ms here, "
                    f"{last.server_ms:.3f} ms in PostgreSQL",
                    flush=True,
                )
    _rows(costs, args.threads)


def _measure(target: Any, store: Store, threads: int, pages: int) -> Cost:
    """Pages (a read and a step each) from `threads` threads at once, after a warm-up round."""
    postmaster = _postmaster(store)
    expires = date.today() + timedelta(days=30)
    sessions = [f"bench-{n}" for n in range(threads * SESSIONS_A_THREAD)]
    for session_id in sessions:
        assert target.save(SessionUpdate(session_id, _state(), expires), [_record()], [])
    _run_threads(threads, lambda k: _answer(target, sessions[k::threads], 10, expires))
    mine, theirs = os.times(), _server_cpu(postmaster)
    started = time.perf_counter()
    _run_threads(threads, lambda k: _answer(target, sessions[k::threads], pages, expires))
    wall = time.perf_counter() - started
    after, n = os.times(), threads * pages
    ours = after.user + after.system - mine.user - mine.system
    return Cost(1000 * ours / n, 1000 * (_server_cpu(postmaster) - theirs) / n, n / wall)


def _answer(target: Any, sessions: list[str], pages: int, expires: date) -> None:
    last: dict[str, int] = {}
    for page in range(pages):
        session_id = sessions[page % len(sessions)]
        state = target.get_session(session_id)
        records = [_record(), _record()]
        drop = [last[session_id]] if session_id in last else []
        update = SessionUpdate(session_id, _state(), expires, state)
        if not target.save(update, records, drop):
            raise RuntimeError(f"session {session_id} did not move")
        last[session_id] = records[1].record_id


def _run_threads(threads: int, work: Callable[[int], None]) -> None:
    running = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()


def _state() -> bytes:
    return os.urandom(STATE_BYTES)


def _record() -> StoredRecord:
    return StoredRecord(new_record_id(), SealedRecord(AGE_MAGIC + os.urandom(RECORD_BYTES)))


def _postmaster(store: Store) -> int | None:
    """The PostgreSQL server's postmaster pid (None for SQLite), from its data directory."""
    if not store.url.startswith("postgresql"):
        return None
    engine = sa.create_engine(store.url)
    with engine.connect() as conn:
        data = conn.execute(sa.text("SHOW data_directory")).scalar_one()
    engine.dispose()
    return int((Path(data) / "postmaster.pid").read_text().split()[0])


def _server_cpu(postmaster: int | None) -> float:
    """CPU seconds of the postmaster and its live children (backends, WAL writer...)."""
    if postmaster is None:
        return 0.0
    return sum(
        cpu_seconds(fields)
        for pid, fields in process_stats()
        if pid == postmaster or int(fields[1]) == postmaster
    )


def _rows(costs: dict[str, list[Cost]], threads: int) -> None:
    def median(path: str, figure: str) -> float:
        return statistics.median(getattr(c, figure) for c in costs[path])

    store, before, sqlite = (median(p, "ours_ms") for p in ("store", "one statement", "sqlite"))
    server, server_before = median("store", "server_ms"), median("one statement", "server_ms")
    what = f"PostgreSQL store: a session read + a step, {threads} threads"
    emit(
        Row(
            what=f"{what}, CPU in our process",
            figure=store,
            baseline=before,
            unit="ms",
            baseline_is="one statement a step, a connection a thread (before)",
            ratio=store / before,
            goal="-",
            met=None,
            note=f"PostgreSQL's own CPU {server:.2f} ms (before {server_before:.2f} ms); "
            f"pages/s {median('store', 'rate'):.0f} (before {median('one statement', 'rate'):.0f})",
        )
    )
    emit(
        Row(
            what=f"{what}, CPU in our process against SQLite's store",
            figure=store,
            baseline=sqlite,
            unit="ms",
            baseline_is="SQLite (group commit)",
            ratio=store / sqlite,
            goal="-",
            met=None,
            note=f"plus PostgreSQL's own CPU {server:.2f} ms a page on the same cores",
        )
    )


if __name__ == "__main__":
    main()
