"""The database model of afterbeep: SQLAlchemy 2 declarative classes, one per table.

Owns the tables, their constraints and what deleting a row does to the rows that point at it.
The deletion rules, chosen on purpose:

* A **team** owns everything: deleting it removes all its rows (``ON DELETE CASCADE`` from
  every team-owned table, call history included). It is done by the database in one statement.
* A **prospect** that has been called cannot be deleted (its call attempts keep a plain
  foreign key, checked at the end of the statement): call history and do-not-call status are
  compliance records; set ``do_not_call`` instead. A prospect never called can be deleted,
  and takes its consents, enrollments, outcomes and tasks with it.
* A **recording** that was dropped cannot be deleted (set ``archived_at``); one never played can.
* Deleting a **user** keeps what they made: scripts, recordings, attempts and tasks keep
  existing with the user link set to NULL. Their name clips go with them.
* A **call attempt** owns its drop (cascade); outcomes attributed to a deleted drop stay,
  unattributed (``SET NULL``).
* **Script versions** are immutable once written: updating one (or deleting one without its
  script) is refused at flush time.

Every timestamp is ``UTCDateTime`` (aware UTC, naive refused). Must not import anything above
the store (scripts, detect, telephony, cadence, web, cli).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    mapped_column,
    relationship,
    validates,
)

from afterbeep.errors import InvalidInput
from afterbeep.store._types import UTCDateTime, ensure_utc, str_enum, utcnow
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

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


# Mutable wrappers track in-place changes (prospect.custom_fields["x"] = 1). Each needs its own
# type instance: as_mutable() keys on the instance.
JSON_OBJECT = MutableDict.as_mutable(_json())
JSON_LIST = MutableList.as_mutable(_json())

E164_PATTERN = re.compile(r"^\+[1-9][0-9]{6,14}$")
# The same rule for the database, in SQL both SQLite and PostgreSQL understand.
_E164_SQL = "{col} LIKE '+%' AND length({col}) BETWEEN 8 AND 16"


def _check_e164(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    if not E164_PATTERN.match(value):
        raise InvalidInput(
            f"expected an E.164 phone number such as +14155550123, got {value!r}", field=field
        )
    return value


class Base(DeclarativeBase):
    """Declarative base: shared metadata with a naming convention, UTC timestamps by default."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: JSON_OBJECT,
        list[dict[str, Any]]: JSON_LIST,
    }


def _team_fk(*, index: bool = True) -> Mapped[int]:
    """The owning team. ``index=False`` where a unique constraint or index already leads with it."""
    return mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"), index=index)


def _user_fk_nullable() -> Mapped[int | None]:
    return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)


class Team(Base):
    """A sales team: the owner of every other row."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # The database cascades a team's deletion; the ORM must not try row by row (passive).
    users: Mapped[list[User]] = relationship(back_populates="team", passive_deletes="all")
    prospects: Mapped[list[Prospect]] = relationship(back_populates="team", passive_deletes="all")


class User(Base):
    """A person who uses afterbeep: a rep, a manager or an admin of one team."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk()
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), default=Role.REP)
    callback_number: Mapped[str | None] = mapped_column(sa.String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Calls and voicemails a rep can make per local working day (None: the planner default).
    daily_capacity: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="users")
    name_clips: Mapped[list[NameClip]] = relationship(
        back_populates="rep", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint(
            "callback_number IS NULL OR (" + _E164_SQL.format(col="callback_number") + ")",
            name="callback_number_e164",
        ),
    )

    @validates("callback_number")
    def _validate_callback_number(self, key: str, value: str | None) -> str | None:
        return _check_e164(value, f"users.{key}")


class Prospect(Base):
    """Someone a team calls: contact details, where they are, and whether we may call."""

    __tablename__ = "prospects"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    phone_e164: Mapped[str] = mapped_column(sa.String(16))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    company: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))  # IANA name
    line_type: Mapped[LineType] = mapped_column(
        str_enum(LineType, "line_type"), default=LineType.UNKNOWN
    )
    street: Mapped[str | None] = mapped_column(sa.String(200))
    city: Mapped[str | None] = mapped_column(sa.String(100))
    region: Mapped[str | None] = mapped_column(sa.String(100))  # state or province code
    postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    country: Mapped[str | None] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    # What the number itself says (phonenumbers): its state or province, when the area code
    # gives one, and every time zone it may ring in (space-separated IANA names).
    phone_region: Mapped[str | None] = mapped_column(sa.String(8))
    phone_time_zones: Mapped[str | None] = mapped_column(sa.String(255))
    segment: Mapped[Segment | None] = mapped_column(str_enum(Segment, "segment"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    do_not_call: Mapped[bool] = mapped_column(default=False)
    do_not_call_at: Mapped[datetime | None] = mapped_column()  # when the opt-out was recorded
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    team: Mapped[Team] = relationship(back_populates="prospects")
    consents: Mapped[list[Consent]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", passive_deletes=True
    )
    # No ORM cascade and no nulling: the database refuses to delete a called prospect.
    call_attempts: Mapped[list[CallAttempt]] = relationship(
        back_populates="prospect", passive_deletes="all"
    )
    tasks: Mapped[list[Task]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", passive_deletes=True
    )
    outcomes: Mapped[list[Outcome]] = relationship(
        back_populates="prospect", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.UniqueConstraint("team_id", "phone_e164"),
        sa.CheckConstraint(_E164_SQL.format(col="phone_e164"), name="phone_e164"),
    )

    @validates("phone_e164")
    def _validate_phone(self, key: str, value: str) -> str:
        checked = _check_e164(value, f"prospects.{key}")
        if checked is None:
            raise InvalidInput("a prospect needs a phone number", field=f"prospects.{key}")
        return checked

    def consent_for(self, channel: Channel) -> Consent | None:
        """The consent on record for ``channel`` that is granted and not revoked, if any."""
        for consent in self.consents:
            if consent.channel == channel and consent.revoked_at is None:
                return consent
        return None


class Consent(Base):
    """A prospect's consent to be contacted on one channel, with its evidence.

    For ``voicemail`` (pre-recorded or artificial voice) to a mobile, US law wants prior
    express consent, written for marketing: ``written`` records which one was given.
    """

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospects.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    written: Mapped[bool] = mapped_column(default=False)
    granted_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str | None] = mapped_column(sa.String(500))  # form, recording, contract...

    prospect: Mapped[Prospect] = relationship(back_populates="consents")

    __table_args__ = (sa.UniqueConstraint("prospect_id", "channel"),)


class Script(Base):
    """A named voicemail script of a team; its text lives in immutable versions."""

    __tablename__ = "scripts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_by_id: Mapped[int | None] = _user_fk_nullable()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column()

    team: Mapped[Team] = relationship()

    versions: Mapped[list[ScriptVersion]] = relationship(
        back_populates="script",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ScriptVersion.number",
    )

    __table_args__ = (sa.UniqueConstraint("team_id", "name"),)

    def new_version(
        self, text: str, *, strategy: ScriptStrategy, created_by: User | None = None
    ) -> ScriptVersion:
        """Append the next version (number = last + 1); earlier versions are never changed."""
        number = max((version.number for version in self.versions), default=0) + 1
        version = ScriptVersion(number=number, text=text, strategy=strategy, created_by=created_by)
        self.versions.append(version)
        return version


class ScriptVersion(Base):
    """One immutable text of a script: what a recording was made from and a drop played."""

    __tablename__ = "script_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    script_id: Mapped[int] = mapped_column(sa.ForeignKey("scripts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(sa.Text)
    strategy: Mapped[ScriptStrategy] = mapped_column(str_enum(ScriptStrategy, "strategy"))
    created_by_id: Mapped[int | None] = _user_fk_nullable()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    script: Mapped[Script] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("script_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )


class Recording(Base):
    """One recorded take (or TTS render) of a message, with what the coach measured."""

    __tablename__ = "recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk()
    rep_id: Mapped[int | None] = _user_fk_nullable()
    script_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("script_versions.id", ondelete="SET NULL"), index=True
    )
    label: Mapped[str | None] = mapped_column(sa.String(200))
    uri: Mapped[str] = mapped_column(sa.String(1024))  # file path under data_dir, or a URI
    duration_ms: Mapped[int] = mapped_column()
    sample_rate: Mapped[int] = mapped_column()
    codec: Mapped[str] = mapped_column(sa.String(32))  # pcm16, mulaw, opus...
    loudness_lufs: Mapped[float | None] = mapped_column()
    artificial_voice: Mapped[bool] = mapped_column(default=False)  # TTS counts as artificial
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column()

    team: Mapped[Team] = relationship()

    rep: Mapped[User | None] = relationship()
    script_version: Mapped[ScriptVersion | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("duration_ms > 0", name="duration_positive"),
        sa.CheckConstraint("sample_rate > 0", name="sample_rate_positive"),
    )


class NameClip(Base):
    """A rep saying one prospect first name, spliced into messages at the greeting."""

    __tablename__ = "name_clips"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    first_name: Mapped[str] = mapped_column(sa.String(100))  # stored case-folded
    uri: Mapped[str] = mapped_column(sa.String(1024))
    duration_ms: Mapped[int] = mapped_column()
    sample_rate: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rep: Mapped[User] = relationship(back_populates="name_clips")

    __table_args__ = (
        sa.UniqueConstraint("rep_id", "first_name"),
        sa.CheckConstraint("duration_ms > 0", name="duration_positive"),
    )

    @validates("first_name")
    def _normalise_first_name(self, key: str, value: str) -> str:
        normalised = " ".join(value.split()).casefold()
        if not normalised:
            raise InvalidInput("a name clip needs a first name", field=f"name_clips.{key}")
        return normalised


class Sequence(Base):
    """A cadence template: ordered steps across channels for one segment of prospects."""

    __tablename__ = "sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    segment: Mapped[Segment | None] = mapped_column(str_enum(Segment, "segment"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()

    steps: Mapped[list[SequenceStep]] = relationship(
        back_populates="sequence",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="SequenceStep.position",
    )

    __table_args__ = (sa.UniqueConstraint("team_id", "name"),)


class SequenceStep(Base):
    """One touch of a sequence: which channel, how long after the previous step, which variant."""

    __tablename__ = "sequence_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(sa.ForeignKey("sequences.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    wait_minutes: Mapped[int] = mapped_column(default=0)  # after the previous step
    variant: Mapped[str | None] = mapped_column(sa.String(40))  # A/B label
    # Conditions such as "stop-on-reply" or "skip-in-blitz" (afterbeep.cadence.sequences).
    conditions: Mapped[list[str] | None] = mapped_column(JSON_LIST)
    subject: Mapped[str | None] = mapped_column(sa.String(300))  # email/text follow-up subject
    script_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scripts.id", ondelete="SET NULL"), index=True
    )

    sequence: Mapped[Sequence] = relationship(back_populates="steps")

    __table_args__ = (
        sa.UniqueConstraint("sequence_id", "position"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
        sa.CheckConstraint("wait_minutes >= 0", name="wait_not_negative"),
    )


class Campaign(Base):
    """A run of a sequence over a set of prospects (its enrollments)."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    name: Mapped[str] = mapped_column(sa.String(200))
    sequence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sequences.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, "status"), default=CampaignStatus.DRAFT
    )
    # Blitz mode: dial a cold list for connects, skipping voicemail steps.
    blitz: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_by_id: Mapped[int | None] = _user_fk_nullable()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()

    sequence: Mapped[Sequence | None] = relationship()
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (sa.UniqueConstraint("team_id", "name"),)


class Enrollment(Base):
    """One prospect in one campaign, and how far through the sequence they are."""

    __tablename__ = "enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"))
    prospect_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus, "status"), default=EnrollmentStatus.ACTIVE
    )
    next_position: Mapped[int] = mapped_column(default=1)
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="enrollments")
    prospect: Mapped[Prospect] = relationship()

    __table_args__ = (sa.UniqueConstraint("campaign_id", "prospect_id"),)


class CallAttempt(Base):
    """One outbound call: who, when, through which carrier, and who answered."""

    __tablename__ = "call_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    # Plain foreign key (NO ACTION, checked at the end of the statement): a called prospect
    # cannot be deleted on its own, while deleting the whole team still cascades.
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospects.id"))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    rep_id: Mapped[int | None] = _user_fk_nullable()
    carrier: Mapped[Carrier] = mapped_column(str_enum(Carrier, "carrier"))
    carrier_call_id: Mapped[str | None] = mapped_column(sa.String(128))
    from_number: Mapped[str | None] = mapped_column(sa.String(16))  # caller ID shown
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    answered_by: Mapped[AnsweredBy | None] = mapped_column(str_enum(AnsweredBy, "answered_by"))
    # A person answered and no rep was connected in time: counts against the campaign's
    # abandoned-call rate (compliance.abandon-rate rules).
    abandoned: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # What recognition heard of the greeting, for the rep: transcript, the name as spoken
    # (and where in the call), words per minute, formality, who spoke (see the detector's
    # GreetingTranscribed). Often written after the call ended: the words come last.
    greeting_notes: Mapped[dict[str, Any] | None] = mapped_column(JSON_OBJECT)

    team: Mapped[Team] = relationship()

    prospect: Mapped[Prospect] = relationship(back_populates="call_attempts")
    campaign: Mapped[Campaign | None] = relationship()
    rep: Mapped[User | None] = relationship()
    drop: Mapped[Drop | None] = relationship(
        back_populates="call_attempt", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.UniqueConstraint("carrier", "carrier_call_id"),
        sa.Index(None, "prospect_id", "started_at"),
        sa.Index(None, "team_id", "started_at"),
    )

    @validates("from_number")
    def _validate_from_number(self, key: str, value: str | None) -> str | None:
        return _check_e164(value, f"call_attempts.{key}")


class Drop(Base):
    """A message left on a voicemail during one call attempt (at most one per attempt)."""

    __tablename__ = "drops"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_attempt_id: Mapped[int] = mapped_column(
        sa.ForeignKey("call_attempts.id", ondelete="CASCADE"), unique=True
    )
    # Plain foreign key: a recording that reached prospects cannot be deleted (archive it).
    recording_id: Mapped[int] = mapped_column(sa.ForeignKey("recordings.id"), index=True)
    beep_end_ms: Mapped[int | None] = mapped_column()  # None: the mailbox had no beep
    message_start_ms: Mapped[int] = mapped_column()
    bytes_played: Mapped[int] = mapped_column(default=0)
    end_reason: Mapped[DropEndReason] = mapped_column(str_enum(DropEndReason, "end_reason"))
    events: Mapped[list[dict[str, Any]]] = mapped_column(default=list)  # detector timeline
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    call_attempt: Mapped[CallAttempt] = relationship(back_populates="drop")
    recording: Mapped[Recording] = relationship()

    __table_args__ = (
        sa.CheckConstraint("message_start_ms >= 0", name="message_start_not_negative"),
        sa.CheckConstraint("bytes_played >= 0", name="bytes_played_not_negative"),
    )

    @property
    def started_early(self) -> bool:
        """True when the message started before the beep ended (the one thing never to do)."""
        return self.beep_end_ms is not None and self.message_start_ms < self.beep_end_ms


class DropClaim(Base):
    """The first start of a message on one carrier call, shared by every afterbeep process.

    A carrier may reconnect a call's media stream to another process; the row's unique
    (carrier, call_id) makes "play the message" succeed once per call whichever process asks.
    """

    __tablename__ = "drop_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(sa.String(32))
    call_id: Mapped[str] = mapped_column(sa.String(128))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("carrier", "call_id"),)


class RepLeg(Base):
    """A prospect's call handed to the rep on a carrier whose transfer bridges a new leg (Telnyx):
    the rep's leg, learnt from a webhook, and whether the call is being taken back or has
    ended. Shared by every afterbeep process: the carrier may send the rep's leg's webhooks
    to one process and the rep's drop may be asked of another.
    """

    __tablename__ = "rep_legs"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier: Mapped[str] = mapped_column(sa.String(32))
    call_id: Mapped[str] = mapped_column(sa.String(128))
    rep_leg: Mapped[str | None] = mapped_column(sa.String(128))
    taken_back: Mapped[bool] = mapped_column(default=False)
    ended: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("carrier", "call_id"),)


class Outcome(Base):
    """Something a prospect did (called back, replied, booked, opted out), and the drop credited."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospects.id", ondelete="CASCADE"))
    kind: Mapped[OutcomeKind] = mapped_column(str_enum(OutcomeKind, "kind"))
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "channel"))
    occurred_at: Mapped[datetime] = mapped_column()
    drop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("drops.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)

    prospect: Mapped[Prospect] = relationship(back_populates="outcomes")
    drop: Mapped[Drop | None] = relationship()

    __table_args__ = (sa.Index(None, "prospect_id", "occurred_at"),)


class Task(Base):
    """A promise to keep, such as the call-back a message said would happen."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(sa.ForeignKey("prospects.id", ondelete="CASCADE"))
    assignee_id: Mapped[int | None] = _user_fk_nullable()
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.CALL)
    title: Mapped[str] = mapped_column(sa.String(300))
    due_at: Mapped[datetime] = mapped_column()
    remind_at: Mapped[datetime | None] = mapped_column()
    done_at: Mapped[datetime | None] = mapped_column()
    drop_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("drops.id", ondelete="SET NULL"), index=True
    )  # the message that made the promise
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    prospect: Mapped[Prospect] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index(None, "prospect_id", "due_at"),
        sa.Index(None, "done_at", "due_at"),
    )


class DncEntry(Base):
    """One number on a do-not-call list of a team: the national registry or the team's own.

    ``listed_at`` is when the opt-out was recorded (internal) or the registry download that
    held it (national). Entries are compliance records: kept, never edited in place.
    """

    __tablename__ = "dnc_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    list_name: Mapped[DncList] = mapped_column(str_enum(DncList, "list_name"))
    phone_e164: Mapped[str] = mapped_column(sa.String(16))
    listed_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str | None] = mapped_column(sa.String(500))

    __table_args__ = (
        sa.UniqueConstraint("team_id", "list_name", "phone_e164"),
        sa.Index(None, "team_id", "phone_e164"),
    )

    @validates("phone_e164")
    def _validate_phone(self, key: str, value: str) -> str:
        checked = _check_e164(value, f"dnc_entries.{key}")
        if checked is None:
            raise InvalidInput("a do-not-call entry needs a phone number", field=key)
        return checked


class DncImport(Base):
    """One import of a do-not-call list: how fresh the team's scrub data is."""

    __tablename__ = "dnc_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk()
    list_name: Mapped[DncList] = mapped_column(str_enum(DncList, "list_name"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    numbers: Mapped[int] = mapped_column(default=0)
    source: Mapped[str | None] = mapped_column(sa.String(500))


class Touch(Base):
    """One planned touch of an enrollment: what, when (UTC), by whom, and what became of it.

    ``key`` is unique: planning the same step twice finds the row already there, and a worker
    that retries a touch sends it under the same key. ``rule_ids`` are the compliance rules
    that decided the planned time.
    """

    __tablename__ = "touches"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = _team_fk(index=False)
    enrollment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    prospect_id: Mapped[int] = mapped_column(
        sa.ForeignKey("prospects.id", ondelete="CASCADE"), index=True
    )
    rep_id: Mapped[int | None] = _user_fk_nullable()
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    position: Mapped[int] = mapped_column()
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    variant: Mapped[str | None] = mapped_column(sa.String(40))
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[TouchStatus] = mapped_column(
        str_enum(TouchStatus, "status"), default=TouchStatus.PLANNED
    )
    rule_ids: Mapped[list[str] | None] = mapped_column(JSON_LIST)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(200))
    claimed_until: Mapped[datetime | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None] = mapped_column()
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON_OBJECT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.Index(None, "team_id", "status", "due_at"),
        sa.CheckConstraint("position >= 1", name="position_positive"),
    )


class ComplianceDecision(Base):
    """The audit log: one compliance decision, the rules that applied and their sources.

    Kept even when the prospect is deleted (the number stays): it is the record of why a
    call was or was not placed.
    """

    __tablename__ = "compliance_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    prospect_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("prospects.id", ondelete="SET NULL"), index=True
    )
    touch_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("touches.id", ondelete="SET NULL"), index=True
    )
    phone_e164: Mapped[str] = mapped_column(sa.String(16))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"))
    action_at: Mapped[datetime] = mapped_column()  # the instant the touch would happen
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    verdict: Mapped[Verdict] = mapped_column(str_enum(Verdict, "verdict"))
    not_before: Mapped[datetime | None] = mapped_column()  # for delay: the earliest allowed
    jurisdictions: Mapped[list[str]] = mapped_column(JSON_LIST)
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON_LIST)  # id, source, effect
    reason: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (sa.Index(None, "phone_e164", "decided_at"),)


@event.listens_for(Session, "before_flush")
def _refuse_changing_script_versions(session: Session, flush_context: Any, instances: Any) -> None:
    """Script versions are history: what was recorded and dropped must stay readable as it was."""
    for obj in session.dirty:
        if isinstance(obj, ScriptVersion) and session.is_modified(obj, include_collections=False):
            raise InvalidInput(
                "script versions are immutable; add a new version with Script.new_version()",
                field=f"script_versions.{obj.id}",
            )
    for obj in session.deleted:
        if isinstance(obj, ScriptVersion) and obj.script not in session.deleted:
            raise InvalidInput(
                "script versions are immutable and cannot be deleted on their own; "
                "archive the script or delete it whole",
                field=f"script_versions.{obj.id}",
            )


def _refuse_naive(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    if value is None:
        return None
    key = initiator.key if initiator is not None else "?"
    return ensure_utc(value, field=f"{type(target).__tablename__}.{key}")


# Refuse naive datetimes when they are assigned, not later at flush time, so the error points
# at the line that made them.
for _mapper in Base.registry.mappers:
    for _column_property in _mapper.column_attrs:
        if any(isinstance(column.type, UTCDateTime) for column in _column_property.columns):
            event.listen(
                getattr(_mapper.class_, _column_property.key), "set", _refuse_naive, retval=True
            )
