"""How a store writes session steps (a compare-and-set of one session's state, the records it adds
and the fillers it drops), all or nothing and durable before the caller acknowledges the page.

SQLite has one writer at a time and one fsync per commit: `GroupCommit` lets the threads of a
process share a transaction, so one fsync makes a whole group of steps durable, and a caller can
wait for it without holding a thread (`submit` returns a future). PostgreSQL commits
in parallel, and a round trip to it costs more than the work: `OneStatement` writes a step as one
statement in autocommit (one round trip instead of six), straight through psycopg with the blobs
in binary. Issue 16; must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from typing import Any

from helpseek.store.engine import StatementPool


@dataclass(frozen=True)
class Step:
    """One session step as rows: the state to move to (and the state it replaces, None to
    create the session), the records to add and the record ids to delete."""

    session_id: str
    blob: bytes
    expires_on: date
    replaces: bytes | None
    records: tuple[tuple[int, bytes], ...]
    drop: tuple[int, ...]
    stored_on: date


class GroupCommit:
    """SQLite: the steps of this process's threads are committed in groups, one fsync a group.

    `submit` queues a step and returns at once with a future; one committer thread takes every
    step queued so far, applies each in its own savepoint (a failing step does not undo the
    others), commits once and only then resolves the group's futures: nothing is acknowledged
    before it is durable. A caller need not hold a thread while it waits (the web shell awaits the
    future on its event loop), and no convoy of waiting threads wakes one after another to learn
    that its step was committed. `write_turn` yields the sqlite3 connection inside BEGIN IMMEDIATE
    and commits on exit (the processes sharing the file take turns there). The statements go to
    sqlite3 directly: through SQLAlchemy a step cost ~1 ms of CPU, five times SQLite's own work
    with its fsync.
    """

    def __init__(self, write_turn: Callable[[], Any]) -> None:
        self._write_turn = write_turn
        self._queued: list[tuple[Step, Future[bool]]] = []
        self._wake = threading.Condition(threading.Lock())
        self._committer: threading.Thread | None = None
        self._is_closed = False
        #: Commits and steps so far (for benchmarks and tests).
        self.commits = 0
        self.steps = 0

    def submit(self, step: Step) -> Future[bool]:
        """Queue `step` for the next group; the future tells whether its session moved once the
        commit that holds it has returned, or raises what that step or its commit raised."""
        future: Future[bool] = Future()
        future.set_running_or_notify_cancel()  # a caller that stops waiting cannot cancel it
        with self._wake:
            if self._is_closed:
                raise RuntimeError("the store is closed")
            self._queued.append((step, future))
            if self._committer is None:  # started on first use: after any fork of `serve`
                self._committer = threading.Thread(
                    target=self._commit_queued, name="helpseek-commit", daemon=True
                )
                self._committer.start()
            self._wake.notify()
        return future

    def save(self, step: Step) -> bool:
        return self.submit(step).result()

    def save_group(self, steps: list[Step]) -> list[bool | Exception]:
        """Commit `steps` as one group now, in this thread: for each, whether its session moved,
        or the error that step alone raised."""
        group: list[tuple[Step, Future[bool]]] = [(step, Future()) for step in steps]
        self._commit(group)
        return [
            error if isinstance(error := future.exception(), Exception) else future.result()
            for _, future in group
        ]

    def close(self) -> None:
        """Commit what is queued, then stop the committer thread."""
        with self._wake:
            self._is_closed = True
            self._wake.notify()
            committer = self._committer
        if committer is not None:
            committer.join()

    def _commit_queued(self) -> None:
        while True:
            with self._wake:
                while not self._queued and not self._is_closed:
                    self._wake.wait()
                if not self._queued:
                    return
                group, self._queued = self._queued, []
            try:
                self._commit(group)
            except Exception:  # noqa: BLE001, S112 - handed to every step's caller; keep committing
                continue

    def _commit(self, group: list[tuple[Step, Future[bool]]]) -> None:
        outcomes: list[bool | Exception] = []
        try:
            with self._write_turn() as connection:
                for step, _ in group:
                    connection.execute("SAVEPOINT step")
                    try:
                        outcomes.append(_apply_sqlite(connection, step))
                    except Exception as error:  # noqa: BLE001 - handed to that step's caller
                        connection.execute("ROLLBACK TO step")
                        outcomes.append(error)
                    connection.execute("RELEASE step")
        except BaseException as error:
            for _, future in group:  # the commit failed: none of the group is stored
                future.set_exception(error)
            raise
        self.commits += 1
        self.steps += len(group)
        for (_, future), outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)


_SQLITE_CREATE = (
    "INSERT INTO session_states (session_id, sealed, expires_on) VALUES (?, ?, ?) "
    "ON CONFLICT DO NOTHING RETURNING session_id"
)
_SQLITE_SWAP = (
    "UPDATE session_states SET sealed = ?, expires_on = ? WHERE session_id = ? AND sealed = ? "
    "RETURNING session_id"
)
_SQLITE_ADD = "INSERT INTO sealed_records (id, sealed, stored_on) VALUES (?, ?, ?)"
_SQLITE_DROP = "DELETE FROM sealed_records WHERE id = ?"


def _apply_sqlite(connection: Any, step: Step) -> bool:
    """One step inside the group's transaction: False if the session did not move (and then
    nothing else is written). Dates are ISO text, as SQLAlchemy's Date stores them in SQLite."""
    expires, stored_on = step.expires_on.isoformat(), step.stored_on.isoformat()
    if step.replaces is None:
        row = (step.session_id, step.blob, expires)
        moved = connection.execute(_SQLITE_CREATE, row).fetchone() is not None
    else:
        swap = (step.blob, expires, step.session_id, step.replaces)
        moved = connection.execute(_SQLITE_SWAP, swap).fetchone() is not None
    if not moved:
        return False
    connection.executemany(_SQLITE_ADD, [(i, b, stored_on) for i, b in step.records])
    connection.executemany(_SQLITE_DROP, [(i,) for i in step.drop])
    return True


# One statement: the session moves (compare-and-set), and only if it did are the records added
# and the spent fillers deleted. PostgreSQL runs the WITH parts on one snapshot and passes rows
# between them only through RETURNING, which is what the EXISTS tests read.
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


class OneStatement:
    """PostgreSQL: each step is one statement on an autocommit connection (atomic, one round trip,
    durable when it returns under the default synchronous_commit). Blobs go in binary: no hex
    text to encode here and decode in the server."""

    def __init__(self, connections: StatementPool) -> None:
        self._connections = connections

    def submit(self, step: Step) -> Future[bool]:
        """`save` in this thread (PostgreSQL commits in parallel), as a future resolved already."""
        future: Future[bool] = Future()
        try:
            future.set_result(self.save(step))
        except Exception as error:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(error)
        return future

    def save(self, step: Step) -> bool:
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
        sql = _CREATE if step.replaces is None else _SWAP
        with self._connections.connection() as conn:
            row = conn.execute(sql, parameters).fetchone()
        return row is not None and bool(row[0])
