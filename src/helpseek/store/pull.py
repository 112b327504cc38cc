"""`helpseek pull`: move sealed records and tombstones from a collector's store into a research
archive, batch by batch, each batch verified before the collector lets go of it (issue 14).

One batch, in this order:

1. read up to `batch_size` rows after the last id from the collector (without `purge`, only rows
   not marked pulled: a second pull reads and copies only what arrived since the first);
2. insert them into the archive, skipping ids the archive holds already, and commit;
3. read them back from the archive and compare every row's SHA-256 with the collector's;
4. only then delete them from the collector (`purge`) or mark them pulled (`pulled_on`), and commit.

A kill at any point leaves every row in the collector, in the archive or in both — never in
neither, never twice (ids are primary keys) — and running again finishes the job: step 2 skips what
is there and step 3 still checks it. Nothing is decrypted. Must not import the crypto library.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from helpseek.problems import InputError, problem
from helpseek.store.database import Store
from helpseek.store.schema import sealed_records, tombstones

DEFAULT_BATCH = 500
#: Called after each batch with (rows done, rows the collector held when the pull began).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TableCount:
    """One table's pull: rows read from the collector, newly copied into the archive, found in
    the archive already (an interrupted pull), verified by SHA-256, and removed from the collector
    (purged) or marked pulled."""

    read: int = 0
    copied: int = 0
    already: int = 0
    verified: int = 0
    removed: int = 0

    def __add__(self, other: TableCount) -> TableCount:
        return TableCount(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


@dataclass(frozen=True)
class PullResult:
    """What one pull did: per table counts, and whether the collector's copies were purged."""

    records: TableCount
    tombstones: TableCount
    purged: bool


def pull(
    collector: Store,
    archive: Store,
    *,
    purge: bool,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> PullResult:
    """Copy every sealed record and tombstone of `collector` into `archive`, verify the copies,
    and delete them from the collector (`purge`) or mark them pulled.

    Raises InputError: PULL-001 when both are one store, PULL-002 when a copy does not match
    (that batch and everything after it stay on the collector), PULL-003 for a batch size < 1.
    """
    if batch_size < 1:
        raise InputError([problem("PULL-003", size=batch_size)])
    if _same_store(collector, archive):
        raise InputError([problem("PULL-001", url=collector.url)])
    total = sum(_to_read(collector, table, purge) for table in (sealed_records, tombstones))
    done = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(done, max(total, done))

    counts = [
        _pull_table(collector, archive, table, purge, batch_size, advance)
        for table in (sealed_records, tombstones)
    ]
    if purge:
        _checkpoint(collector)
    return PullResult(counts[0], counts[1], purge)


def _pull_table(
    collector: Store,
    archive: Store,
    table: sa.Table,
    purge: bool,
    batch_size: int,
    advance: Callable[[int], None],
) -> TableCount:
    total = TableCount()
    after = 0
    while True:
        rows = _read_batch(collector, table, after, batch_size, unpulled_only=not purge)
        if not rows:
            return total
        copied = _copy(archive, table, rows)
        _verify(archive, table, rows)
        removed = _let_go(collector, table, [r["id"] for r in rows], purge)
        total = total + TableCount(len(rows), copied, len(rows) - copied, len(rows), removed)
        after = rows[-1]["id"]
        advance(len(rows))


def _read_batch(
    store: Store, table: sa.Table, after: int, size: int, *, unpulled_only: bool
) -> list[dict[str, Any]]:
    """The next rows after id `after`; without purge only those not pulled yet (a pull copies
    what arrived since the last one), with purge all of them (each verified again before it is
    deleted)."""
    where = [table.c.id > after]
    if unpulled_only:
        where.append(table.c.pulled_on.is_(None))
    query = (
        sa.select(table.c.id, table.c.sealed, table.c.stored_on)
        .where(*where)
        .order_by(table.c.id)
        .limit(size)
    )
    with store._engine.connect() as conn:
        return [
            {"id": int(i), "sealed": bytes(s), "stored_on": d} for i, s, d in conn.execute(query)
        ]


def _to_read(store: Store, table: sa.Table, purge: bool) -> int:
    query = sa.select(sa.func.count()).select_from(table)
    if not purge:
        query = query.where(table.c.pulled_on.is_(None))
    with store._engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _copy(archive: Store, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """Insert the rows the archive does not hold yet (by id), in one transaction; how many."""
    dialect = sqlite if archive._engine.dialect.name == "sqlite" else postgresql
    insert = dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
    with archive._writing() as conn:
        return sum(conn.execute(insert, row).scalar_one_or_none() is not None for row in rows)


def _verify(archive: Store, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Every row is in the archive with the same bytes (SHA-256), or PULL-002 names the first."""
    wanted = {r["id"]: hashlib.sha256(r["sealed"]).digest() for r in rows}
    query = sa.select(table.c.id, table.c.sealed).where(table.c.id.in_(list(wanted)))
    with archive._engine.connect() as conn:
        found = {int(i): hashlib.sha256(bytes(s)).digest() for i, s in conn.execute(query)}
    bad = sorted(i for i, digest in wanted.items() if found.get(i) != digest)
    if bad:
        raise InputError(
            [
                problem(
                    "PULL-002",
                    table=table.name,
                    id=bad[0],
                    n=len(bad),
                    archive=archive.url,
                )
            ]
        )


def _let_go(collector: Store, table: sa.Table, ids: Sequence[int], purge: bool) -> int:
    """Delete the verified rows from the collector, or mark them pulled today; how many."""
    where = table.c.id.in_(list(ids))
    with collector._writing() as conn:
        if purge:
            return int(conn.execute(sa.delete(table).where(where)).rowcount)
        statement = (
            sa.update(table)
            .where(where, table.c.pulled_on.is_(None))
            .values(pulled_on=collector.today())
        )
        return int(conn.execute(statement).rowcount)


def _checkpoint(collector: Store) -> None:
    """SQLite: copy the write-ahead log into the file and truncate it, so the log's older page
    images of purged rows go too (secure_delete has zeroed the rows in the file's pages)."""
    if collector._engine.dialect.name == "sqlite":
        raw = collector._engine.raw_connection()  # outside any transaction (autocommit)
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()


def _same_store(a: Store, b: Store) -> bool:
    """Both open one database: the same SQLite file, or the same PostgreSQL database."""
    url_a, url_b = a._engine.url, b._engine.url
    if url_a.get_backend_name() != url_b.get_backend_name():
        return False
    if url_a.get_backend_name() == "sqlite":
        path_a, path_b = url_a.database or "", url_b.database or ""
        try:
            return os.path.samefile(path_a, path_b)
        except OSError:
            return os.path.realpath(path_a) == os.path.realpath(path_b)
    return (url_a.host, url_a.port or 5432, url_a.database, url_a.query.get("host")) == (
        url_b.host,
        url_b.port or 5432,
        url_b.database,
        url_b.query.get("host"),
    )


def _fields(count: TableCount) -> tuple[int, ...]:
    return (count.read, count.copied, count.already, count.verified, count.removed)
