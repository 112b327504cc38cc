"""Aggregate counters of the invitation funnel: (day, variant, language, event, target) -> count.

No query text, no address, no per-person row: one atomic upsert per event, so concurrent requests
never lose a count. SQLAlchemy Core on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Engine,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from helpseek.problems import InputError, problem
from helpseek.store.locations import check_has_scheme, check_sqlite_exists, create_private_file

Event = Literal["impression", "click"]

metadata = MetaData()

# Impressions have target "" and target_kind "": the page was shown, nothing was clicked yet.
invite_counts = Table(
    "invite_counts",
    metadata,
    Column("day", Date, primary_key=True),
    Column("variant", String(64), primary_key=True),
    Column("language", String(16), primary_key=True),
    Column("event", String(16), primary_key=True),
    Column("target", String(64), primary_key=True),
    Column("target_kind", String(16), primary_key=True),
    Column("count", BigInteger, nullable=False),
)
_KEY = ("day", "variant", "language", "event", "target", "target_kind")


@dataclass(frozen=True)
class CountRow:
    """One aggregate cell of the funnel."""

    day: date
    variant: str
    language: str
    event: Event
    target: str
    target_kind: str
    count: int


class CountStore:
    """The funnel counters in one database (tables are created when missing)."""

    def __init__(self, engine: Engine):
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise InputError(
                [problem("INVITE-009", url=str(engine.url), reason="only SQLite and PostgreSQL")]
            )
        self.engine = engine
        metadata.create_all(engine)

    def add(
        self, event_: Event, day: date, variant: str, language: str,
        target: str = "", target_kind: str = "",
    ) -> None:  # fmt: skip
        """Add one to a cell, atomically (INSERT ... ON CONFLICT DO UPDATE count = count + 1)."""
        values = {
            "day": day, "variant": variant, "language": language, "event": event_,
            "target": target, "target_kind": target_kind, "count": 1,
        }  # fmt: skip
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        statement = dialect.insert(invite_counts).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=list(_KEY), set_={"count": invite_counts.c.count + 1}
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def close(self) -> None:
        """Close the pooled connections (the store can still be used; it reconnects)."""
        self.engine.dispose()

    def rows(self) -> Iterator[CountRow]:
        """Every cell, ordered by day, variant, language, event, target."""
        order = [invite_counts.c[name] for name in _KEY]
        with self.engine.connect() as connection:
            for row in connection.execute(select(invite_counts).order_by(*order)):
                yield CountRow(**row._asdict())


def open_counts(url: str, *, must_exist: bool = False) -> CountStore:
    """Open (and create if needed, owner-only) the counters at a database URL such as
    sqlite:///invite.db. With `must_exist`, a missing SQLite file is STORE-010, never created."""
    check_has_scheme(url)  # STORE-011: a bare path, with the sqlite:/// form suggested
    try:
        _prepare_sqlite_file(make_url(url), url, must_exist)
    except ArgumentError:
        pass  # reported as INVITE-009 below
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError("only SQLite and PostgreSQL are supported")
        if parsed.drivername == "postgresql":  # psycopg 3 is the driver helpseek installs
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = create_engine(parsed, **_engine_options(url))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_wal)
        store = CountStore(engine)
    except (ArgumentError, NoSuchModuleError, SQLAlchemyError, ValueError, ImportError) as error:
        reason = " ".join(str(error).split())[:200]
        raise InputError([problem("INVITE-009", url=url, reason=reason)]) from None
    return store


def _prepare_sqlite_file(parsed: URL, url: str, must_exist: bool) -> None:
    """A reading command's missing file is STORE-010; a new file is created owner-only (0600)."""
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if must_exist:
        check_sqlite_exists(parsed, url)
    try:
        create_private_file(Path(str(parsed.database)))
    except InputError as error:
        reason = error.problems[0].message
        raise InputError([problem("INVITE-009", url=url, reason=reason)]) from None


def _engine_options(url: str) -> dict[str, Any]:
    if not url.startswith("sqlite"):
        return {"pool_pre_ping": True}
    # Many threads (a WSGI server) share one file: wait for the write lock instead of failing,
    # and use WAL so readers do not block the writer.
    return {"connect_args": {"timeout": 30, "check_same_thread": False}}


def _sqlite_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
