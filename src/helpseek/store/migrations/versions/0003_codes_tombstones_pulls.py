"""Resume codes, sealed tombstones, spent withdrawal codes, and the date records were pulled (issue 14).

`resume_codes` and `withdrawn_codes` are keyed by what argon2id derives from a code (never the
code); `tombstones` hold sealed withdrawals under random ids, like sealed records; `pulled_on`
marks records and tombstones `helpseek pull` copied without purging them (NULL: not pulled).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resume_codes",
        sa.Column("lookup", sa.LargeBinary(16), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False, index=True),
    )
    op.create_table(
        "tombstones",
        # SQLite: exactly "INTEGER PRIMARY KEY", so the id IS the rowid (no hidden sequence).
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("stored_on", sa.Date, nullable=False),
        sa.Column("pulled_on", sa.Date, nullable=True),
    )
    op.create_table(
        "withdrawn_codes",
        sa.Column("lookup", sa.LargeBinary(16), primary_key=True),
        sa.Column("expires_on", sa.Date, nullable=False, index=True),
    )
    op.add_column("sealed_records", sa.Column("pulled_on", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sealed_records") as batch:
        batch.drop_column("pulled_on")
    op.drop_table("withdrawn_codes")
    op.drop_table("tombstones")
    op.drop_table("resume_codes")
