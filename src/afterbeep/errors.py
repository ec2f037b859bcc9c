"""The one exception tree of afterbeep.

Every error afterbeep raises on purpose is an ``AfterbeepError``::

    AfterbeepError
    ├── InvalidInput        bad audio, template, CSV row, corpus line... names the file, line or field
    ├── ComplianceBlocked   a rule forbids the action; names the rule and the jurisdiction
    ├── CarrierError        a carrier protocol or REST failure
    └── ConfigError         bad settings, caught at start-up

The CLI maps each class to a one-line message and its ``exit_code``; the web API maps it to a
JSON error with its ``http_status``. This module must not import anything else from afterbeep.
"""

from __future__ import annotations


class AfterbeepError(Exception):
    """Base of every error afterbeep raises on purpose."""

    exit_code = 10
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(AfterbeepError):
    """Input that cannot be used as given.

    ``source`` names the file (or stream, or request field) and ``line``/``column``/``field``
    say where in it, when known. ``str(error)`` gives one line with all of them.
    """

    exit_code = 3
    http_status = 422

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.column = column
        self.field = field
        where = []
        if source:
            where.append(str(source))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column}")
        if field:
            where.append(f"field {field!r}")
        self.reason = message
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class ComplianceBlocked(AfterbeepError):
    """A compliance rule forbids the action. ``rule`` is its dotted id."""

    exit_code = 5
    http_status = 409

    def __init__(self, message: str, *, rule: str, jurisdiction: str) -> None:
        self.rule = rule
        self.jurisdiction = jurisdiction
        super().__init__(f"{message} (rule {rule}, {jurisdiction})")


class CarrierError(AfterbeepError):
    """A carrier's protocol or REST API failed or answered something we cannot use."""

    exit_code = 6
    http_status = 502

    def __init__(self, message: str, *, carrier: str) -> None:
        self.carrier = carrier
        super().__init__(f"{carrier}: {message}")


class ConfigError(AfterbeepError):
    """Settings that cannot work; raised at start-up, never mid-call."""

    exit_code = 4
    http_status = 500


class MissingExtra(ConfigError):
    """An optional dependency is not installed; says which extra brings it."""

    def __init__(self, module: str, extra: str) -> None:
        self.module = module
        self.extra = extra
        super().__init__(
            f"{module} is not installed; install it with: pip install 'afterbeep[{extra}]'"
        )
