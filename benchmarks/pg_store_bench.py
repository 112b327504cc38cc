"""The PostgreSQL store's own cost of a survey page: one session read and one step (compare-and-set,
two records added, one filler dropped), from `--threads` threads at once, as a server's handler
threads call them (issue 16).

Measured in one run on one throwaway PostgreSQL server, alternating `--repeats` times:
- the store as it is (`Store.get_session` + `Store.save`: psycopg straight, on a psycopg_pool);
- the baseline: the same statements through SQLAlchemy as the store ran them before (a pooled
  `Connection` of an AUTOCOMMIT engine, `exec_driver_sql`, text parameters);
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
from rows import Row, emit
from scaling_bench import new_database, throwaway_postgres
from serverload import cpu_seconds, process_stats

from helpseek.store import SessionUpdate, Store, StoredRecord, new_record_id, open_store
from helpseek.store.sealing import AGE_MAGIC, SealedRecord
from helpseek.store.steps import _CREATE, _SWAP, Step

STATE_BYTES = 4136  # a sealed session state of help_us_help_you (padded to at least 4 KiB)
RECORD_BYTES = 1300  # a sealed page record of the same questionnaire (1,237-1,408 bytes)
SESSIONS_A_THREAD = 4


@dataclass(frozen=True)
class Cost:
    """One path's figures: CPU ms a page in this process and in PostgreSQL, pages a second."""

    ours_ms: float
    server_ms: float
    rate: float


class SqlalchemyPath:
    """The baseline: a session read and a step as the store ran them before psycopg_pool."""

    def __init__(self, url: str) -> None:
        self.engine = sa.create_engine(url, pool_size=40, max_overflow=10)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._select = sa.text(
            "SELECT sealed FROM session_states WHERE session_id = :s AND expires_on >= :d"
        )

    def get_session(self, session_id: str) -> bytes | None:
        with self._autocommit.connect() as conn:
            blob = conn.execute(self._select, {"s": session_id, "d": date.today()}).scalar()
        return None if blob is None else bytes(blob)

    def save(self, update: SessionUpdate, add: list[StoredRecord], drop: list[int]) -> bool:
        step = Step(
            update.session_id,
            update.blob,
            update.expires_on,
            update.replaces,
            tuple((r.record_id, r.sealed.data) for r in add),
            tuple(drop),
            date.today(),
        )
        sql = (_CREATE if step.replaces is None else _SWAP).replace(")b", ")s")
        parameters = {
            "session_id": step.session_id,
            "sealed": step.blob,
            "expires_on": step.expires_on,
            "replaces": step.replaces,
            "stored_on": step.stored_on,
            "ids": [record_id for record_id, _ in step.records],
            "blobs": [sealed for _, sealed in step.records],
            "drop": list(step.drop),
        }
        with self._autocommit.connect() as conn:
            return bool(conn.exec_driver_sql(sql, parameters).scalar_one())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument(
        "--pages", type=int, default=300, help="pages a thread, each path, each run"
    )
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    costs: dict[str, list[Cost]] = {"store": [], "sqlalchemy": [], "sqlite": []}
    with tempfile.TemporaryDirectory() as scratch, throwaway_postgres() as postgres:
        folder, number = Path(scratch), 0
        for _ in range(args.repeats):
            for path, measured in costs.items():
                number += 1
                kind = "sqlite" if path == "sqlite" else "postgres"
                url = new_database(kind, folder, postgres, number)
                with open_store(url) as store:
                    target: Any = SqlalchemyPath(url) if path == "sqlalchemy" else store
                    measured.append(_measure(target, store, args.threads, args.pages))
                    if isinstance(target, SqlalchemyPath):
                        target.engine.dispose()
                last = measured[-1]
                print(
                    f"{path:<10} {last.rate:7.0f} pages/s, CPU a page: {last.ours_ms:.3f} ms here, "
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

    store, before, sqlite = (median(p, "ours_ms") for p in ("store", "sqlalchemy", "sqlite"))
    server, server_before = median("store", "server_ms"), median("sqlalchemy", "server_ms")
    what = f"PostgreSQL store: a session read + a step, {threads} threads"
    emit(
        Row(
            what=f"{what}, CPU in our process",
            figure=store,
            baseline=before,
            unit="ms",
            baseline_is="through SQLAlchemy (before)",
            ratio=store / before,
            goal="-",
            met=None,
            note=f"PostgreSQL's own CPU {server:.2f} ms (before {server_before:.2f} ms); "
            f"pages/s {median('store', 'rate'):.0f} (before {median('sqlalchemy', 'rate'):.0f})",
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
