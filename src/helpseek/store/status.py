"""`helpseek status`: what a store holds, counted without opening anything (no private key).

Read-only: records and tombstones by the day they were stored, how many of those a pull copied
and left in place, open and paused sessions, the oldest record not pulled yet, the store's size on
disk (issue 14). Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from helpseek.store.database import Store
from helpseek.store.schema import resume_codes, sealed_records, session_states, tombstones


@dataclass(frozen=True)
class DayCount:
    """One storage date: sealed records (pages and fillers look alike), how many of them a pull
    copied without purging, and tombstones."""

    day: date
    records: int = 0
    pulled: int = 0
    tombstones: int = 0


@dataclass(frozen=True)
class StoreStatus:
    """A store at a glance. `open_sessions` counts session states not expired yet: in progress,
    paused or finished within the last `resume_days` (they look alike: their states are sealed); `paused_sessions` counts resume codes
    that still work; `size_bytes` is None where it cannot be read."""

    url: str
    days: tuple[DayCount, ...]
    open_sessions: int
    paused_sessions: int
    oldest_unpulled: date | None
    size_bytes: int | None

    @property
    def records(self) -> int:
        return sum(d.records for d in self.days)

    @property
    def tombstones(self) -> int:
        return sum(d.tombstones for d in self.days)

    @property
    def pulled(self) -> int:
        return sum(d.pulled for d in self.days)


def store_status(store: Store) -> StoreStatus:
    """Count what `store` holds; writes nothing."""
    today = store.today()
    by_day: dict[date, dict[str, int]] = {}
    with store._engine.connect() as conn:
        for table, column in ((sealed_records, "records"), (tombstones, "tombstones")):
            query = sa.select(
                table.c.stored_on,
                sa.func.count(),
                sa.func.count(table.c.pulled_on),
            ).group_by(table.c.stored_on)
            for day, count, pulled in conn.execute(query):
                entry = by_day.setdefault(day, {})
                entry[column] = int(count)
                if column == "records":
                    entry["pulled"] = int(pulled)
        open_sessions = _count(conn, session_states, session_states.c.expires_on >= today)
        paused = _count(conn, resume_codes, resume_codes.c.expires_on > today)
    days = tuple(DayCount(day, **counts) for day, counts in sorted(by_day.items()))
    return StoreStatus(store.url, days, open_sessions, paused, oldest_unpulled(store), _size(store))


def oldest_unpulled(store: Store) -> date | None:
    """The storage date of the oldest record or tombstone no pull has copied yet, or None."""
    with store._engine.connect() as conn:
        oldest = [
            conn.execute(
                sa.select(sa.func.min(table.c.stored_on)).where(table.c.pulled_on.is_(None))
            ).scalar_one_or_none()
            for table in (sealed_records, tombstones)
        ]
    found = [d for d in oldest if d is not None]
    return min(found) if found else None


def _count(conn: sa.Connection, table: sa.Table, where: sa.ColumnElement[bool]) -> int:
    return int(
        conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    )


def _size(store: Store) -> int | None:
    """Bytes on disk: the SQLite file and its write-ahead log, or PostgreSQL's database size."""
    url = store._engine.url
    if url.get_backend_name() == "sqlite":
        paths = [url.database or "", f"{url.database}-wal"]
        return sum(os.path.getsize(p) for p in paths if os.path.exists(p))
    with store._engine.connect() as conn:
        size = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    return int(size) if size is not None else None
