"""Greeting notes on call attempts: what recognition heard of the greeting, for the rep.

A plain nullable column, so SQLite adds it in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:05:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "greeting_notes",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    # SQLite drops the column in place (a batch rebuild would cascade through foreign keys,
    # see revision 0002).
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "call_attempts" DROP COLUMN "greeting_notes"')
    else:
        op.drop_column("call_attempts", "greeting_notes")
