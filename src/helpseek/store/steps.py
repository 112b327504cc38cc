"""How a store writes session steps (a compare-and-set of one session's state, the records it adds
and the fillers it drops), all or nothing and durable before the caller acknowledges the page, and
how PostgreSQL reads sessions: in groups (`groups.Groups`), one thread a process (issue 16).

SQLite has one writer at a time and one fsync per commit: the steps queued in a process share a
transaction, each in its own savepoint, so one fsync makes a whole group durable
(`sqlite_steps`). On PostgreSQL a round trip and a commit (a WAL flush) cost more than a step's
work: the queued steps go in one statement in autocommit (`postgres_steps`), and the queued
session reads in one SELECT (`postgres_reads`), straight through psycopg with the blobs in
binary. Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from helpseek.store.engine import StatementPool, is_unavailable
from helpseek.store.groups import RunGroup

_Item = TypeVar("_Item")
_Outcome = TypeVar("_Outcome")


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


def sqlite_steps(write_turn: Callable[[], AbstractContextManager[Any]]) -> RunGroup[Step, bool]:
    """SQLite: a group of steps in one transaction, one fsync. `write_turn` yields the sqlite3
    connection inside BEGIN IMMEDIATE and commits on exit (the processes sharing the file take
    turns there). Each step runs in its own savepoint: a failing step is rolled back alone and
    its error goes to its own caller. The statements go to sqlite3 directly: through SQLAlchemy
    a step cost ~1 ms of CPU, five times SQLite's own work with its fsync."""

    def run(steps: Sequence[Step]) -> list[bool | Exception]:
        outcomes: list[bool | Exception] = []
        with write_turn() as connection:
            for step in steps:
                connection.execute("SAVEPOINT step")
                try:
                    outcomes.append(_apply_sqlite(connection, step))
                except Exception as error:  # noqa: BLE001 - handed to that step's caller
                    connection.execute("ROLLBACK TO step")
                    outcomes.append(error)
                connection.execute("RELEASE step")
        return outcomes

    return run


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


# The steps of a group in one statement. The sessions move first (compare-and-set); then only the
# records of the steps whose session moved are added and only their spent fillers deleted.
# PostgreSQL runs the WITH parts on one snapshot and passes rows between them only through
# RETURNING. Two steps of one session in a group: the UPDATE moves its row once, from the step
# whose `replaces` is the stored state (of two that both match, one), and RETURNING names it.
# The compare-and-set is IS NOT DISTINCT FROM (the same as = on these NOT NULL columns) so that
# it is a filter on the row found by session id: as `=` PostgreSQL may make it a hash join key
# and then reads and hashes every stored session's 4 KiB state (from TOAST) on every step.
_POSTGRES_STEPS = """
WITH swapped AS (
    UPDATE session_states s SET sealed = u.sealed, expires_on = u.expires_on
    FROM unnest(
        %(swap_steps)b::int[], %(swap_ids)b::text[], %(swap_blobs)b::bytea[],
        %(swap_expires)b::date[], %(swap_replaces)b::bytea[]
    ) AS u(step, session_id, sealed, expires_on, replaces)
    WHERE s.session_id = u.session_id AND s.sealed IS NOT DISTINCT FROM u.replaces
    RETURNING u.step
), created AS (
    INSERT INTO session_states (session_id, sealed, expires_on)
    SELECT * FROM unnest(%(new_ids)b::text[], %(new_blobs)b::bytea[], %(new_expires)b::date[])
    ON CONFLICT DO NOTHING
    RETURNING session_id
), moved AS (
    SELECT step FROM swapped
    UNION ALL
    SELECT c.step
    FROM unnest(%(new_steps)b::int[], %(new_ids)b::text[]) AS c(step, session_id)
    JOIN created USING (session_id)
), added AS (
    INSERT INTO sealed_records (id, sealed, stored_on)
    SELECT r.id, r.sealed, r.stored_on
    FROM unnest(
        %(add_steps)b::int[], %(add_ids)b::bigint[], %(add_blobs)b::bytea[],
        %(add_dates)b::date[]
    ) AS r(step, id, sealed, stored_on)
    WHERE r.step IN (SELECT step FROM moved)
    RETURNING 1
), dropped AS (
    DELETE FROM sealed_records
    WHERE id IN (
        SELECT d.id FROM unnest(%(drop_steps)b::int[], %(drop_ids)b::bigint[]) AS d(step, id)
        WHERE d.step IN (SELECT step FROM moved)
    )
    RETURNING 1
)
SELECT step FROM moved
"""

_POSTGRES_READS = """
SELECT u.n, s.sealed
FROM unnest(%(ids)b::text[], %(days)b::date[]) WITH ORDINALITY AS u(session_id, day, n)
JOIN session_states s USING (session_id)
WHERE s.expires_on >= u.day
"""


def postgres_steps(connections: StatementPool) -> RunGroup[Step, bool]:
    """PostgreSQL: a group of steps in one statement on an autocommit connection: one round trip
    and one commit (one WAL flush) for the group, durable when it returns under the default
    synchronous_commit. Blobs go in binary: no hex text to encode here and decode in the server.

    A step whose new session id another step of the group creates first does not move (as it
    would not a moment later). When the statement fails for any reason but the database not
    answering (a record id already stored, say), each step is sent again on its own, so the
    faulty one gets its error and the others their outcome."""

    def one_statement(steps: Sequence[Step]) -> list[bool | Exception]:
        with connections.connection() as conn:
            rows = conn.execute(_POSTGRES_STEPS, _step_columns(steps)).fetchall()
        moved = {step for (step,) in rows}
        return [n in moved for n in range(len(steps))]

    return _one_by_one_after_error(one_statement)


def postgres_reads(connections: StatementPool) -> RunGroup[tuple[str, date], bytes | None]:
    """PostgreSQL: a group of session reads (a session id and the day it must not have expired
    before) in one SELECT, without BEGIN/ROLLBACK: each one's sealed state, or None."""

    def one_statement(reads: Sequence[tuple[str, date]]) -> list[bytes | None | Exception]:
        parameters = {"ids": [i for i, _ in reads], "days": [d for _, d in reads]}
        with connections.connection() as conn:
            rows = conn.execute(_POSTGRES_READS, parameters, binary=True).fetchall()
        found = {int(n): bytes(sealed) for n, sealed in rows}
        return [found.get(n) for n in range(1, len(reads) + 1)]

    return _one_by_one_after_error(one_statement)


def _step_columns(steps: Sequence[Step]) -> dict[str, list[Any]]:
    """The group's rows as the columns `_POSTGRES_STEPS` unnests, each row tagged with its
    step's place in the group. Of two steps creating one session only the first is sent."""
    swaps, creates, created = [], [], set()
    for n, step in enumerate(steps):
        if step.replaces is not None:
            swaps.append((n, step.session_id, step.blob, step.expires_on, step.replaces))
        elif step.session_id not in created:
            created.add(step.session_id)
            creates.append((n, step.session_id, step.blob, step.expires_on))
    adds = [(n, i, b, s.stored_on) for n, s in enumerate(steps) for i, b in s.records]
    drops = [(n, i) for n, s in enumerate(steps) for i in s.drop]
    return {
        **_columns(swaps, "swap_steps swap_ids swap_blobs swap_expires swap_replaces"),
        **_columns(creates, "new_steps new_ids new_blobs new_expires"),
        **_columns(adds, "add_steps add_ids add_blobs add_dates"),
        **_columns(drops, "drop_steps drop_ids"),
    }


def _columns(rows: list[tuple[Any, ...]], names: str) -> dict[str, list[Any]]:
    """Rows as named columns.

    >>> _columns([(1, "a"), (2, "b")], "n id"), _columns([], "n id")
    ({'n': [1, 2], 'id': ['a', 'b']}, {'n': [], 'id': []})
    """
    return {name: [row[k] for row in rows] for k, name in enumerate(names.split())}


def _one_by_one_after_error(
    one_statement: RunGroup[_Item, _Outcome],
) -> RunGroup[_Item, _Outcome]:
    """`one_statement` for the whole group; if it fails and the database did answer (the error
    is one item's, not a lost connection), each item again on its own: its outcome or its own
    error. A lost connection fails the whole group (every caller gets it, the web shell's 503;
    sending again is safe through the compare-and-set)."""

    def run(items: Sequence[_Item]) -> list[_Outcome | Exception]:
        try:
            return one_statement(items)
        except Exception as error:
            if len(items) == 1 or is_unavailable(error):
                raise
        return [_alone(one_statement, item) for item in items]

    return run


def _alone(one_statement: RunGroup[_Item, _Outcome], item: _Item) -> _Outcome | Exception:
    try:
        return one_statement([item])[0]
    except Exception as error:  # noqa: BLE001 - handed to that item's caller
        return error
