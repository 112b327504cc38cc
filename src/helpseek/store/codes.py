"""Rows about respondent codes: paused sessions (`resume_codes`), used withdrawal codes
(`withdrawn_codes`) and the sealed tombstones withdrawals leave (`tombstones`).

Every row is keyed by the lookup argon2id derives from a code, never by the code; nothing here
names a response (issue 14, docs/decisions/0005-respondent-codes.md). Called by `Store` inside its
transactions. Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from helpseek.store.schema import resume_codes, tombstones, withdrawn_codes


@dataclass(frozen=True)
class ResumeRow:
    """A paused session's row: the argon2id lookup of its code, the session's id and key sealed
    with the code's argon2id key, and the last day the code works."""

    lookup: bytes = field(repr=False)
    sealed: bytes = field(repr=False)
    expires_on: date


def insert_resume(conn: Connection, row: ResumeRow) -> None:
    conn.execute(
        sa.insert(resume_codes).values(
            lookup=row.lookup, sealed=row.sealed, expires_on=row.expires_on
        )
    )


def get_resume(conn: Connection, lookup: bytes, today: date) -> bytes | None:
    """The sealed row of a code that has not expired, or None."""
    blob = conn.execute(
        sa.select(resume_codes.c.sealed).where(
            resume_codes.c.lookup == lookup, resume_codes.c.expires_on >= today
        )
    ).scalar_one_or_none()
    return None if blob is None else bytes(blob)


def swap_resume(conn: Connection, replaces: bytes, row: ResumeRow) -> bool:
    """Replace a row's sealed content only if it still is `replaces` (compare-and-set)."""
    moved = conn.execute(
        sa.update(resume_codes)
        .where(resume_codes.c.lookup == row.lookup, resume_codes.c.sealed == replaces)
        .values(sealed=row.sealed, expires_on=row.expires_on)
        .returning(resume_codes.c.lookup)
    ).scalar_one_or_none()
    return moved is not None


def spend_withdrawal(conn: Connection, lookup: bytes, expires_on: date) -> bool:
    """Mark a withdrawal code used; False when it was used before (nothing written)."""
    insert = _dialect(conn).insert(withdrawn_codes)
    spent = conn.execute(
        insert.values(lookup=lookup, expires_on=expires_on)
        .on_conflict_do_nothing()
        .returning(withdrawn_codes.c.lookup)
    ).scalar_one_or_none()
    return spent is not None


def is_withdrawn(conn: Connection, lookup: bytes) -> bool:
    return (
        conn.execute(
            sa.select(withdrawn_codes.c.lookup).where(withdrawn_codes.c.lookup == lookup)
        ).scalar_one_or_none()
        is not None
    )


def insert_tombstone(conn: Connection, record_id: int, sealed: bytes, stored_on: date) -> None:
    conn.execute(sa.insert(tombstones).values(id=record_id, sealed=sealed, stored_on=stored_on))


def purge_expired(conn: Connection, today: date) -> int:
    """Delete the rows of codes that no longer work; returns how many."""
    deleted = 0
    for table in (resume_codes, withdrawn_codes):
        deleted += int(conn.execute(sa.delete(table).where(table.c.expires_on < today)).rowcount)
    return deleted


def _dialect(conn: Connection) -> Any:
    return sqlite if conn.dialect.name == "sqlite" else postgresql
