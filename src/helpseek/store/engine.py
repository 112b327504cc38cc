"""Opening a store's database: URL checks, SQLite's per-connection settings and the writers' turns,
and the schema migrations (Alembic) that run inside `open_store`.

Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from psycopg_pool import ConnectionPool, PoolTimeout
from sqlalchemy.engine import Connection, Engine

from helpseek.problems import InputError, problem
from helpseek.store.locations import (
    check_sqlite_exists,
    create_private_file,
    parse_database_url,
    safe_url,
)

_MIGRATIONS = Path(__file__).parent / "migrations"
#: Several writer processes share one SQLite file; without a wait, 44-91 % of concurrent inserts
#: failed with "database is locked" (notes/storage-and-tor.md §2).
SQLITE_BUSY_TIMEOUT_MS = 5000
#: Connections a process keeps: one per thread that may query at once (the web shell's 40
#: step threads, web/app.py STEP_THREADS). With 15 (SQLAlchemy's default) 36% of the
#: threads' time went to waiting for a connection (issue 16). Connections open only when needed.
#: On PostgreSQL SQLAlchemy's pool keeps `POSTGRES_OTHER_CONNECTIONS` for what is not a session
#: read or step (codes, withdrawals, export, migrations).
POOL_CONNECTIONS = 40
POOL_OVERFLOW = 10
POSTGRES_OTHER_CONNECTIONS = 5
#: PostgreSQL's session reads and steps: the `StatementPool`'s connections, one for each of the
#: store's two group threads (steps, reads), which send a process's queued requests together.
STATEMENT_CONNECTIONS = 2
#: The most PostgreSQL connections one process opens: the StatementPool's and SQLAlchemy's.
POSTGRES_CONNECTIONS_PER_PROCESS = STATEMENT_CONNECTIONS + 2 * POSTGRES_OTHER_CONNECTIONS
#: A pooled PostgreSQL connection unused for this long is pinged before its next use.
PING_AFTER_IDLE_S = 10.0
#: How long a request waits for a PostgreSQL connection before it is refused (the calm 503 page:
#: the respondent can send the page again, and a page that was stored after all is not stored
#: twice), on both pools (SQLAlchemy's waited 60 s). While the server is down or
#: restarting every page waits this long once; the pool's reconnection attempts (1, 2, 4 s apart)
#: give up after as long, and the next page starts a new one at once, so a server that is back
#: is found within a few seconds, whatever the length of the outage (psycopg_pool's default of
#: 300 s let its back-off grow to 64-128 s between attempts). Also libpq's connect_timeout.
STORE_WAIT_S = 10.0
#: The longest one PostgreSQL statement may run (server side, statement_timeout). A page's step
#: takes about a millisecond, and every other statement (codes, withdrawals, export and pull in
#: batches of 500 rows) well under a second; one still running after 10 s waits on a lock (a
#: session row held by another connection) or on a server that is overloaded, and the respondent
#: is better served by the calm 503 page at once than by a page that hangs until Tor Browser gives
#: up. A cancelled statement is rolled back whole. Migrations run without this limit.
STATEMENT_TIMEOUT_S = 10.0
#: TCP keepalives on PostgreSQL connections (libpq keepalives_idle / interval / count): a server
#: that vanishes without closing the connection (a host that loses power, a cut network: no RST
#: ever arrives) is found after 5 + 3 x 5 = 20 s of silence instead of the kernel's 2 h; and
#: tcp_user_timeout gives up on data the server has not acknowledged after as long.
KEEPALIVE_IDLE_S = 5
KEEPALIVE_INTERVAL_S = 5
KEEPALIVE_COUNT = 3
# An arbitrary constant so that collectors starting together migrate one at a time (PostgreSQL).
_MIGRATION_LOCK_ID = 0x68656C70


class WriterTurns:
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


def files_per_process(url: str) -> int:
    """The most files a store at `url` holds open in one process when its pools are full:
    SQLite opens the database, its -wal and -shm for each connection, and the writers' lock
    file; PostgreSQL one socket a connection.

    >>> files_per_process("sqlite:///responses.db"), files_per_process("postgresql+psycopg://h/db")
    (151, 12)
    """
    if url.startswith("postgresql"):
        return POSTGRES_CONNECTIONS_PER_PROCESS
    return 3 * (POOL_CONNECTIONS + POOL_OVERFLOW) + 1


def create_engine(url: str, must_exist: bool = False) -> Engine:
    """The engine for a store URL; InputError STORE-001 (not a URL helpseek can use), STORE-002
    (cannot create the file), STORE-010 (with `must_exist`, a SQLite file that is not there),
    STORE-011 (no scheme): see store/locations.py."""
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise InputError([problem("STORE-001", url=safe_url(url))])
        if must_exist:
            check_sqlite_exists(parsed, url)
        create_private_file(Path(parsed.database))
        engine = sa.create_engine(parsed, pool_size=POOL_CONNECTIONS, max_overflow=POOL_OVERFLOW)
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg":
        engine = sa.create_engine(
            parsed,
            pool_size=POSTGRES_OTHER_CONNECTIONS,
            max_overflow=POSTGRES_OTHER_CONNECTIONS,
            pool_timeout=STORE_WAIT_S,
            connect_args=postgres_connect_args(parsed.query.get("options")),  # type: ignore[arg-type]
        )
        _ping_when_idle(engine)
        return engine
    raise InputError([problem("STORE-001", url=safe_url(url))])


def postgres_connect_args(url_options: str | None = None) -> dict[str, Any]:
    """libpq's parameters for every PostgreSQL connection of a store: the connect timeout, the
    statement timeout and the TCP keepalives above (a statement or a connection never hangs),
    after the URL's own `options` if it has some.

    >>> postgres_connect_args("-c search_path=survey")["options"]
    '-c search_path=survey -c statement_timeout=10000'
    """
    timeout = f"-c statement_timeout={int(STATEMENT_TIMEOUT_S * 1000)}"
    keepalives_s = KEEPALIVE_IDLE_S + KEEPALIVE_COUNT * KEEPALIVE_INTERVAL_S
    return {
        "connect_timeout": int(STORE_WAIT_S),
        "options": f"{url_options} {timeout}" if url_options else timeout,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_S,
        "keepalives_interval": KEEPALIVE_INTERVAL_S,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": keepalives_s * 1000,
    }


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use only if it sat unused for a while.

    A ping on every checkout (SQLAlchemy's pool_pre_ping) cost a round trip per query, 2 of the
    ~10 a page took; a connection used a moment ago is alive, and one that died since (a restarted
    server) is found by its next query and dropped with the whole pool (issue 16).
    """

    @sa.event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["helpseek_idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("helpseek_idle_since")
        if since is not None and time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.DisconnectionError() from error  # the pool retries with a new one
            raise


#: How PostgreSQL plans the grouped read and step (psycopg prepares them after 5 runs).
STATEMENT_PLANS = "force_generic_plan"


class StatementPool:
    """PostgreSQL: the connections that read sessions and write steps, in autocommit, straight
    through psycopg (`psycopg_pool`), opened on first use.

    Through SQLAlchemy (a pooled `Connection`, its execution context and result, the isolation
    level set and reset at every checkout) a session read and a step cost 0.7 ms of CPU in our
    process; straight through psycopg 0.3 ms (`benchmarks/pg_store_bench.py`, issue 16). Up to
    `STATEMENT_CONNECTIONS`, one for each group thread (store/groups.py); one unused for
    `PING_AFTER_IDLE_S` is pinged before its next use, and one that fails the ping is replaced.
    """

    def __init__(self, engine: Engine) -> None:
        _args, params = engine.dialect.create_connect_args(engine.url)
        params.pop("context", None)  # SQLAlchemy's adapters: psycopg's own suit bytes and dates
        connect = postgres_connect_args(params.get("options"))
        # The two statements, prepared, are planned once a connection (a generic plan) instead
        # of again at most runs for each group size: planning was a quarter of PostgreSQL's
        # time in a step under post_bench's load (issue 16). Their plans find rows by key.
        connect["options"] += f" -c plan_cache_mode={STATEMENT_PLANS}"
        self._params = {**params, **connect, "autocommit": True}
        self._pool: ConnectionPool[psycopg.Connection[Any]] | None = None
        self._opening = threading.Lock()
        self._idle_since: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection in autocommit: each statement commits (durably) on its own.
        PoolTimeout after `STORE_WAIT_S` when none can be had (the server is down)."""
        pool = self._pool or self._open()
        conn = pool.getconn()
        try:
            yield conn
        except psycopg.OperationalError:
            if conn.broken:
                # The server went away (a restart, `pg_ctl stop`): the idle connections went
                # with it. Drop them all now rather than fail one page on each after its return.
                pool.drain()
            raise
        finally:
            self._idle_since[conn] = time.monotonic()
            pool.putconn(conn)

    def close(self) -> None:
        with self._opening:
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    def _open(self) -> ConnectionPool[psycopg.Connection[Any]]:
        with self._opening:
            if self._pool is None:
                self._pool = ConnectionPool(
                    kwargs=self._params,
                    min_size=1,
                    max_size=STATEMENT_CONNECTIONS,
                    # one connection a group thread, so it waits only while the pool grows or
                    # when PostgreSQL is down: then the group is refused (nothing acknowledged)
                    timeout=STORE_WAIT_S,
                    reconnect_timeout=STORE_WAIT_S,
                    check=self._check,
                    name="helpseek-statements",
                    open=True,
                )
            return self._pool

    def _check(self, conn: psycopg.Connection[Any]) -> None:
        """Ping a connection that sat unused a while (a restarted server ends it); the pool
        replaces one that fails. A connection used a moment ago is alive: no round trip."""
        since = self._idle_since.get(conn)
        if since is None or time.monotonic() - since >= PING_AFTER_IDLE_S:
            ConnectionPool.check_connection(conn)


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database could not be reached or did not answer in time: down,
    restarting, out of connections, a statement past `STATEMENT_TIMEOUT_S`, a connection cut, a
    SQLite file locked past its busy timeout or a full disk. The same request can succeed later
    (a 503, not a 500). Whether its write was stored is not known: a connection cut after
    PostgreSQL ran the COMMIT but before its reply arrived leaves it stored. Sending the same page
    again is safe either way: a page's step is a compare-and-set, and a resend of a page that was
    stored shows the next page and stores nothing (web/sessions.py `Saved.done`).

    >>> is_unavailable(PoolTimeout()), is_unavailable(sqlite3.OperationalError("no such table"))
    (True, False)
    """
    if isinstance(error, sa.exc.DBAPIError) and not isinstance(error, sa.exc.OperationalError):
        return False
    cause = error.orig if isinstance(error, sa.exc.DBAPIError) else error
    if isinstance(cause, sqlite3.OperationalError):
        # the same class says "no such table" (a bug or a missing migration: a 500)
        return _SQLITE_UNAVAILABLE.search(str(cause)) is not None
    return isinstance(cause, (PoolTimeout, psycopg.OperationalError, sa.exc.TimeoutError))


_SQLITE_UNAVAILABLE = re.compile(r"locked|busy|disk I/O error|unable to open|disk is full")


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
        cursor.execute("PRAGMA secure_delete=ON")  # purged states and used fillers are overwritten
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


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default), one collector at a time;
    STORE-003 if the database's schema is newer than this helpseek knows."""
    script = _script()
    with engine.connect().execution_options(helpseek_immediate=True) as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            # a collector waits for another's migration, which may rewrite a large table
            conn.execute(sa.text("SET LOCAL statement_timeout = 0"))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
        current = _current_revision(conn)
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise InputError(
                [problem("STORE-003", url=engine.url.render_as_string(), revision=current)]
            )
        target = script.get_current_head() if revision == "head" else revision
        if current != target:
            config = _config()
            config.attributes["connection"] = conn
            command.upgrade(config, revision)


def head_revision() -> str:
    """The newest schema revision this helpseek knows."""
    head = _script().get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


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
