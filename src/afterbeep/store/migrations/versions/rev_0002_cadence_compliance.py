"""Cadence and compliance: touches, do-not-call lists and imports, the compliance audit log.

Also adds plain columns (no constraints, so SQLite alters them in place without rebuilding
the table): call_attempts.abandoned, campaigns.blitz, prospects.phone_region and
phone_time_zones, sequence_steps.conditions and subject, users.daily_capacity.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 10:01:19.924026
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dnc_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column(
            "list_name",
            sa.Enum(
                "national",
                "internal",
                name="list_name",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_dnc_entries_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_entries")),
        sa.UniqueConstraint(
            "team_id",
            "list_name",
            "phone_e164",
            name=op.f("uq_dnc_entries_team_id_list_name_phone_e164"),
        ),
    )
    with op.batch_alter_table("dnc_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dnc_entries_team_id_phone_e164"), ["team_id", "phone_e164"], unique=False
        )

    op.create_table(
        "dnc_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column(
            "list_name",
            sa.Enum(
                "national",
                "internal",
                name="list_name",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("numbers", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_dnc_imports_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_imports")),
    )
    with op.batch_alter_table("dnc_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dnc_imports_team_id"), ["team_id"], unique=False)

    op.create_table(
        "touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "call",
                "voicemail",
                "email",
                "text",
                "social",
                "mail",
                "video",
                "face_to_face",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("variant", sa.String(length=40), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "running",
                "done",
                "skipped",
                "blocked",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "rule_ids", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "result", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("position >= 1", name=op.f("ck_touches_position_positive")),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_touches_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_touches_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_touches_rep_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_touches_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touches")),
        sa.UniqueConstraint("key", name=op.f("uq_touches_key")),
    )
    with op.batch_alter_table("touches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_touches_enrollment_id"), ["enrollment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_touches_prospect_id"), ["prospect_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_touches_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_touches_team_id_status_due_at"),
            ["team_id", "status", "due_at"],
            unique=False,
        )

    op.create_table(
        "compliance_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("prospect_id", sa.Integer(), nullable=True),
        sa.Column("touch_id", sa.Integer(), nullable=True),
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "call",
                "voicemail",
                "email",
                "text",
                "social",
                "mail",
                "video",
                "face_to_face",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("action_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "allow",
                "deny",
                "delay",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "jurisdictions",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "rules", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_compliance_decisions_prospect_id_prospects"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_compliance_decisions_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["touch_id"],
            ["touches.id"],
            name=op.f("fk_compliance_decisions_touch_id_touches"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_decisions")),
    )
    with op.batch_alter_table("compliance_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compliance_decisions_phone_e164_decided_at"),
            ["phone_e164", "decided_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_compliance_decisions_prospect_id"), ["prospect_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compliance_decisions_team_id"), ["team_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_compliance_decisions_touch_id"), ["touch_id"], unique=False
        )

    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("abandoned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("blitz", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("prospects", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone_region", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("phone_time_zones", sa.String(length=255), nullable=True))

    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "conditions",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("subject", sa.String(length=300), nullable=True))

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("daily_capacity", sa.Integer(), nullable=True))


def _drop_column(table: str, column: str) -> None:
    # SQLite (3.35+) drops a plain column in place; batch mode would rebuild the table, and
    # dropping the old copy with foreign keys on would cascade into the rows that point at it.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    else:
        op.drop_column(table, column)


def downgrade() -> None:
    _drop_column("users", "daily_capacity")
    _drop_column("sequence_steps", "subject")
    _drop_column("sequence_steps", "conditions")
    _drop_column("prospects", "phone_time_zones")
    _drop_column("prospects", "phone_region")
    _drop_column("campaigns", "blitz")
    _drop_column("call_attempts", "abandoned")

    with op.batch_alter_table("compliance_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compliance_decisions_touch_id"))
        batch_op.drop_index(batch_op.f("ix_compliance_decisions_team_id"))
        batch_op.drop_index(batch_op.f("ix_compliance_decisions_prospect_id"))
        batch_op.drop_index(batch_op.f("ix_compliance_decisions_phone_e164_decided_at"))

    op.drop_table("compliance_decisions")
    with op.batch_alter_table("touches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_touches_team_id_status_due_at"))
        batch_op.drop_index(batch_op.f("ix_touches_rep_id"))
        batch_op.drop_index(batch_op.f("ix_touches_prospect_id"))
        batch_op.drop_index(batch_op.f("ix_touches_enrollment_id"))

    op.drop_table("touches")
    with op.batch_alter_table("dnc_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dnc_imports_team_id"))

    op.drop_table("dnc_imports")
    with op.batch_alter_table("dnc_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dnc_entries_team_id_phone_e164"))

    op.drop_table("dnc_entries")
