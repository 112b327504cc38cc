"""The sealed store: sealed records and tombstones under random ids, sealed session states and the
rows of respondent codes (SQLAlchemy Core).

SQLite (WAL, synchronous=FULL: a page is acknowledged only after its commit is durable) or
PostgreSQL via psycopg for several collectors. Holds no plaintext column and no time finer than a
date. Every write moves one session with a compare-and-set on its sealed state, so two submissions
of one page cannot both count (issue 12). Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any, Self

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from helpseek.problems import InputError, problem
from helpseek.settings import DatePrecision
from helpseek.store import codes
from helpseek.store.codes import ResumeRow
from helpseek.store.engine import StatementPool, WriterTurns, create_engine, migrate
from helpseek.store.groups import Groups
from helpseek.store.locations import safe_url
from helpseek.store.schema import sealed_records, session_states, tombstones
from helpseek.store.sealing import SealedRecord
from helpseek.store.steps import Step, postgres_reads, postgres_steps, sqlite_steps

#: Record ids are drawn at random from 1 .. 2**63 - 1: they say nothing about arrival order, and
#: records copied from several stores into one keep their ids (issue 12).
RECORD_ID_LIMIT = 2**63 - 1

_SQLITE_SELECT_SESSION = (
    "SELECT sealed FROM session_states WHERE session_id = ? AND expires_on >= ?"
)


def new_record_id() -> int:
    """A random record id (1 .. 2**63 - 1)."""
    return secrets.randbelow(RECORD_ID_LIMIT) + 1


@dataclass(frozen=True)
class StoredRecord:
    """One sealed record under its random id: what a session step adds and what export reads."""

    record_id: int
    sealed: SealedRecord


@dataclass(frozen=True)
class SessionUpdate:
    """The next sealed state of one session, and the sealed state it must replace.

    `replaces` is the state as read before the step (compare-and-set); None creates the session.
    """

    session_id: str
    blob: bytes
    expires_on: date
    replaces: bytes | None = None


class Store:
    """An open sealed store. Safe to share between threads; one per process.

    `today` is the clock (a date, never a time), replaceable in tests; `date_precision` "month"
    stores every record on the first day of its month.
    """

    def __init__(
        self,
        engine: Engine,
        today: Callable[[], date] = date.today,
        date_precision: DatePrecision = "day",
    ) -> None:
        self._engine = engine
        # SQLite has one writer at a time, and a connection that finds the file locked sleeps in
        # growing steps (up to 100 ms) before it tries again; so writers take turns before they
        # meet SQLite's lock: the threads of one process and the processes sharing the file
        # (`serve --workers N`). PostgreSQL needs no turns.
        self._write_lock: AbstractContextManager[Any] = (
            WriterTurns(engine.url.database or "")
            if engine.dialect.name == "sqlite"
            else nullcontext()
        )
        self._today = today
        self._date_precision = date_precision
        self._purged_on: date | None = None
        # The threads' steps share commits: SQLite one transaction and one fsync a group,
        # PostgreSQL one statement (one round trip, one WAL flush) a group; PostgreSQL's session
        # reads go in groups too, one SELECT each; both straight through psycopg on their own
        # pool, one connection for each group thread (issue 16).
        self._statements: StatementPool | None = None
        self._reads: Groups[tuple[str, date], bytes | None] | None = None
        self._steps: Groups[Step, bool]
        if engine.dialect.name == "sqlite":
            self._steps = Groups(sqlite_steps(self._sqlite_writing), "helpseek-commit")
        else:
            self._statements = StatementPool(engine)
            self._steps = Groups(postgres_steps(self._statements), "helpseek-steps")
            self._reads = Groups(postgres_reads(self._statements), "helpseek-reads")
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._copy_record = (  # built once: building and compiling one per call costs CPU
            dialect.insert(sealed_records).on_conflict_do_nothing().returning(sealed_records.c.id)
        )

    def today(self) -> date:
        """The store's clock: today's date (replaceable in tests), never a time."""
        return self._today()

    @property
    def url(self) -> str:
        """The database URL with any password hidden (safe to print)."""
        return self._engine.url.render_as_string(hide_password=True)

    def save(
        self,
        update: SessionUpdate,
        add: Sequence[StoredRecord] = (),
        drop: Sequence[int] = (),
    ) -> bool:
        """`submit`, waiting for its result."""
        return self.submit(update, add, drop).result()

    def submit(
        self,
        update: SessionUpdate,
        add: Sequence[StoredRecord] = (),
        drop: Sequence[int] = (),
    ) -> Future[bool]:
        """Move one session to its next state and, in the same transaction, store the records
        `add` and delete the records `drop` (spent fillers). The future resolves to True once all
        of it is durable. It resolves from the store's group thread (the steps queued meanwhile
        are committed with it), so the caller may await it without holding a thread.

        Compare-and-set: when the session's stored state is no longer `update.replaces` (another
        submission of the same page moved it first, or it expired), or a new session's id is
        taken, nothing is written and the future resolves to False.

        | `update.replaces` | stored state           | result                     |
        | ----------------- | ---------------------- | -------------------------- |
        | None              | none                   | True: session + records    |
        | None              | any                    | False, nothing written     |
        | the state read    | still that state       | True: all of it, one fsync |
        | the state read    | another state, or none | False, nothing written     |
        """
        for record in add:
            if not isinstance(record.sealed, SealedRecord):
                raise TypeError("Store.save stores SealedRecords from sealing.seal_page")
        self._purge_expired_sessions()
        step = Step(
            update.session_id,
            update.blob,
            update.expires_on,
            update.replaces,
            tuple((r.record_id, r.sealed.data) for r in add),
            tuple(drop),
            self._stored_on(),
        )
        return self._steps.submit(step)

    def insert_resume(self, row: ResumeRow) -> None:
        """Store a paused session's resume row, in a transaction of its own: the session's own
        row is not written when it is paused, so nothing ties the two (issue 14)."""
        with self._writing() as conn:
            codes.insert_resume(conn, row)

    def get_resume(self, lookup: bytes) -> bytes | None:
        """The sealed row of a resume code that has not expired, or None."""
        with self._engine.connect() as conn:
            return codes.get_resume(conn, lookup, self._today())

    def swap_resume(self, replaces: bytes, row: ResumeRow) -> bool:
        """Compare-and-set a resume code's row (marking it used); False when it changed."""
        with self._writing() as conn:
            return codes.swap_resume(conn, replaces, row)

    def withdraw(self, lookup: bytes, tombstone: StoredRecord, expires_on: date) -> bool:
        """Store a sealed tombstone and mark its withdrawal code used (until `expires_on`), in one
        transaction; False, and nothing written, when the code was used before."""
        if not isinstance(tombstone.sealed, SealedRecord):
            raise TypeError("Store.withdraw stores a SealedRecord from sealing.seal_page")
        with self._writing() as conn:
            if not codes.spend_withdrawal(conn, lookup, expires_on):
                return False
            codes.insert_tombstone(
                conn, tombstone.record_id, tombstone.sealed.data, self._stored_on()
            )
        return True

    def is_withdrawn(self, lookup: bytes) -> bool:
        """Whether the withdrawal code with this lookup was used (and has not expired yet)."""
        with self._engine.connect() as conn:
            return codes.is_withdrawn(conn, lookup)

    def append(self, records: Sequence[StoredRecord]) -> int:
        """Store sealed records that belong to no session step, under their ids and dated today;
        a record whose id is already stored is skipped. Returns how many were stored."""
        for record in records:
            if not isinstance(record.sealed, SealedRecord):
                raise TypeError("Store.append stores SealedRecords from sealing.seal_page")
        stored_on = self._stored_on()
        with self._writing() as conn:
            return sum(
                conn.execute(
                    self._copy_record,
                    {"id": r.record_id, "sealed": r.sealed.data, "stored_on": stored_on},
                ).scalar_one_or_none()
                is not None
                for r in records
            )

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a busy
        store waits up to the busy timeout instead of failing when a read lock cannot be
        upgraded (SQLITE_BUSY in WAL mode when another writer committed in between)."""
        with self._write_lock:  # the turn first: a thread waiting for it holds no connection
            immediate = self._engine.connect().execution_options(helpseek_immediate=True)
            with immediate as conn, conn.begin():
                yield conn

    @contextmanager
    def _sqlite_writing(self) -> Iterator[Any]:
        """SQLite's write turn on the sqlite3 connection itself: BEGIN IMMEDIATE .. COMMIT."""
        with self._write_lock:
            raw = self._engine.raw_connection()
            try:
                connection = raw.driver_connection
                connection.execute("BEGIN IMMEDIATE")
                try:
                    yield connection
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            finally:
                raw.close()

    def get_session(self, session_id: str) -> bytes | None:
        """The sealed state of a session, or None if unknown or expired."""
        if self._reads is not None:  # PostgreSQL: with the reads queued meanwhile (issue 16)
            return self._reads.submit((session_id, self._today())).result()
        raw = self._engine.raw_connection()  # straight to sqlite3: a third of the CPU
        try:
            row = raw.driver_connection.execute(
                _SQLITE_SELECT_SESSION, (session_id, self._today().isoformat())
            ).fetchone()
        finally:
            raw.close()
        return None if row is None else bytes(row[0])

    def delete_session(self, session_id: str) -> None:
        """Forget a session's state; unknown ids are ignored."""
        with self._writing() as conn:
            conn.execute(sa.delete(session_states).where(session_states.c.session_id == session_id))

    def purge_expired_sessions(self) -> int:
        """Delete every session state, resume code and spent withdrawal code whose expiry date
        has passed; returns how many sessions."""
        with self._writing() as conn:
            result = conn.execute(
                sa.delete(session_states).where(session_states.c.expires_on < self._today())
            )
            codes.purge_expired(conn, self._today())
        self._purged_on = self._today()
        return int(result.rowcount)

    def iter_records(self) -> Iterator[StoredRecord]:
        """Every sealed record in id order (which is no order in time), streamed (for export)."""
        query = sa.select(sealed_records.c.id, sealed_records.c.sealed).order_by(
            sealed_records.c.id
        )
        with self._engine.connect() as conn:
            for record_id, blob in conn.execution_options(yield_per=500).execute(query):
                yield StoredRecord(int(record_id), SealedRecord(bytes(blob)))

    def iter_tombstones(self) -> Iterator[StoredRecord]:
        """Every sealed tombstone in id order, streamed (for export)."""
        query = sa.select(tombstones.c.id, tombstones.c.sealed).order_by(tombstones.c.id)
        with self._engine.connect() as conn:
            for record_id, blob in conn.execution_options(yield_per=500).execute(query):
                yield StoredRecord(int(record_id), SealedRecord(bytes(blob)))

    def count_records(self) -> int:
        """How many sealed records the store holds (pages and fillers: they look alike)."""
        return self._count(sealed_records)

    def count_tombstones(self) -> int:
        return self._count(tombstones)

    def _count(self, table: sa.Table) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())

    def connections_allowed(self) -> int | None:
        """PostgreSQL: how many connections the server accepts from roles that are not
        superusers (max_connections less superuser_reserved_connections); None on SQLite."""
        if self._engine.dialect.name != "postgresql":
            return None
        query = sa.text(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
        )
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def close(self) -> None:
        self._steps.close()
        if self._reads is not None:
            self._reads.close()
        if self._statements is not None:
            self._statements.close()
        self._engine.dispose()
        if isinstance(self._write_lock, WriterTurns):
            self._write_lock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _purge_expired_sessions(self) -> None:
        if self._purged_on != self._today():  # at most once a day per process
            self.purge_expired_sessions()

    def _stored_on(self) -> date:
        today = self._today()
        return today.replace(day=1) if self._date_precision == "month" else today


def open_store(
    url: str,
    today: Callable[[], date] = date.today,
    date_precision: DatePrecision = "day",
    *,
    must_exist: bool = False,
) -> Store:
    """Open (creating and migrating as needed) the store at `url`.

    `sqlite:///responses.db` or `postgresql+psycopg://user@host:port/db`; raises InputError
    (STORE-001 bad URL, STORE-002 cannot connect, STORE-003 schema newer than this helpseek,
    STORE-010 with `must_exist` a SQLite file that is not there, STORE-011 no scheme).
    """
    engine = create_engine(url, must_exist)
    try:
        migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InputError([problem("STORE-002", url=safe_url(url), reason=reason)]) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, today, date_precision)
