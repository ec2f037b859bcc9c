"""The store: afterbeep's database (SQLAlchemy 2 models and Alembic migrations).

A SQLite file under ``data_dir`` by default; PostgreSQL by URL
(``postgresql+psycopg://user@host/db``, the ``[postgres]`` extra). Typical use::

    from afterbeep.store import create_engine_for, session_scope, upgrade

    upgrade()                                # the settings' database, to the newest revision
    engine = create_engine_for()
    with session_scope(engine) as session:
        session.add(Team(name="West"))

This is the bottom layer: it must not import scripts, detect, telephony, cadence, web or cli.
"""

from __future__ import annotations

from afterbeep.store._engine import (
    create_engine_for,
    default_database_url,
    display_url,
    make_sessionmaker,
    session_scope,
)
from afterbeep.store._migrate import (
    MIGRATIONS_DIR,
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from afterbeep.store._types import UTCDateTime, ensure_utc, utcnow
from afterbeep.store.enums import (
    AnsweredBy,
    CampaignStatus,
    Carrier,
    Channel,
    DncList,
    DropEndReason,
    EnrollmentStatus,
    LineType,
    OutcomeKind,
    Role,
    ScriptStrategy,
    Segment,
    TouchStatus,
    Verdict,
)
from afterbeep.store.models import (
    Base,
    CallAttempt,
    Campaign,
    ComplianceDecision,
    Consent,
    DncEntry,
    DncImport,
    Drop,
    DropClaim,
    Enrollment,
    NameClip,
    Outcome,
    Prospect,
    Recording,
    RepLeg,
    Script,
    ScriptVersion,
    Sequence,
    SequenceStep,
    Task,
    Team,
    Touch,
    User,
)

__all__ = [
    "MIGRATIONS_DIR",
    "AnsweredBy",
    "Base",
    "CallAttempt",
    "Campaign",
    "CampaignStatus",
    "Carrier",
    "Channel",
    "ComplianceDecision",
    "Consent",
    "DncEntry",
    "DncImport",
    "DncList",
    "Drop",
    "DropClaim",
    "DropEndReason",
    "Enrollment",
    "EnrollmentStatus",
    "LineType",
    "NameClip",
    "Outcome",
    "OutcomeKind",
    "Prospect",
    "Recording",
    "RepLeg",
    "Role",
    "Script",
    "ScriptStrategy",
    "ScriptVersion",
    "Segment",
    "Sequence",
    "SequenceStep",
    "Task",
    "Team",
    "Touch",
    "TouchStatus",
    "UTCDateTime",
    "User",
    "Verdict",
    "alembic_config",
    "create_engine_for",
    "current_revision",
    "default_database_url",
    "display_url",
    "downgrade",
    "ensure_utc",
    "head_revision",
    "make_sessionmaker",
    "session_scope",
    "upgrade",
    "utcnow",
]
