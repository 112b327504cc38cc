"""The store's tables (SQLAlchemy Core), as migrations/ creates them.

Only sealed blobs, random ids, argon2id-derived lookups and dates: no plaintext column and no time
finer than a date. Must not import the crypto library (see store/sealing.py).
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()


def _random_id() -> sa.Column[int]:
    # SQLite: exactly "INTEGER PRIMARY KEY", so the id IS the rowid and no hidden sequence exists.
    return sa.Column(
        "id",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=False,
    )


sealed_records = sa.Table(
    "sealed_records",
    metadata,
    _random_id(),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("stored_on", sa.Date, nullable=False),
    # Set by `helpseek pull` without --purge: copied to an archive on that date (issue 14).
    sa.Column("pulled_on", sa.Date, nullable=True),
)
session_states = sa.Table(
    "session_states",
    metadata,
    sa.Column("session_id", sa.String(128), primary_key=True),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False, index=True),
)
#: A paused session: argon2id(code) lookup -> the session's id and key, sealed with argon2id(code).
resume_codes = sa.Table(
    "resume_codes",
    metadata,
    sa.Column("lookup", sa.LargeBinary(16), primary_key=True),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False, index=True),
)
#: A withdrawal, sealed to the research keys like a page; nothing here names the response.
tombstones = sa.Table(
    "tombstones",
    metadata,
    _random_id(),
    sa.Column("sealed", sa.LargeBinary, nullable=False),
    sa.Column("stored_on", sa.Date, nullable=False),
    sa.Column("pulled_on", sa.Date, nullable=True),
)
#: Withdrawal codes already used (argon2id lookup), so that a second use stores nothing.
withdrawn_codes = sa.Table(
    "withdrawn_codes",
    metadata,
    sa.Column("lookup", sa.LargeBinary(16), primary_key=True),
    sa.Column("expires_on", sa.Date, nullable=False, index=True),
)
