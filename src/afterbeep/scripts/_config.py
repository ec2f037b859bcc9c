"""Lint settings: the ``[lint]`` table of ``afterbeep.toml``, CLI overrides and inline disables.

Owns ``LintConfig`` (validated at construction: unknown keys or rule ids are a ``ConfigError``
naming them) and the inline-disable comment syntax. It must not run rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal

from afterbeep.errors import ConfigError, InvalidInput
from afterbeep.phone import parse_phone
from afterbeep.settings import read_config_file

Strategy = Literal["either", "call-again", "invite-callback"]
STRATEGIES: tuple[str, ...] = ("either", "call-again", "invite-callback")

# ``{# afterbeep: disable=cta.multiple, style.jargon #}``: a Jinja comment, so it never reaches
# the rendered message; it disables the rules for the whole script it is written in.
INLINE_DISABLE = re.compile(r"\{#-?\s*afterbeep:\s*disable\s*=\s*([^#]*?)\s*-?#\}")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


@dataclass(frozen=True)
class LintConfig:
    """What the linter checks and against which facts. Every field has a sensible default.

    ``business_name`` is the rep's company (said at the start, by law for pre-recorded
    messages); the merge field ``company`` is the prospect's. ``caller_id`` is the number the
    campaign calls from; ``callback_number`` the number the message must give, when fixed.
    """

    disable: frozenset[str] = frozenset()
    words_per_minute: float = 150.0
    min_seconds: float = 8.0
    max_seconds: float = 30.0
    strategy: Strategy = "either"
    caller_id: str | None = None
    callback_number: str | None = None
    require_opt_out: bool = False
    business_name: str | None = None
    region: str = "US"
    max_sentence_words: int = 25
    email_max_words: int = 120
    fields: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from afterbeep.scripts._catalogue import RULES_BY_ID

        object.__setattr__(self, "disable", frozenset(self.disable))
        unknown = sorted(rule for rule in self.disable if rule not in RULES_BY_ID)
        if unknown:
            raise ConfigError(
                f"unknown lint rule id(s) {', '.join(unknown)}; see: afterbeep lint --list-rules"
            )
        if not 60 <= self.words_per_minute <= 300:
            raise ConfigError(
                f"lint.words_per_minute must be between 60 and 300, got {self.words_per_minute}"
            )
        if not 0 < self.min_seconds < self.max_seconds:
            raise ConfigError(
                "lint.min_seconds must be > 0 and below lint.max_seconds, got "
                f"{self.min_seconds} and {self.max_seconds}"
            )
        for name in ("caller_id", "callback_number"):
            number = getattr(self, name)
            if number is not None:
                try:
                    parse_phone(str(number), region=self.region)
                except InvalidInput as error:
                    raise ConfigError(f"lint.{name}: {error.reason}") from error
        if self.strategy not in STRATEGIES:
            raise ConfigError(
                f"lint.strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}"
            )

    def with_disabled(self, rules: Iterable[str]) -> LintConfig:
        """A copy with ``rules`` disabled too (validated)."""
        return replace(self, disable=self.disable | frozenset(rules))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, source: str = "[lint]") -> LintConfig:
        """Build from a ``[lint]`` table; unknown keys are a ``ConfigError`` naming them."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(
                f"{source}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        values = dict(table)
        if "disable" in values:
            disable = values["disable"]
            if not isinstance(disable, list) or not all(isinstance(r, str) for r in disable):
                raise ConfigError(f"{source}: disable must be a list of rule ids")
            values["disable"] = frozenset(disable)
        if "fields" in values:
            if not isinstance(values["fields"], Mapping):
                raise ConfigError(f"{source}: fields must be a table of merge field values")
            values["fields"] = {str(k): str(v) for k, v in values["fields"].items()}
        try:
            return cls(**values)
        except TypeError as error:
            raise ConfigError(f"{source}: {error}") from error


def load_lint_config(path: Path | None = None) -> LintConfig:
    """The ``[lint]`` table of ``afterbeep.toml`` (or the file at ``path``), validated."""
    table = read_config_file(path).get("lint", {})
    if not isinstance(table, Mapping):
        raise ConfigError("[lint] must be a table")
    return LintConfig.from_mapping(table, source=f"{path or 'afterbeep.toml'} [lint]")


def inline_disables(source: str, *, name: str | None = None) -> frozenset[str]:
    """Rule ids disabled by ``{# afterbeep: disable=a.b, c.d #}`` comments in ``source``.

    An unknown id is an ``InvalidInput`` naming the script (``name``) and the line.
    """
    from afterbeep.scripts._catalogue import RULES_BY_ID

    rules: set[str] = set()
    for match in INLINE_DISABLE.finditer(source):
        ids = [r.strip() for r in match.group(1).split(",") if r.strip()]
        unknown = sorted(rule for rule in ids if rule not in RULES_BY_ID)
        if unknown:
            raise InvalidInput(
                f"inline disable names unknown rule id(s) {', '.join(unknown)}; "
                "see: afterbeep lint --list-rules",
                source=name,
                line=source.count("\n", 0, match.start()) + 1,
            )
        rules.update(ids)
    return frozenset(rules)
