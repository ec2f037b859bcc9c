"""The shape of a lint rule and of a finding; the rule catalogue itself is in ``_catalogue``.

A rule is data: a dotted id, a severity, documentation (what / why / example / use instead),
should-fail and should-pass examples, and a pure ``check`` over an already analysed script (or
follow-up email). This module must not hold any rule's logic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Hit:
    """What a check returns: the rule's id and severity are added by the engine."""

    message: str
    start: int
    end: int
    fix: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in a rendered script: ``start``/``end`` are character offsets into it."""

    rule: str
    severity: Severity
    message: str
    start: int
    end: int
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "start": self.start,
            "end": self.end,
            "fix": self.fix,
        }


@dataclass(frozen=True)
class Rule:
    """One lint rule. ``target`` says what ``check`` receives: a script or an email analysis.

    ``example_config`` is the ``[lint]`` table the examples are checked with (rules that need
    a campaign fact, such as the caller ID); ``example_voicemail`` is the voicemail an email
    rule's examples follow up on.
    """

    id: str
    severity: Severity
    summary: str
    what: str
    why: str
    example: str
    instead: str
    should_fail: tuple[str, ...]
    should_pass: tuple[str, ...]
    check: Callable[[Any], Iterable[Hit]]
    target: Literal["script", "email"] = "script"
    example_config: Mapping[str, Any] = field(default_factory=dict)
    example_voicemail: str = ""

    @property
    def category(self) -> str:
        return self.id.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "summary": self.summary,
            "target": self.target,
        }
