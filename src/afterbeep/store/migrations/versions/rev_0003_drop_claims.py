"""Drop claims: one row per carrier call whose message has started, shared by all processes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:42:11.593104
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "drop_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drop_claims")),
        sa.UniqueConstraint("carrier", "call_id", name=op.f("uq_drop_claims_carrier_call_id")),
    )


def downgrade() -> None:
    op.drop_table("drop_claims")
