"""Rep legs: the rep's leg of each prospect's call handed over where the carrier's transfer
bridges a new leg (Telnyx), shared by all processes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 02:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rep_legs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=32), nullable=False),
        sa.Column("call_id", sa.String(length=128), nullable=False),
        sa.Column("rep_leg", sa.String(length=128), nullable=True),
        sa.Column("taken_back", sa.Boolean(), nullable=False),
        sa.Column("ended", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rep_legs")),
        sa.UniqueConstraint("carrier", "call_id", name=op.f("uq_rep_legs_carrier_call_id")),
    )


def downgrade() -> None:
    op.drop_table("rep_legs")
