"""The fixed vocabularies of the store, as string enums.

Each is stored as its ``value`` in a VARCHAR column guarded by a CHECK constraint, so the
words in the database are the words of the API. Adding a value needs a migration (the CHECK
constraint changes). Must not import anything above the store.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """What a user may do: reps call, managers run campaigns, admins run the team."""

    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class LineType(enum.StrEnum):
    """The kind of line a number is (pre-recorded messages to mobiles need prior consent)."""

    MOBILE = "mobile"
    FIXED_LINE = "fixed_line"
    FIXED_LINE_OR_MOBILE = "fixed_line_or_mobile"
    VOIP = "voip"
    TOLL_FREE = "toll_free"
    UNKNOWN = "unknown"


class Segment(enum.StrEnum):
    """How well the prospect knows us; sets how many touches a sequence plans."""

    INACTIVE_CUSTOMER = "inactive_customer"
    FAMILIAR_IN_WINDOW = "familiar_in_window"
    VERY_FAMILIAR = "very_familiar"
    WARM_INBOUND = "warm_inbound"
    SOME_FAMILIARITY = "some_familiarity"
    COLD = "cold"


class Channel(enum.StrEnum):
    """A way of touching a prospect. ``voicemail`` is a pre-recorded message (a call in law)."""

    CALL = "call"
    VOICEMAIL = "voicemail"
    EMAIL = "email"
    TEXT = "text"
    SOCIAL = "social"
    MAIL = "mail"
    VIDEO = "video"
    FACE_TO_FACE = "face_to_face"


class ScriptStrategy(enum.StrEnum):
    """How a message closes: promise a time to call again, or invite a call back."""

    CALL_AGAIN = "call-again"
    INVITE_CALLBACK = "invite-callback"


class CampaignStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


class EnrollmentStatus(enum.StrEnum):
    """Where one prospect is in one campaign."""

    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    OPTED_OUT = "opted_out"


class Carrier(enum.StrEnum):
    TWILIO = "twilio"
    TELNYX = "telnyx"
    PLIVO = "plivo"
    VONAGE = "vonage"
    ASTERISK = "asterisk"
    SIMULATOR = "simulator"


class AnsweredBy(enum.StrEnum):
    """Who answered, in the labelled-corpus vocabulary (DESIGN.md); ``unknown`` = not sure."""

    HUMAN = "human"
    MACHINE = "machine"
    FAX = "fax"
    SILENCE = "silence"
    UNKNOWN = "unknown"


class DropEndReason(enum.StrEnum):
    """Why the playback of a dropped message stopped."""

    COMPLETED = "completed"
    FAR_END_HANGUP = "far_end_hangup"
    MAILBOX_FULL = "mailbox_full"
    GENERAL_MAILBOX = "general_mailbox"
    CANCELLED = "cancelled"
    CARRIER_ERROR = "carrier_error"


class OutcomeKind(enum.StrEnum):
    """What came of the touches: the events callback attribution counts."""

    CALLBACK = "callback"
    REPLY = "reply"
    MEETING = "meeting"
    OPT_OUT = "opt_out"
    WRONG_NUMBER = "wrong_number"
    NONE = "none"


class DncList(enum.StrEnum):
    """Which do-not-call list a number is on: a national registry download, or our own."""

    NATIONAL = "national"
    INTERNAL = "internal"


class Verdict(enum.StrEnum):
    """What the compliance engine decided about one touch at one instant."""

    ALLOW = "allow"
    DENY = "deny"
    DELAY = "delay"


class TouchStatus(enum.StrEnum):
    """The life of one planned touch: planned, claimed by a worker, then done or not sent."""

    PLANNED = "planned"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    BLOCKED = "blocked"
    FAILED = "failed"
