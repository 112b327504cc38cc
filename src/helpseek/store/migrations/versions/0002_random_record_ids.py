"""Sealed records under random ids, without the per-page submission key (issue 12).

Ids in arrival order told which records arrived together; the compare-and-set on the session's
sealed state now does what the unique submission key did (a page is stored at most once). Existing
records are copied in random order under random ids, so neither the ids, nor SQLite's row order,
nor PostgreSQL's row positions and transaction ids keep their arrival order.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import random
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID_LIMIT = 2**63 - 1
_CHUNK = 500


def upgrade() -> None:
    op.create_table(
        "sealed_records_new",
        # SQLite: exactly "INTEGER PRIMARY KEY", so the id IS the rowid (no hidden sequence).
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("stored_on", sa.Date, nullable=False),
    )
    bind = op.get_bind()
    old = sa.table("sealed_records", sa.column("id"), sa.column("sealed"), sa.column("stored_on"))
    new = sa.table(
        "sealed_records_new", sa.column("id"), sa.column("sealed"), sa.column("stored_on")
    )
    old_ids = list(bind.execute(sa.select(old.c.id)).scalars())
    random.SystemRandom().shuffle(old_ids)
    new_ids = _distinct_random_ids(len(old_ids))
    for start in range(0, len(old_ids), _CHUNK):
        chunk = old_ids[start : start + _CHUNK]
        rows = {
            row.id: row
            for row in bind.execute(
                sa.select(old.c.id, old.c.sealed, old.c.stored_on).where(old.c.id.in_(chunk))
            )
        }
        values = [
            {"id": new_id, "sealed": rows[old_id].sealed, "stored_on": rows[old_id].stored_on}
            for old_id, new_id in zip(chunk, new_ids[start : start + _CHUNK], strict=True)
        ]
        bind.execute(sa.insert(new), values)
    op.drop_table("sealed_records")
    op.rename_table("sealed_records_new", "sealed_records")


def _distinct_random_ids(count: int) -> list[int]:
    ids: set[int] = set()
    while len(ids) < count:
        ids.add(secrets.randbelow(_ID_LIMIT) + 1)
    return list(ids)


def downgrade() -> None:
    raise NotImplementedError("records cannot be put back in arrival order: it is not kept")
