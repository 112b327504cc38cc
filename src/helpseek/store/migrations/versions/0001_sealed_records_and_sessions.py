"""Sealed records and sealed session states: the only tables that hold respondent data.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sealed_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        # SHA-256 of the web layer's per-rendered-page key: a replayed POST stores nothing twice.
        sa.Column("submission_key", sa.LargeBinary(32), nullable=False, unique=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("stored_on", sa.Date, nullable=False),
    )
    op.create_table(
        "session_states",
        sa.Column("session_id", sa.String(128), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("session_states")
    op.drop_table("sealed_records")
