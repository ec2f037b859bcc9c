"""Initial schema: teams, users, prospects, consents, scripts, recordings, campaigns, calls, drops.

Revision ID: 0001
Revises: (none, the first revision)
Create Date: 2026-11-23 07:37:33.191616
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "prospects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("phone_e164", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("company", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column(
            "line_type",
            sa.Enum(
                "mobile",
                "fixed_line",
                "fixed_line_or_mobile",
                "voip",
                "toll_free",
                "unknown",
                name="line_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column(
            "segment",
            sa.Enum(
                "inactive_customer",
                "familiar_in_window",
                "very_familiar",
                "warm_inbound",
                "some_familiarity",
                "cold",
                name="segment",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "custom_fields",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("do_not_call", sa.Boolean(), nullable=False),
        sa.Column("do_not_call_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "phone_e164 LIKE '+%' AND length(phone_e164) BETWEEN 8 AND 16",
            name=op.f("ck_prospects_phone_e164"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_prospects_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prospects")),
        sa.UniqueConstraint("team_id", "phone_e164", name=op.f("uq_prospects_team_id_phone_e164")),
    )

    op.create_table(
        "sequences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "segment",
            sa.Enum(
                "inactive_customer",
                "familiar_in_window",
                "very_familiar",
                "warm_inbound",
                "some_familiarity",
                "cold",
                name="segment",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_sequences_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequences")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_sequences_team_id_name")),
    )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "rep",
                "manager",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("callback_number", sa.String(length=16), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "callback_number IS NULL OR (callback_number LIKE '+%' AND length(callback_number) BETWEEN 8 AND 16)",
            name=op.f("ck_users_callback_number_e164"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_users_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_team_id"), ["team_id"], unique=False)

    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "active",
                "paused",
                "finished",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_campaigns_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["sequences.id"],
            name=op.f("fk_campaigns_sequence_id_sequences"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_campaigns_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_campaigns_team_id_name")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaigns_created_by_id"), ["created_by_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_campaigns_sequence_id"), ["sequence_id"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
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
        sa.Column("written", sa.Boolean(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_consents_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
        sa.UniqueConstraint("prospect_id", "channel", name=op.f("uq_consents_prospect_id_channel")),
    )
    op.create_table(
        "name_clips",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("uri", sa.String(length=1024), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("duration_ms > 0", name=op.f("ck_name_clips_duration_positive")),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_name_clips_rep_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_clips")),
        sa.UniqueConstraint("rep_id", "first_name", name=op.f("uq_name_clips_rep_id_first_name")),
    )
    op.create_table(
        "scripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_scripts_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_scripts_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scripts")),
        sa.UniqueConstraint("team_id", "name", name=op.f("uq_scripts_team_id_name")),
    )
    with op.batch_alter_table("scripts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scripts_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "call_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column(
            "carrier",
            sa.Enum(
                "twilio",
                "telnyx",
                "plivo",
                "vonage",
                "asterisk",
                "simulator",
                name="carrier",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("carrier_call_id", sa.String(length=128), nullable=True),
        sa.Column("from_number", sa.String(length=16), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "answered_by",
            sa.Enum(
                "human",
                "machine",
                "fax",
                "silence",
                "unknown",
                name="answered_by",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_call_attempts_campaign_id_campaigns"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"], ["prospects.id"], name=op.f("fk_call_attempts_prospect_id_prospects")
        ),
        sa.ForeignKeyConstraint(
            ["rep_id"],
            ["users.id"],
            name=op.f("fk_call_attempts_rep_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_call_attempts_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_attempts")),
        sa.UniqueConstraint(
            "carrier", "carrier_call_id", name=op.f("uq_call_attempts_carrier_carrier_call_id")
        ),
    )
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_attempts_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_call_attempts_prospect_id_started_at"),
            ["prospect_id", "started_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_call_attempts_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_attempts_team_id_started_at"),
            ["team_id", "started_at"],
            unique=False,
        )

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "finished",
                "opted_out",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("next_position", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_enrollments_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_enrollments_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
        sa.UniqueConstraint(
            "campaign_id", "prospect_id", name=op.f("uq_enrollments_campaign_id_prospect_id")
        ),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrollments_prospect_id"), ["prospect_id"], unique=False
        )

    op.create_table(
        "script_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "strategy",
            sa.Enum(
                "call-again",
                "invite-callback",
                name="strategy",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_script_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_script_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_versions_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_versions")),
        sa.UniqueConstraint(
            "script_id", "number", name=op.f("uq_script_versions_script_id_number")
        ),
    )
    with op.batch_alter_table("script_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_script_versions_created_by_id"), ["created_by_id"], unique=False
        )

    op.create_table(
        "sequence_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sequence_id", sa.Integer(), nullable=False),
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
        sa.Column("wait_minutes", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=40), nullable=True),
        sa.Column("script_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("position >= 1", name=op.f("ck_sequence_steps_position_positive")),
        sa.CheckConstraint("wait_minutes >= 0", name=op.f("ck_sequence_steps_wait_not_negative")),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_sequence_steps_script_id_scripts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sequence_id"],
            ["sequences.id"],
            name=op.f("fk_sequence_steps_sequence_id_sequences"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sequence_steps")),
        sa.UniqueConstraint(
            "sequence_id", "position", name=op.f("uq_sequence_steps_sequence_id_position")
        ),
    )
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sequence_steps_script_id"), ["script_id"], unique=False
        )

    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("script_version_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("uri", sa.String(length=1024), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("codec", sa.String(length=32), nullable=False),
        sa.Column("loudness_lufs", sa.Double(), nullable=True),
        sa.Column("artificial_voice", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("duration_ms > 0", name=op.f("ck_recordings_duration_positive")),
        sa.CheckConstraint("sample_rate > 0", name=op.f("ck_recordings_sample_rate_positive")),
        sa.ForeignKeyConstraint(
            ["rep_id"], ["users.id"], name=op.f("fk_recordings_rep_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["script_version_id"],
            ["script_versions.id"],
            name=op.f("fk_recordings_script_version_id_script_versions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_recordings_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recordings")),
    )
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recordings_rep_id"), ["rep_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_recordings_script_version_id"), ["script_version_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recordings_team_id"), ["team_id"], unique=False)

    op.create_table(
        "drops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_attempt_id", sa.Integer(), nullable=False),
        sa.Column("recording_id", sa.Integer(), nullable=False),
        sa.Column("beep_end_ms", sa.Integer(), nullable=True),
        sa.Column("message_start_ms", sa.Integer(), nullable=False),
        sa.Column("bytes_played", sa.Integer(), nullable=False),
        sa.Column(
            "end_reason",
            sa.Enum(
                "completed",
                "far_end_hangup",
                "mailbox_full",
                "general_mailbox",
                "cancelled",
                "carrier_error",
                name="end_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "events", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("bytes_played >= 0", name=op.f("ck_drops_bytes_played_not_negative")),
        sa.CheckConstraint(
            "message_start_ms >= 0", name=op.f("ck_drops_message_start_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["call_attempt_id"],
            ["call_attempts.id"],
            name=op.f("fk_drops_call_attempt_id_call_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recording_id"], ["recordings.id"], name=op.f("fk_drops_recording_id_recordings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drops")),
        sa.UniqueConstraint("call_attempt_id", name=op.f("uq_drops_call_attempt_id")),
    )
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_drops_recording_id"), ["recording_id"], unique=False)

    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "callback",
                "reply",
                "meeting",
                "opt_out",
                "wrong_number",
                "none",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
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
            nullable=True,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drop_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["drop_id"], ["drops.id"], name=op.f("fk_outcomes_drop_id_drops"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_outcomes_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcomes")),
    )
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outcomes_drop_id"), ["drop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_outcomes_prospect_id_occurred_at"),
            ["prospect_id", "occurred_at"],
            unique=False,
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prospect_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
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
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("drop_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignee_id"],
            ["users.id"],
            name=op.f("fk_tasks_assignee_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["drop_id"], ["drops.id"], name=op.f("fk_tasks_drop_id_drops"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["prospect_id"],
            ["prospects.id"],
            name=op.f("fk_tasks_prospect_id_prospects"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tasks_done_at_due_at"), ["done_at", "due_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_tasks_drop_id"), ["drop_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_tasks_prospect_id_due_at"), ["prospect_id", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_prospect_id_due_at"))
        batch_op.drop_index(batch_op.f("ix_tasks_drop_id"))
        batch_op.drop_index(batch_op.f("ix_tasks_done_at_due_at"))
        batch_op.drop_index(batch_op.f("ix_tasks_assignee_id"))

    op.drop_table("tasks")
    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outcomes_prospect_id_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_outcomes_drop_id"))

    op.drop_table("outcomes")
    with op.batch_alter_table("drops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drops_recording_id"))

    op.drop_table("drops")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recordings_team_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_script_version_id"))
        batch_op.drop_index(batch_op.f("ix_recordings_rep_id"))

    op.drop_table("recordings")
    with op.batch_alter_table("sequence_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sequence_steps_script_id"))

    op.drop_table("sequence_steps")
    with op.batch_alter_table("script_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_script_versions_created_by_id"))

    op.drop_table("script_versions")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrollments_prospect_id"))

    op.drop_table("enrollments")
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_attempts_team_id_started_at"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_rep_id"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_prospect_id_started_at"))
        batch_op.drop_index(batch_op.f("ix_call_attempts_campaign_id"))

    op.drop_table("call_attempts")
    with op.batch_alter_table("scripts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scripts_created_by_id"))

    op.drop_table("scripts")
    op.drop_table("name_clips")
    op.drop_table("consents")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_sequence_id"))
        batch_op.drop_index(batch_op.f("ix_campaigns_created_by_id"))

    op.drop_table("campaigns")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_team_id"))

    op.drop_table("users")

    op.drop_table("sequences")

    op.drop_table("prospects")
    op.drop_table("teams")
