"""The compliance engine: may this touch happen at this instant, and if not, when?

Owns the jurisdiction rules (loaded from ``jurisdictions.toml``, each row with its source),
which rules apply to a prospect, the strictest-common fallback for unknown jurisdictions, and
the decision itself: ``allow``, ``deny`` or ``delay`` (with the earliest allowed instant),
always with every rule that applied. It is pure: facts in (``Target``, ``History``), a
``Decision`` out. Reading facts from the database and writing the audit log is
``afterbeep.cadence.audit``'s job; the planner and the worker only ever ask this module.

Safe by default: a country with no rules gets the strictest common rule of every jurisdiction
we know; a US prospect whose state is unknown gets federal rules plus the strictest of the
state rules; a number that may ring in several time zones must be inside the window in all
of them; a line type we do not know counts as a mobile.
"""

from __future__ import annotations

import enum
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from afterbeep.errors import ComplianceBlocked, ConfigError
from afterbeep.store.enums import Channel, Verdict

__all__ = [
    "CALL_CHANNELS",
    "FALLBACK",
    "US_STATE_FALLBACK",
    "AppliedRule",
    "ComplianceEngine",
    "Decision",
    "History",
    "Policy",
    "Rule",
    "RuleKind",
    "Target",
    "default_engine",
    "load_rules",
]

FALLBACK = "*"  # any country we hold no rules for
US_STATE_FALLBACK = "US-*"  # a US prospect whose state is unknown
CALL_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL, Channel.TEXT})
"""The touches calling-hours rules govern by default (a text is a call under the TCPA)."""

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SEARCH_DAYS = 21  # how far ahead a delay looks for an allowed instant before denying


class RuleKind(enum.StrEnum):
    HOURS = "hours"
    NO_DAYS = "no-days"
    CAP = "cap"
    CONSENT = "consent"
    DNC = "dnc"
    ABANDON = "abandon"
    RING = "ring"


class Rule(BaseModel):
    """One rule of one jurisdiction, as written in ``jurisdictions.toml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z*][a-z0-9*-]*(\.[a-z0-9-]+)+$")
    jurisdiction: str = Field(pattern=r"^([A-Z]{2}(-[A-Z*]{1,3})?|\*)$")
    kind: RuleKind
    source: str = Field(min_length=3)
    channels: frozenset[Channel] = CALL_CHANNELS
    start: time | None = None
    end: time | None = None
    days: frozenset[int] = frozenset(range(7))
    holidays: bool = False
    max_calls: int | None = Field(default=None, ge=1)
    per_hours: int | None = Field(default=None, ge=1)
    line_types: frozenset[str] = frozenset()
    written: bool = False
    list: Literal["national", "internal"] | None = None
    max_age_days: int | None = Field(default=None, ge=1)
    honour_within_days: int | None = Field(default=None, ge=0)
    business_days: bool = False
    keep_years: int | None = Field(default=None, ge=1)
    max_percent: float | None = Field(default=None, gt=0, le=100)
    window_hours: int | None = Field(default=None, ge=1)
    min_seconds: int | None = Field(default=None, ge=1)

    @field_validator("days", mode="before")
    @classmethod
    def _weekday_names(cls, value: Any) -> Any:
        if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            unknown = [v for v in value if v not in _DAYS]
            if unknown:
                raise ValueError(f"days must be among {', '.join(_DAYS)}, got {unknown}")
            return frozenset(_DAYS.index(v) for v in value)
        return value

    def model_post_init(self, context: Any) -> None:
        needs: dict[RuleKind, tuple[str, ...]] = {
            RuleKind.HOURS: ("start", "end"),
            RuleKind.CAP: ("max_calls", "per_hours"),
            RuleKind.DNC: ("list",),
            RuleKind.ABANDON: ("max_percent", "window_hours"),
            RuleKind.RING: ("min_seconds",),
        }
        missing = [name for name in needs.get(self.kind, ()) if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} rule needs {', '.join(missing)}")
        if self.kind is RuleKind.HOURS and self.start and self.end and self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        if self.kind is RuleKind.CONSENT and not self.line_types:
            raise ValueError("a consent rule needs line_types (or ['any'])")

    @property
    def days_text(self) -> str:
        return ",".join(_DAYS[d] for d in sorted(self.days))


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The rules in ``path`` (default: the shipped ``jurisdictions.toml``), validated.

    A bad row is a ``ConfigError`` naming its index and id; duplicate ids are refused.
    """
    if path is None:
        text = resources.files("afterbeep.cadence").joinpath("jurisdictions.toml").read_text()
        name = "jurisdictions.toml"
    else:
        text, name = path.read_text(encoding="utf-8"), str(path)
    try:
        rows = tomllib.loads(text).get("rule", [])
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: not valid TOML: {error}") from error
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, row in enumerate(rows, start=1):
        try:
            rule = Rule(**row)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            problem = f"{where}: {first['msg']}" if where else first["msg"]
            raise ConfigError(f"{name}: rule {index} ({row.get('id', '?')}): {problem}") from error
        if rule.id in seen:
            raise ConfigError(f"{name}: rule id {rule.id!r} appears twice")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


# ------------------------------------------------------------------------------ facts in


@dataclass(frozen=True, slots=True)
class Target:
    """Whom a touch goes to, as far as the law cares.

    ``regions`` are state/province codes (from the address and from the number's area code:
    both apply). ``time_zones``: every zone the prospect may be in (all must allow).
    ``consents`` maps a channel to whether the consent on record is written.
    """

    phone_e164: str
    country: str | None
    regions: tuple[str, ...] = ()
    time_zones: tuple[str, ...] = ()
    line_type: str = "unknown"
    consents: Mapping[Channel, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class History:
    """What has happened to the number, as far as the law cares.

    ``recent_calls``: instants (UTC) of earlier calls and voicemails to the number (planned
    ones included). ``dnc``: list name -> when the number was listed. ``scrubbed_at``: list
    name -> when the team last imported that list. ``abandon``: window hours -> (answered,
    abandoned) calls of the campaign in that window; a window missing is not measured.
    """

    recent_calls: tuple[datetime, ...] = ()
    dnc: Mapping[str, datetime] = field(default_factory=dict)
    scrubbed_at: Mapping[str, datetime] = field(default_factory=dict)
    abandon: Mapping[int, tuple[int, int]] = field(default_factory=dict)


# ------------------------------------------------------------------------------ decision out


@dataclass(frozen=True, slots=True)
class AppliedRule:
    """One rule as it applied to one decision: ``pass``, ``deny``, ``delay`` or ``require``."""

    id: str
    jurisdiction: str
    source: str
    effect: Literal["pass", "deny", "delay", "require"]
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.id,
            "jurisdiction": self.jurisdiction,
            "source": self.source,
            "effect": self.effect,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one touch at one instant, with every rule that applied."""

    verdict: Verdict
    channel: Channel
    phone_e164: str
    at: datetime
    not_before: datetime | None
    jurisdictions: tuple[str, ...]
    rules: tuple[AppliedRule, ...]
    reason: str

    @property
    def allowed(self) -> bool:
        return self.verdict is Verdict.ALLOW

    @property
    def deciding(self) -> tuple[AppliedRule, ...]:
        """The rules that denied or delayed (empty when allowed)."""
        return tuple(rule for rule in self.rules if rule.effect in ("deny", "delay"))

    def raise_if_blocked(self) -> None:
        """``ComplianceBlocked`` naming the deciding rule, unless the touch is allowed now."""
        if self.allowed:
            return
        rule = self.deciding[0] if self.deciding else None
        raise ComplianceBlocked(
            self.reason,
            rule=rule.id if rule else "compliance",
            jurisdiction=rule.jurisdiction if rule else ",".join(self.jurisdictions),
        )


# ------------------------------------------------------------------------------ policies


@dataclass(frozen=True, slots=True)
class Window:
    start: int  # minutes after local midnight, inclusive
    end: int  # exclusive
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """The rules of a set of jurisdictions for one channel, merged (strictest wins)."""

    jurisdictions: tuple[str, ...]
    channel: Channel
    windows: tuple[Window | None, ...]  # per weekday; None: no hours rule (any time)
    banned_days: tuple[tuple[Rule, ...], ...]  # per weekday: the rules banning it
    holiday_rules: tuple[Rule, ...]
    caps: tuple[Rule, ...]
    consents: tuple[Rule, ...]
    dnc: tuple[Rule, ...]
    abandon: tuple[Rule, ...]
    ring: tuple[Rule, ...]
    hour_rules: tuple[Rule, ...]

    @property
    def cap(self) -> tuple[int, int] | None:
        """The tightest (max_calls, per_hours), if any cap applies."""
        if not self.caps:
            return None
        rule = min(self.caps, key=lambda r: (r.max_calls or 0) / (r.per_hours or 1))
        assert rule.max_calls is not None
        assert rule.per_hours is not None
        return rule.max_calls, rule.per_hours

    def window_on(self, day: date) -> Window | None:
        return self.windows[day.weekday()]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _merge(jurisdictions: tuple[str, ...], channel: Channel, rules: Iterable[Rule]) -> Policy:
    rules = [rule for rule in rules if channel in rule.channels]
    windows: list[Window | None] = []
    banned: list[tuple[Rule, ...]] = []
    for weekday in range(7):
        hours = [r for r in rules if r.kind is RuleKind.HOURS and weekday in r.days]
        if hours:
            start = max(_minutes(r.start) for r in hours if r.start)
            end = min(_minutes(r.end) for r in hours if r.end)
            windows.append(Window(start, max(start, end), tuple(hours)))
        else:
            windows.append(None)
        banned.append(tuple(r for r in rules if r.kind is RuleKind.NO_DAYS and weekday in r.days))
    of = lambda kind: tuple(r for r in rules if r.kind is kind)  # noqa: E731
    return Policy(
        jurisdictions=jurisdictions,
        channel=channel,
        windows=tuple(windows),
        banned_days=tuple(banned),
        holiday_rules=tuple(r for r in of(RuleKind.NO_DAYS) if r.holidays),
        caps=of(RuleKind.CAP),
        consents=of(RuleKind.CONSENT),
        dnc=of(RuleKind.DNC),
        abandon=of(RuleKind.ABANDON),
        ring=of(RuleKind.RING),
        hour_rules=of(RuleKind.HOURS),
    )


def strictest_common(rules: Sequence[Rule], *, jurisdiction: str) -> tuple[Rule, ...]:
    """Rules for ``jurisdiction`` that are at least as strict as every rule in ``rules``.

    Per weekday and channel, the calling window is the intersection of every hours rule for
    that day; every banned day and the holiday ban are kept; the tightest cap; consent for
    pre-recorded voice to any line type; both do-not-call lists with the shortest scrub age;
    the lowest abandoned-call rate over the longest window; the longest ring time. Each
    derived rule's source names the rules it was derived from.
    """
    derived: list[Rule] = []
    prefix = "fallback" if jurisdiction == FALLBACK else "us-fallback"

    def add(rule_id: str, kind: RuleKind, sources: Sequence[Rule], **values: Any) -> None:
        names = ", ".join(sorted({r.id for r in sources}))
        derived.append(
            Rule(
                id=f"{prefix}.{rule_id}",
                jurisdiction=jurisdiction,
                kind=kind,
                source=f"strictest common rule, derived from: {names}",
                **values,
            )
        )

    for channel in sorted(CALL_CHANNELS):
        policy = _merge((jurisdiction,), channel, rules)
        by_window: dict[tuple[int, int], list[int]] = {}
        hours_sources: dict[tuple[int, int], set[Rule]] = {}
        for weekday, window in enumerate(policy.windows):
            if window is None:
                continue
            by_window.setdefault((window.start, window.end), []).append(weekday)
            hours_sources.setdefault((window.start, window.end), set()).update(window.rules)
        for (start, end), days in sorted(by_window.items()):
            tag = (
                "-".join(_DAYS[d] for d in (days[0], days[-1])) if len(days) > 1 else _DAYS[days[0]]
            )
            add(
                f"hours.{channel}.{tag}",
                RuleKind.HOURS,
                sorted(hours_sources[(start, end)], key=lambda r: r.id),
                channels=frozenset({channel}),
                start=time(start // 60, start % 60),
                end=time(end // 60, end % 60),
                days=frozenset(days),
            )
    no_days = [r for r in rules if r.kind is RuleKind.NO_DAYS]
    if no_days:
        add(
            "no-days",
            RuleKind.NO_DAYS,
            no_days,
            channels=CALL_CHANNELS,
            days=frozenset().union(*(r.days for r in no_days)),
            holidays=any(r.holidays for r in no_days),
        )
    caps = [r for r in rules if r.kind is RuleKind.CAP]
    if caps:
        tight = min(caps, key=lambda r: (r.max_calls or 0) / (r.per_hours or 1))
        add("cap", RuleKind.CAP, caps, max_calls=tight.max_calls, per_hours=tight.per_hours)
    consents = [r for r in rules if r.kind is RuleKind.CONSENT]
    if consents:
        add(
            "consent.prerecorded",
            RuleKind.CONSENT,
            consents,
            channels=frozenset().union(*(r.channels for r in consents)),
            line_types=frozenset({"any"}),
            written=any(r.written for r in consents),
        )
    for list_name in ("national", "internal"):
        lists = [r for r in rules if r.kind is RuleKind.DNC and r.list == list_name]
        if lists:
            ages = [r.max_age_days for r in lists if r.max_age_days]
            add(
                f"dnc.{list_name}",
                RuleKind.DNC,
                lists,
                list=list_name,
                max_age_days=min(ages) if ages else None,
                honour_within_days=min(
                    (r.honour_within_days for r in lists if r.honour_within_days is not None),
                    default=None,
                ),
            )
    abandons = [r for r in rules if r.kind is RuleKind.ABANDON]
    if abandons:
        add(
            "abandon-rate",
            RuleKind.ABANDON,
            abandons,
            channels=frozenset().union(*(r.channels for r in abandons)),
            max_percent=min(r.max_percent or 100 for r in abandons),
            window_hours=max(r.window_hours or 1 for r in abandons),
        )
    rings = [r for r in rules if r.kind is RuleKind.RING]
    if rings:
        add(
            "ring-time",
            RuleKind.RING,
            rings,
            channels=frozenset().union(*(r.channels for r in rings)),
            min_seconds=max(r.min_seconds or 1 for r in rings),
        )
    return tuple(derived)


# ------------------------------------------------------------------------------ holidays


@lru_cache(maxsize=512)
def _holiday_calendar(country: str, subdivision: str | None) -> holidays_lib.HolidayBase | None:
    try:
        return holidays_lib.country_holidays(country, subdiv=subdivision)
    except (NotImplementedError, KeyError):
        if subdivision is not None:
            return _holiday_calendar(country, None)
        return None


@lru_cache(maxsize=200_000)
def _holiday_name(calendars: tuple[tuple[str, str | None], ...], day: date) -> str | None:
    for country, subdivision in calendars:
        calendar = _holiday_calendar(country, subdivision)
        if calendar is not None and day in calendar:
            return f"{calendar.get(day)} ({country}{'-' + subdivision if subdivision else ''})"
    return None


@lru_cache(maxsize=4096)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _calendars(country: str | None, regions: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    if not country:
        return ()
    if not regions:
        return ((country, None),)
    return tuple((country, region) for region in regions)


@lru_cache(maxsize=4096)
def _zones_for(names: tuple[str, ...]) -> tuple[ZoneInfo, ...]:
    zones = []
    for name in names:
        try:
            zones.append(_zone(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue
    # No zone known: every zone from UTC-12 to UTC+14 would have to agree; hold the touch
    # to the strictest practical answer.
    return tuple(zones) or (_zone("Pacific/Kiritimati"), _zone("Etc/GMT+12"))


# ------------------------------------------------------------------------------ the engine


class ComplianceEngine:
    """Decides touches against a rule set (default: the shipped ``jurisdictions.toml``)."""

    def __init__(self, rules: Sequence[Rule] | None = None) -> None:
        self.rules: tuple[Rule, ...] = tuple(rules) if rules is not None else load_rules()
        self._by_jurisdiction: dict[str, tuple[Rule, ...]] = {}
        for rule in self.rules:
            self._by_jurisdiction.setdefault(rule.jurisdiction, ())
            self._by_jurisdiction[rule.jurisdiction] += (rule,)
        self.countries = frozenset(j for j in self._by_jurisdiction if len(j) == 2)
        self.fallback_rules = strictest_common(self.rules, jurisdiction=FALLBACK)
        us_states = [r for r in self.rules if r.jurisdiction.startswith("US-")]
        self.us_state_fallback_rules = strictest_common(us_states, jurisdiction=US_STATE_FALLBACK)
        self._policies: dict[tuple[tuple[str, ...], Channel], Policy] = {}
        self._jurisdictions: dict[tuple[str | None, tuple[str, ...]], tuple[str, ...]] = {}
        self._pass_cache: dict[tuple[tuple[str, ...], Channel], tuple[AppliedRule, ...]] = {}

    # -- which rules apply

    def jurisdictions_for(self, target: Target) -> tuple[str, ...]:
        """The jurisdictions a target is held to (a fallback when we know none)."""
        key = (target.country, target.regions)
        cached = self._jurisdictions.get(key)
        if cached is None:
            cached = self._jurisdictions[key] = self._find_jurisdictions(*key)
        return cached

    def _find_jurisdictions(self, country: str | None, regions: tuple[str, ...]) -> tuple[str, ...]:
        if country not in self.countries:
            return (FALLBACK,)
        found = [country]
        for region in regions:
            code = f"{country}-{region}"
            if code not in found:
                found.append(code)
        if country == "US" and not regions:
            found.append(US_STATE_FALLBACK)
        return tuple(found)

    def rules_for(self, jurisdictions: tuple[str, ...]) -> tuple[Rule, ...]:
        out: list[Rule] = []
        for name in jurisdictions:
            if name == FALLBACK:
                out.extend(self.fallback_rules)
            elif name == US_STATE_FALLBACK:
                out.extend(self.us_state_fallback_rules)
            else:
                out.extend(self._by_jurisdiction.get(name, ()))
        # A known country without calling hours of its own (the UK has none in law) still
        # gets the strictest common hours: unknown is never "any time".
        channels_with_hours = {
            channel
            for rule in out
            if rule.kind is RuleKind.HOURS and len(rule.jurisdiction) == 2
            for channel in rule.channels
        }
        if FALLBACK not in jurisdictions:
            out.extend(
                rule
                for rule in self.fallback_rules
                if rule.kind is RuleKind.HOURS and not (rule.channels & channels_with_hours)
            )
        return tuple(out)

    def policy(self, jurisdictions: tuple[str, ...], channel: Channel) -> Policy:
        key = (jurisdictions, channel)
        policy = self._policies.get(key)
        if policy is None:
            policy = _merge(jurisdictions, channel, self.rules_for(jurisdictions))
            self._policies[key] = policy
        return policy

    def _passes(self, policy: Policy) -> tuple[AppliedRule, ...]:
        """What the time and cap rules of ``policy`` say when a touch passes them (cached)."""
        key = (policy.jurisdictions, policy.channel)
        cached = self._pass_cache.get(key)
        if cached is None:
            cached = (
                *(
                    _applied(r, "pass", f"inside {r.start:%H:%M}-{r.end:%H:%M} on {r.days_text}")
                    for r in policy.hour_rules
                ),
                *(_applied(r, "pass", "not a banned day") for r in policy.holiday_rules),
                *(
                    _applied(r, "pass", f"at most {r.max_calls} calls per {r.per_hours} h")
                    for r in policy.caps
                ),
            )
            self._pass_cache[key] = cached
        return cached

    def policy_for(self, target: Target, channel: Channel) -> Policy:
        return self.policy(self.jurisdictions_for(target), channel)

    # -- time

    @staticmethod
    def calendars(target: Target) -> tuple[tuple[str, str | None], ...]:
        return _calendars(target.country, target.regions)

    @staticmethod
    def zones(target: Target) -> tuple[ZoneInfo, ...]:
        return _zones_for(target.time_zones)

    def _time_check(
        self,
        policy: Policy,
        zones: tuple[ZoneInfo, ...],
        calendars: tuple[tuple[str, str | None], ...],
        at: datetime,
    ) -> tuple[AppliedRule | None, tuple[AppliedRule, ...]]:
        """The first time rule ``at`` breaks (or None), and the time rules that passed."""
        passed = self._passes(policy)
        for zone in zones:
            local = at.astimezone(zone)
            day = local.date()
            for rule in policy.banned_days[day.weekday()]:
                return _applied(rule, "delay", f"no calls on {day:%A}s ({day})"), passed
            if policy.holiday_rules:
                holiday = _holiday_name(calendars, day)
                if holiday:
                    rule = policy.holiday_rules[0]
                    return _applied(rule, "delay", f"{day} is a holiday: {holiday}"), passed
            window = policy.window_on(day)
            if window is None:
                continue
            minute = local.hour * 60 + local.minute
            if not window.start <= minute < window.end:
                rule = _narrowest(window, minute)
                return (
                    _applied(
                        rule,
                        "delay",
                        f"{local:%a %H:%M} {zone.key} is outside {_hhmm(window.start)}-"
                        f"{_hhmm(window.end)}",
                    ),
                    passed,
                )
        return None, passed

    def _next_open(
        self,
        policy: Policy,
        zone: ZoneInfo,
        calendars: tuple[tuple[str, str | None], ...],
        after: datetime,
    ) -> datetime | None:
        """The first instant at or after ``after`` that is inside the window in ``zone``."""
        local = after.astimezone(zone)
        for offset in range(_SEARCH_DAYS):
            day = local.date() + timedelta(days=offset)
            if policy.banned_days[day.weekday()]:
                continue
            if policy.holiday_rules and _holiday_name(calendars, day):
                continue
            window = policy.window_on(day)
            start_minute, end_minute = (window.start, window.end) if window else (0, 24 * 60)
            if start_minute >= end_minute:
                continue
            begin = max(_local_instant(day, start_minute, zone), after)
            if end_minute < 24 * 60 and begin >= _local_instant(day, end_minute, zone):
                continue
            if begin.astimezone(zone).date() == day:
                return begin
        return None

    def next_allowed_time(
        self, target: Target, channel: Channel, after: datetime, history: History | None = None
    ) -> tuple[datetime | None, tuple[AppliedRule, ...]]:
        """The earliest instant at or after ``after`` allowed by the time rules and caps.

        Returns the instant (None: none within three weeks) and the rules that moved it.
        """
        policy = self.policy_for(target, channel)
        zones = self.zones(target)
        calendars = self.calendars(target)
        recent = sorted(history.recent_calls) if history else []
        moved: list[AppliedRule] = []
        t = _utc(after).replace(microsecond=0)
        if t < _utc(after):
            t += timedelta(seconds=1)
        limit = t + timedelta(days=_SEARCH_DAYS)
        while t < limit:
            broken, _ = self._time_check(policy, zones, calendars, t)
            if broken is not None:
                moved.append(broken)
                opens = [self._next_open(policy, zone, calendars, t) for zone in zones]
                if any(o is None for o in opens):
                    return None, tuple(moved)
                nxt = max(o for o in opens if o is not None)
                t = nxt if nxt > t else t + timedelta(minutes=1)
                continue
            release = _cap_release(policy, recent, t)
            if release is not None:
                moved.append(release[1])
                t = release[0]
                continue
            return t, tuple(moved)
        return None, tuple(moved)

    # -- the decision

    def decide(
        self,
        target: Target,
        channel: Channel,
        at: datetime,
        history: History | None = None,
        *,
        find_next: bool = True,
    ) -> Decision:
        """Allow, deny or delay ``channel`` to ``target`` at ``at``, with the rules applied.

        ``find_next=False`` skips searching for the earliest allowed instant of a delay
        (``not_before`` is then None): for callers that only need the verdict.
        """
        at = _utc(at)
        history = history or History()
        jurisdictions = self.jurisdictions_for(target)
        policy = self.policy(jurisdictions, channel)
        applied: list[AppliedRule] = []
        denials: list[AppliedRule] = []

        for rule in policy.dnc:
            outcome = _dnc_check(rule, history, at)
            (denials if outcome.effect == "deny" else applied).append(outcome)
        for rule in policy.consents:
            outcome = _consent_check(rule, target)
            (denials if outcome.effect == "deny" else applied).append(outcome)
        for rule in policy.abandon:
            outcome = _abandon_check(rule, history)
            (denials if outcome.effect == "deny" else applied).append(outcome)
        applied.extend(
            _applied(rule, "require", f"ring at least {rule.min_seconds} s") for rule in policy.ring
        )
        if denials:
            return Decision(
                verdict=Verdict.DENY,
                channel=channel,
                phone_e164=target.phone_e164,
                at=at,
                not_before=None,
                jurisdictions=jurisdictions,
                rules=tuple(denials + applied),
                reason="; ".join(f"{d.id}: {d.detail}" for d in denials),
            )

        zones = self.zones(target)
        calendars = self.calendars(target)
        broken, passed = self._time_check(policy, zones, calendars, at)
        recent = sorted(history.recent_calls)
        cap = _cap_release(policy, recent, at) if broken is None else None
        if broken is None and cap is None:
            applied.extend(passed)
            return Decision(
                verdict=Verdict.ALLOW,
                channel=channel,
                phone_e164=target.phone_e164,
                at=at,
                not_before=None,
                jurisdictions=jurisdictions,
                rules=tuple(applied),
                reason="allowed: every rule that applies passed",
            )
        first = broken if broken is not None else cap[1] if cap else None
        assert first is not None
        if not find_next:
            return Decision(
                verdict=Verdict.DELAY,
                channel=channel,
                phone_e164=target.phone_e164,
                at=at,
                not_before=None,
                jurisdictions=jurisdictions,
                rules=(first, *applied),
                reason=f"{first.id}: {first.detail}",
            )
        when, moved = self.next_allowed_time(target, channel, at, history)
        rules = (first, *[m for m in moved if m.id != first.id], *applied)
        if when is None:
            return Decision(
                verdict=Verdict.DENY,
                channel=channel,
                phone_e164=target.phone_e164,
                at=at,
                not_before=None,
                jurisdictions=jurisdictions,
                rules=(
                    AppliedRule(first.id, first.jurisdiction, first.source, "deny", first.detail),
                    *rules[1:],
                ),
                reason=f"{first.id}: {first.detail}; no allowed time in {_SEARCH_DAYS} days",
            )
        return Decision(
            verdict=Verdict.DELAY,
            channel=channel,
            phone_e164=target.phone_e164,
            at=at,
            not_before=when,
            jurisdictions=jurisdictions,
            rules=rules,
            reason=f"{first.id}: {first.detail}; earliest allowed {when.isoformat()}",
        )


@lru_cache(maxsize=1)
def default_engine() -> ComplianceEngine:
    """The engine over the shipped rules, built once per process."""
    return ComplianceEngine()


# ------------------------------------------------------------------------------ helpers


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: give an aware instant")
    return value.astimezone(UTC)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_PASSES: dict[tuple[str, str], AppliedRule] = {}


def _applied(rule: Rule, effect: Any, detail: str) -> AppliedRule:
    if effect != "pass":
        return AppliedRule(rule.id, rule.jurisdiction, rule.source, effect, detail)
    # Passes repeat their few details endlessly: share the objects (they are immutable).
    key = (rule.id, detail)
    applied = _PASSES.get(key)
    if applied is None:
        applied = _PASSES[key] = AppliedRule(
            rule.id, rule.jurisdiction, rule.source, "pass", detail
        )
    return applied


def _narrowest(window: Window, minute: int) -> Rule:
    """The rule whose bound the minute broke (the latest start or the earliest end)."""
    if minute < window.start:
        for rule in window.rules:
            if rule.start and _minutes(rule.start) == window.start:
                return rule
    for rule in window.rules:
        if rule.end and _minutes(rule.end) == window.end:
            return rule
    return window.rules[0]


def _local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The UTC instant of local ``day`` at ``minute``; a time skipped by DST moves forward."""
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    candidates = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        back = instant.astimezone(zone)
        if back.replace(tzinfo=None) >= wall:
            candidates.append(instant)
    if candidates:
        return min(candidates)
    return wall.replace(tzinfo=zone, fold=1).astimezone(UTC)


def _cap_release(
    policy: Policy, recent: list[datetime], at: datetime
) -> tuple[datetime, AppliedRule] | None:
    """When a cap would be broken by a call at ``at``: the instant to retry, and the rule.

    Conservative on purpose: calls within ``per_hours`` before *or after* ``at`` (planned ones
    included) count, so no rolling window of ``per_hours`` can ever hold more than the cap.
    """
    for rule in policy.caps:
        assert rule.max_calls is not None
        assert rule.per_hours is not None
        span = timedelta(hours=rule.per_hours)
        near = [c for c in recent if at - span < c < at + span]
        if len(near) >= rule.max_calls:
            detail = (
                f"{len(near)} calls within {rule.per_hours} h of this one "
                f"(max {rule.max_calls} per {rule.per_hours} h)"
            )
            return near[0] + span, _applied(rule, "delay", detail)
    return None


def _dnc_check(rule: Rule, history: History, at: datetime) -> AppliedRule:
    assert rule.list is not None
    listed = history.dnc.get(rule.list)
    if listed is not None and listed <= at:
        return _applied(
            rule, "deny", f"on the {rule.list} do-not-call list since {listed:%Y-%m-%d}"
        )
    if rule.max_age_days is not None:
        scrubbed = history.scrubbed_at.get(rule.list)
        if scrubbed is None:
            return _applied(rule, "deny", f"no {rule.list} do-not-call list imported")
        age = at - scrubbed
        if age > timedelta(days=rule.max_age_days):
            return _applied(
                rule,
                "deny",
                f"{rule.list} do-not-call list is {age.days} days old (max {rule.max_age_days})",
            )
    return _applied(rule, "pass", f"not on the {rule.list} do-not-call list")


def _consent_check(rule: Rule, target: Target) -> AppliedRule:
    applies = "any" in rule.line_types or target.line_type in rule.line_types
    if not applies:
        return _applied(rule, "pass", f"line type {target.line_type}: no consent needed")
    for channel in rule.channels:
        written = target.consents.get(channel)
        if written is None:
            return _applied(
                rule, "deny", f"pre-recorded voice to a {target.line_type} line without consent"
            )
        if rule.written and not written:
            return _applied(rule, "deny", "consent on record is not written")
    return _applied(rule, "pass", "consent on record")


def _abandon_check(rule: Rule, history: History) -> AppliedRule:
    assert rule.window_hours is not None
    assert rule.max_percent is not None
    counts = history.abandon.get(rule.window_hours)
    if counts is None:
        return _applied(rule, "pass", "abandoned-call rate not measured for this touch")
    answered, abandoned = counts
    rate = 100.0 * abandoned / answered if answered else 0.0
    if rate > rule.max_percent:
        return _applied(
            rule,
            "deny",
            f"campaign abandoned {abandoned} of {answered} answered calls ({rate:.1f}% > "
            f"{rule.max_percent:g}%) in {rule.window_hours} h",
        )
    return _applied(rule, "pass", f"abandoned-call rate {rate:.1f}% <= {rule.max_percent:g}%")
