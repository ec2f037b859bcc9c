"""Segments and sequences: how many touches a prospect needs, and the steps that make them.

Owns the touch targets per segment (seed facts, editable in ``[cadence.touch_targets]`` of
``afterbeep.toml``), the step conditions (``stop-on-reply``, ``skip-in-blitz``), the default
sequence for a segment, and the checks every sequence must pass: each voicemail is followed
by an email or text whose subject mentions the voicemail, and the touch count falls inside
the segment's target. When a step runs is the planner's business, not this module's.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from afterbeep.errors import ConfigError, InvalidInput
from afterbeep.settings import read_config_file
from afterbeep.store import Channel, Segment, Sequence, SequenceStep

__all__ = [
    "DEFAULT_TOUCH_TARGETS",
    "StepCondition",
    "StepSpec",
    "create_sequence",
    "default_steps",
    "load_touch_targets",
    "validate_steps",
]

DEFAULT_TOUCH_TARGETS: Mapping[Segment, tuple[int, int]] = {
    Segment.INACTIVE_CUSTOMER: (1, 3),
    Segment.FAMILIAR_IN_WINDOW: (1, 5),
    Segment.VERY_FAMILIAR: (3, 10),
    Segment.WARM_INBOUND: (5, 12),
    Segment.SOME_FAMILIARITY: (5, 20),
    Segment.COLD: (20, 50),
}
"""Touches it takes to engage a prospect, by how well they know us (low, high)."""

_VOICEMAIL_WORDS = re.compile(r"voice\s*-?mail|voice message|message I left", re.IGNORECASE)


class StepCondition(enum.StrEnum):
    """When a step is skipped or a sequence ends."""

    STOP_ON_REPLY = "stop-on-reply"  # a reply, call-back or meeting ends the enrollment
    SKIP_IN_BLITZ = "skip-in-blitz"  # skipped when the campaign is blitzing for connects


@dataclass(frozen=True)
class StepSpec:
    """One step before it is stored: channel, wait after the previous step, variant, rules."""

    channel: Channel
    wait: timedelta = timedelta(0)
    variant: str | None = None
    subject: str | None = None
    conditions: frozenset[StepCondition] = field(
        default_factory=lambda: frozenset({StepCondition.STOP_ON_REPLY})
    )


def load_touch_targets(config: Mapping[str, Any] | None = None) -> dict[Segment, tuple[int, int]]:
    """Touch targets: the defaults, overridden by ``[cadence.touch_targets]`` (``cold = [20, 50]``)."""
    if config is None:
        config = read_config_file().get("cadence", {}).get("touch_targets", {})
    targets = dict(DEFAULT_TOUCH_TARGETS)
    for name, value in (config or {}).items():
        try:
            segment = Segment(name)
        except ValueError:
            choices = ", ".join(s.value for s in Segment)
            raise ConfigError(
                f"[cadence.touch_targets]: unknown segment {name!r}; expected one of {choices}"
            ) from None
        if (
            not isinstance(value, list | tuple)
            or len(value) != 2
            or not all(isinstance(v, int) and v >= 1 for v in value)
            or value[0] > value[1]
        ):
            raise ConfigError(
                f"[cadence.touch_targets].{name}: expected [low, high] with 1 <= low <= high, got {value!r}"
            )
        targets[segment] = (int(value[0]), int(value[1]))
    return targets


def _block(index: int) -> list[StepSpec]:
    """One round of the default cadence; rounds alternate so channels and days vary."""
    day = timedelta(days=1)
    if index % 3 == 0:
        return [
            StepSpec(Channel.CALL, wait=2 * day if index else timedelta(0)),
            StepSpec(Channel.VOICEMAIL, conditions=_both()),
            StepSpec(
                Channel.EMAIL,
                wait=timedelta(minutes=10),
                subject="Following up on my voicemail",
                variant="voicemail-follow-up",
            ),
        ]
    if index % 3 == 1:
        return [
            StepSpec(Channel.CALL, wait=2 * day),
            StepSpec(Channel.SOCIAL, wait=timedelta(hours=2)),
        ]
    return [
        StepSpec(Channel.CALL, wait=2 * day),
        StepSpec(Channel.VOICEMAIL, conditions=_both()),
        StepSpec(
            Channel.TEXT,
            wait=timedelta(minutes=5),
            subject="Just left you a voicemail",
            variant="voicemail-follow-up",
        ),
    ]


def _both() -> frozenset[StepCondition]:
    return frozenset({StepCondition.STOP_ON_REPLY, StepCondition.SKIP_IN_BLITZ})


def default_steps(
    segment: Segment, targets: Mapping[Segment, tuple[int, int]] | None = None
) -> list[StepSpec]:
    """A sequence reaching at least the segment's low touch target, never past its high one."""
    low, high = (targets or DEFAULT_TOUCH_TARGETS)[segment]
    steps: list[StepSpec] = []
    index = 0
    while len(steps) < low:
        block = _block(index)
        if len(steps) + len(block) > high:
            block = [s for s in block if s.channel is Channel.CALL][: high - len(steps)]
        steps.extend(block)
        index += 1
    return steps


def validate_steps(
    steps: SequenceOf[StepSpec],
    *,
    segment: Segment | None = None,
    targets: Mapping[Segment, tuple[int, int]] | None = None,
    source: str = "sequence",
) -> None:
    """Refuse a sequence that breaks the pairing rule or its segment's touch target.

    Each voicemail must be followed by an email or text whose subject mentions the voicemail
    (prospects look for it); errors name the step (1-based) as ``line``.
    """
    if not steps:
        raise InvalidInput("a sequence needs at least one step", source=source)
    for index, step in enumerate(steps):
        if step.channel is not Channel.VOICEMAIL:
            continue
        follow = steps[index + 1] if index + 1 < len(steps) else None
        if follow is None or follow.channel not in (Channel.EMAIL, Channel.TEXT):
            raise InvalidInput(
                "a voicemail must be followed by an email or text that mentions it",
                source=source,
                line=index + 1,
                field="channel",
            )
        if not follow.subject or not _VOICEMAIL_WORDS.search(follow.subject):
            raise InvalidInput(
                f"the follow-up's subject {follow.subject!r} must mention the voicemail "
                "(e.g. 'Following up on my voicemail')",
                source=source,
                line=index + 2,
                field="subject",
            )
    if segment is not None:
        low, high = (targets or DEFAULT_TOUCH_TARGETS)[segment]
        if not low <= len(steps) <= high:
            raise InvalidInput(
                f"{len(steps)} touches for segment {segment.value}; its target is {low}-{high}",
                source=source,
                field="steps",
            )


def create_sequence(
    session: Session,
    *,
    team_id: int,
    name: str,
    segment: Segment | None = None,
    steps: SequenceOf[StepSpec] | None = None,
    targets: Mapping[Segment, tuple[int, int]] | None = None,
) -> Sequence:
    """Store a validated sequence (default steps for the segment when none are given)."""
    if steps is None:
        if segment is None:
            raise InvalidInput("give steps or a segment for the default steps", field="steps")
        steps = default_steps(segment, targets)
    validate_steps(steps, segment=segment, targets=targets, source=f"sequence {name!r}")
    sequence = Sequence(team_id=team_id, name=name, segment=segment)
    for position, spec in enumerate(steps, start=1):
        sequence.steps.append(
            SequenceStep(
                position=position,
                channel=spec.channel,
                wait_minutes=int(spec.wait.total_seconds() // 60),
                variant=spec.variant,
                subject=spec.subject,
                conditions=sorted(str(c) for c in spec.conditions),
            )
        )
    session.add(sequence)
    return sequence
