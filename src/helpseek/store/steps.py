"""How a store writes session steps (a compare-and-set of one session's state, the records it adds
and the fillers it drops), all or nothing and durable before the caller acknowledges the page.

SQLite has one writer at a time and one fsync per commit: `GroupCommit` lets the threads of a
process share a transaction, so one fsync makes a whole group of steps durable. PostgreSQL commits
in parallel, and a round trip to it costs more than the work: `OneStatement` writes a step as one
statement in autocommit (one round trip instead of six), straight through psycopg with the blobs
in binary. Issue 16; must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
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


@dataclass(eq=False)
class _Pending:
    """A step queued for the next group commit, and what became of it."""

    step: Step
    done: bool = False
    moved: bool = False
    error: BaseException | None = None


class GroupCommit:
    """SQLite: the steps of this process's threads are committed in groups, one fsync a group.

    A thread queues its step and waits for the leader's turn; the thread that gets it (the leader)
    takes every step queued so far, applies each in its own savepoint (a failing step does not
    undo the others), commits once and wakes their threads. A step counts as stored only after
    the commit that holds it has returned, so nothing is acknowledged before it is durable.
    `write_turn` yields the sqlite3 connection inside BEGIN IMMEDIATE and commits on exit (the
    processes sharing the file take turns there). The statements go to sqlite3 directly:
    through SQLAlchemy a step cost ~1 ms of CPU, five times SQLite's own work with its fsync.
    """

    def __init__(self, write_turn: Callable[[], Any]) -> None:
        self._write_turn = write_turn
        self._leader = threading.Lock()
        self._queued: list[_Pending] = []
        self._queue_lock = threading.Lock()
        #: Commits and steps so far (for benchmarks and tests).
        self.commits = 0
        self.steps = 0

    def save(self, step: Step) -> bool:
        pending = _Pending(step)
        with self._queue_lock:
            self._queued.append(pending)
        with self._leader:
            if not pending.done:
                with self._queue_lock:
                    group, self._queued = self._queued, []
                self._commit(group)
        if pending.error is not None:
            raise pending.error
        return pending.moved

    def save_group(self, steps: list[Step]) -> list[bool | Exception]:
        """Commit `steps` as one group now (what a leader does): for each, whether its session
        moved, or the error that step alone raised."""
        group = [_Pending(step) for step in steps]
        with self._leader:
            self._commit(group)
        return [p.error if isinstance(p.error, Exception) else p.moved for p in group]

    def _commit(self, group: list[_Pending]) -> None:
        try:
            with self._write_turn() as connection:
                for pending in group:
                    connection.execute("SAVEPOINT step")
                    try:
                        pending.moved = _apply_sqlite(connection, pending.step)
                    except Exception as error:  # noqa: BLE001 - handed to that step's caller
                        connection.execute("ROLLBACK TO step")
                        pending.error = error
                    connection.execute("RELEASE step")
            self.commits += 1
            self.steps += len(group)
        except BaseException as error:
            for pending in group:  # the commit failed: none of the group is stored
                pending.moved, pending.error = False, pending.error or error
            raise
        finally:
            for pending in group:
                pending.done = True


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
