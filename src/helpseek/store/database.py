"""The sealed store: append-only sealed records and sealed session states (SQLAlchemy Core).

SQLite (WAL, synchronous=FULL: a page is acknowledged only after its commit is durable) or
PostgreSQL via psycopg for several collectors. Holds no plaintext column and no time finer than a
date. Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from helpseek.problems import InputError, problem
from helpseek.settings import DatePrecision
from helpseek.store.locations import (
    check_sqlite_exists,
    create_private_file,
    parse_database_url,
    safe_url,
)
from helpseek.store.sealing import SealedRecord

_MIGRATIONS = Path(__file__).parent / "migrations"
#: Several writer processes share one SQLite file; without a wait, 44-91 % of concurrent inserts
#: failed with "database is locked" (notes/storage-and-tor.md §2).
SQLITE_BUSY_TIMEOUT_MS = 5000
# An arbitrary constant so that collectors starting together migrate one at a time (PostgreSQL).
_MIGRATION_LOCK_ID = 0x68656C70

metadata = sa.MetaData()
sealed_records = sa.Table(
    "sealed_records",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("submission_key", sa.LargeBinary(32), nullable=False, unique=True),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("stored_on", sa.Date, nullable=False),
)
session_states = sa.Table(
    "session_states",
    metadata,
    sa.Column("session_id", sa.String(128), primary_key=True),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False, index=True),
)


@dataclass(frozen=True)
class SessionUpdate:
    """The next sealed in-progress state of one session, saved together with a page."""

    session_id: str
    blob: bytes
    expires_on: date


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
            _WriterTurns(engine.url.database or "")
            if engine.dialect.name == "sqlite"
            else nullcontext()
        )
        self._today = today
        self._date_precision = date_precision
        self._purged_on: date | None = None
        # Built once: building and compiling a statement per page cost more CPU than SQLite.
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._insert_page = (
            dialect.insert(sealed_records)
            .on_conflict_do_nothing()
            .returning(sealed_records.c.id)  # rowcount is not reliable on every driver
        )
        upsert = dialect.insert(session_states)
        self._upsert_session = upsert.on_conflict_do_update(
            index_elements=[session_states.c.session_id],
            set_={"sealed": upsert.excluded.sealed, "expires_on": upsert.excluded.expires_on},
        )
        self._select_session = sa.select(session_states.c.sealed).where(
            session_states.c.session_id == sa.bindparam("session_id"),
            session_states.c.expires_on >= sa.bindparam("today"),
        )

    @property
    def url(self) -> str:
        """The database URL with any password hidden (safe to print)."""
        return self._engine.url.render_as_string(hide_password=True)

    def append(
        self, sealed: SealedRecord, submission_key: bytes, session: SessionUpdate | None = None
    ) -> bool:
        """Store one sealed page, durably; False (and nothing stored) if that key was stored before.

        Returns only after the commit, so the web shell may acknowledge the page when it returns.
        With `session`, the session's next sealed state is saved in the same transaction: the page
        is stored if and only if the respondent's state moves on (and it costs one fsync, not two).
        """
        if not isinstance(sealed, SealedRecord):
            raise TypeError("Store.append takes a SealedRecord from sealing.seal_page")
        if not submission_key:
            raise ValueError("submission_key must be non-empty random bytes")
        row = {
            "submission_key": hashlib.sha256(submission_key).digest(),
            "sealed": sealed.data,
            "stored_on": self._stored_on(),
        }
        if session is not None:
            self._purge_expired_sessions()
        with self._writing() as conn:
            stored = conn.execute(self._insert_page, row).scalar_one_or_none() is not None
            if session is not None:
                conn.execute(self._upsert_session, _session_row(session))
        return stored

    def put_session(self, session_id: str, blob: bytes, expires_on: date) -> None:
        """Create or replace the sealed in-progress state of one session."""
        self._purge_expired_sessions()
        with self._writing() as conn:
            conn.execute(
                self._upsert_session, _session_row(SessionUpdate(session_id, blob, expires_on))
            )

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A write transaction. On SQLite it takes the write lock at BEGIN (IMMEDIATE), so a busy
        store waits up to the busy timeout instead of failing when a read lock cannot be
        upgraded (SQLITE_BUSY in WAL mode when another writer committed in between)."""
        immediate = self._engine.connect().execution_options(helpseek_immediate=True)
        with self._write_lock, immediate as conn, conn.begin():
            yield conn

    def get_session(self, session_id: str) -> bytes | None:
        """The sealed state of a session, or None if unknown or expired."""
        with self._engine.connect() as conn:
            blob = conn.execute(
                self._select_session, {"session_id": session_id, "today": self._today()}
            ).scalar_one_or_none()
        return None if blob is None else bytes(blob)

    def delete_session(self, session_id: str) -> None:
        """Forget a session's state (at the end of a response); unknown ids are ignored."""
        with self._writing() as conn:
            conn.execute(sa.delete(session_states).where(session_states.c.session_id == session_id))

    def purge_expired_sessions(self) -> int:
        """Delete every session state whose expiry date has passed; returns how many."""
        with self._writing() as conn:
            result = conn.execute(
                sa.delete(session_states).where(session_states.c.expires_on < self._today())
            )
        self._purged_on = self._today()
        return int(result.rowcount)

    def iter_records(self) -> Iterator[SealedRecord]:
        """Every sealed record, oldest first, streamed (for export)."""
        query = sa.select(sealed_records.c.sealed).order_by(sealed_records.c.id)
        with self._engine.connect() as conn:
            for (blob,) in conn.execution_options(yield_per=500).execute(query):
                yield SealedRecord(bytes(blob))

    def count_records(self) -> int:
        with self._engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(sealed_records)).scalar_one()
            )

    def close(self) -> None:
        self._engine.dispose()
        if isinstance(self._write_lock, _WriterTurns):
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


class _WriterTurns:
    """Writers of one SQLite file take turns: a thread lock in this process, then an exclusive
    flock on `<database>-writer` shared by every process that opens the file. A process waiting
    for the flock wakes the moment it is released (SQLite's busy handler sleeps and polls), and
    the kernel drops the flock of a process that dies, so a crash never leaves it held."""

    def __init__(self, database: str) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}-writer"
        self._descriptor: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            if self._descriptor is None:
                self._descriptor = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._descriptor, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *exc: object) -> None:
        try:
            if self._descriptor is not None:
                fcntl.flock(self._descriptor, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def close(self) -> None:
        with self._threads:
            if self._descriptor is not None:
                os.close(self._descriptor)
                self._descriptor = None


def _session_row(session: SessionUpdate) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "sealed": session.blob,
        "expires_on": session.expires_on,
    }


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
    engine = _create_engine(url, must_exist)
    try:
        _migrate(engine)
    except DBAPIError as error:
        engine.dispose()
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        raise InputError([problem("STORE-002", url=safe_url(url), reason=reason)]) from None
    except BaseException:
        engine.dispose()
        raise
    return Store(engine, today, date_precision)


def head_revision() -> str:
    """The newest schema revision this helpseek knows."""
    head = _script().get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


def _create_engine(url: str, must_exist: bool) -> Engine:
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise InputError([problem("STORE-001", url=safe_url(url))])
        if must_exist:
            check_sqlite_exists(parsed, url)
        create_private_file(Path(parsed.database))
        engine = sa.create_engine(parsed)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        return sa.create_engine(parsed, pool_pre_ping=True)
    raise InputError([problem("STORE-001", url=safe_url(url))])


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling skips BEGIN before DDL; take it over so that migrations
    # are atomic and several processes opening one file at once migrate one after the other.
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")  # durable before the respondent sees "saved"
        cursor.execute("PRAGMA secure_delete=ON")  # purged session states are overwritten
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("helpseek_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _enable_wal(cursor: Any) -> None:
    """Switch the file to WAL (persistent). The switch needs an exclusive lock and SQLite does not
    always wait for it with the busy handler when several processes open a new file at once, so
    retry until the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal":
                return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("could not switch the database to WAL mode")
        time.sleep(0.01)


def _migrate(engine: Engine) -> None:
    script = _script()
    with engine.connect().execution_options(helpseek_immediate=True) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        current = _current_revision(conn)
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise InputError(
                [problem("STORE-003", url=engine.url.render_as_string(), revision=current)]
            )
        if current != script.get_current_head():
            config = _config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")


def _current_revision(conn: Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())
