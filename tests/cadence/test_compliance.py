"""The compliance engine: jurisdiction rules as data, decisions with the rules that applied."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from afterbeep.cadence.compliance import (
    FALLBACK,
    ComplianceEngine,
    History,
    RuleKind,
    Target,
    load_rules,
)
from afterbeep.errors import ComplianceBlocked, ConfigError
from afterbeep.store import Channel, Verdict

ENGINE = ComplianceEngine()
SCRUBBED = {"national": datetime(2026, 11, 20, tzinfo=UTC)}
HISTORY = History(scrubbed_at=SCRUBBED)
NEW_YORK = ZoneInfo("America/New_York")


def us(state: str | None, zone: str = "America/New_York", line: str = "fixed_line") -> Target:
    return Target("+13055550100", "US", (state,) if state else (), (zone,), line)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


def decide(target: Target, when: datetime, channel: Channel = Channel.CALL, history=HISTORY):
    return ENGINE.decide(target, channel, when, history)


def test_every_shipped_rule_has_a_source_and_a_unique_dotted_id():
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert all(r.source and "." in r.id for r in rules)
    assert {"US", "US-FL", "US-OK", "US-WA", "US-KY", "US-AL", "US-LA", "US-CA", "CA", "GB"} <= {
        r.jurisdiction for r in rules
    }


def test_a_bad_rule_row_is_a_config_error_naming_it(tmp_path: Path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nid = "xx.hours"\njurisdiction = "XX"\nkind = "hours"\nstart = "09:00"\nsource = "test"\n'
    )
    with pytest.raises(ConfigError, match=r"rule 1 \(xx.hours\).*needs end"):
        load_rules(path)


@pytest.mark.parametrize(
    ("state", "hour", "minute", "verdict", "rule"),
    [
        ("NY", 7, 59, Verdict.DELAY, "us.hours"),
        ("NY", 8, 0, Verdict.ALLOW, None),
        ("NY", 20, 59, Verdict.ALLOW, None),
        ("NY", 21, 0, Verdict.DELAY, "us.hours"),
        ("FL", 20, 0, Verdict.DELAY, "us-fl.hours"),
        ("FL", 19, 59, Verdict.ALLOW, None),
        ("OK", 20, 30, Verdict.DELAY, "us-ok.hours"),
        ("WA", 20, 30, Verdict.DELAY, "us-wa.hours"),
        ("KY", 9, 30, Verdict.DELAY, "us-ky.hours"),
        ("KY", 10, 0, Verdict.ALLOW, None),
    ],
)
def test_calling_hours_by_state(state, hour, minute, verdict, rule):
    decision = decide(us(state), local("America/New_York", 2026, 11, 24, hour, minute))
    assert decision.verdict is verdict
    if rule:
        assert decision.deciding[0].id == rule
        start = decision.not_before.astimezone(NEW_YORK)
        assert start > decision.at
        assert ENGINE.decide(us(state), Channel.CALL, decision.not_before, HISTORY).allowed
    else:
        assert {r.id for r in decision.rules} >= {"us.hours", "us.dnc.national"}


def test_unknown_state_gets_the_strictest_us_state_hours():
    decision = decide(us(None), local("America/New_York", 2026, 11, 24, 9, 30))
    assert decision.verdict is Verdict.DELAY
    assert decision.deciding[0].id.startswith("us-fallback.hours")
    assert "us-ky.hours" in decision.deciding[0].source
    assert decision.not_before == local("America/New_York", 2026, 11, 24, 10, 0)


@pytest.mark.parametrize("state", ["AL", "LA"])
def test_sunday_and_legal_holiday_bans(state):
    sunday = decide(us(state, "America/Chicago"), local("America/Chicago", 2026, 11, 22, 12, 0))
    assert sunday.verdict is Verdict.DELAY
    assert sunday.deciding[0].id == f"us-{state.lower()}.no-days"
    assert sunday.not_before == local("America/Chicago", 2026, 11, 23, 8, 0)
    thanksgiving = decide(us(state, "America/Chicago"), local("America/Chicago", 2026, 11, 26, 12))
    assert thanksgiving.verdict is Verdict.DELAY
    assert "Thanksgiving" in thanksgiving.deciding[0].detail
    assert thanksgiving.not_before.astimezone(ZoneInfo("America/Chicago")).day == 27
    # Florida has no such ban: the same Sunday is fine there.
    assert decide(us("FL"), local("America/New_York", 2026, 11, 22, 12, 0)).allowed


def test_california_prerecorded_hours_start_later_than_live_calls():
    target = Target(
        "+14155550100",
        "US",
        ("CA",),
        ("America/Los_Angeles",),
        "fixed_line",
        {Channel.VOICEMAIL: True},
    )
    at = local("America/Los_Angeles", 2026, 11, 24, 8, 30)
    assert decide(target, at, Channel.CALL).allowed
    voicemail = decide(target, at, Channel.VOICEMAIL)
    assert voicemail.verdict is Verdict.DELAY
    assert voicemail.deciding[0].id == "us-ca.hours-prerecorded"
    assert "2872" in voicemail.deciding[0].source


def test_canada_weekday_and_weekend_hours():
    target = Target("+14165550100", "CA", ("ON",), ("America/Toronto",), "fixed_line")
    history = History(scrubbed_at=SCRUBBED)
    assert ENGINE.decide(
        target, Channel.CALL, local("America/Toronto", 2026, 11, 24, 21, 15), history
    ).allowed
    saturday = ENGINE.decide(
        target, Channel.CALL, local("America/Toronto", 2026, 11, 28, 18, 30), history
    )
    assert saturday.verdict is Verdict.DELAY
    assert saturday.deciding[0].id == "ca.hours.weekends"
    assert saturday.not_before == local("America/Toronto", 2026, 11, 29, 10, 0)


def test_uk_has_no_hours_in_law_so_gets_the_strictest_common_hours_and_its_own_rules():
    target = Target("+442079460000", "GB", (), ("Europe/London",), "fixed_line")
    decision = ENGINE.decide(
        target, Channel.CALL, local("Europe/London", 2026, 11, 24, 9, 0), History()
    )
    assert decision.verdict is Verdict.DELAY
    assert decision.deciding[0].id.startswith("fallback.hours")
    allowed = ENGINE.decide(
        target, Channel.CALL, local("Europe/London", 2026, 11, 24, 11, 0), History()
    )
    ids = {r.id: r.effect for r in allowed.rules}
    assert ids["gb.ring-time"] == "require"
    assert ids["gb.abandon-rate"] == "pass"


def test_florida_caps_three_calls_per_24_hours():
    first = local("America/New_York", 2026, 11, 24, 9, 0)
    calls = tuple(first + timedelta(hours=h) for h in range(3))
    history = History(recent_calls=calls, scrubbed_at=SCRUBBED)
    decision = decide(us("FL"), first + timedelta(hours=5), history=history)
    assert decision.verdict is Verdict.DELAY
    assert decision.deciding[0].id == "us-fl.cap"
    assert decision.not_before >= calls[0] + timedelta(hours=24)
    # New York has no cap.
    assert decide(us("NY"), first + timedelta(hours=5), history=history).allowed


def test_unknown_country_gets_the_strictest_common_rule():
    target = Target("+33123456789", "FR", (), ("Europe/Paris",), "fixed_line")
    decision = ENGINE.decide(
        target, Channel.CALL, local("Europe/Paris", 2026, 11, 24, 9, 0), History()
    )
    assert decision.jurisdictions == (FALLBACK,)
    assert decision.verdict is Verdict.DENY  # no national list imported: strictest says scrub
    ids = {r.id for r in decision.rules}
    assert "fallback.dnc.national" in ids


def test_the_fallback_window_is_inside_every_known_window():
    fallback = ENGINE.policy((FALLBACK,), Channel.CALL)
    for jurisdiction in ("US", "US-FL", "US-KY", "US-WA", "CA"):
        known = ENGINE.policy((jurisdiction,), Channel.CALL)
        for weekday in range(7):
            mine, theirs = fallback.windows[weekday], known.windows[weekday]
            if theirs is None:
                continue
            assert mine is not None
            assert theirs.start <= mine.start < mine.end <= theirs.end
    assert fallback.banned_days[6]  # Sunday, as in Alabama and Louisiana
    assert fallback.holiday_rules
    assert fallback.cap == (3, 24)
    kinds = {r.kind for r in ENGINE.fallback_rules}
    assert kinds >= {RuleKind.HOURS, RuleKind.CAP, RuleKind.CONSENT, RuleKind.DNC, RuleKind.ABANDON}


def test_do_not_call_lists_and_their_freshness():
    at = local("America/New_York", 2026, 11, 24, 12, 0)
    listed = History(dnc={"national": at - timedelta(days=3)}, scrubbed_at=SCRUBBED)
    denied = decide(us("NY"), at, history=listed)
    assert denied.verdict is Verdict.DENY
    assert denied.deciding[0].id == "us.dnc.national"
    stale = History(scrubbed_at={"national": at - timedelta(days=32)})
    assert decide(us("NY"), at, history=stale).deciding[0].detail.endswith("(max 31)")
    assert decide(us("NY"), at, history=History()).verdict is Verdict.DENY
    internal = History(dnc={"internal": at - timedelta(minutes=1)}, scrubbed_at=SCRUBBED)
    assert decide(us("NY"), at, history=internal).deciding[0].id == "us.dnc.internal"


def test_prerecorded_voice_to_a_mobile_needs_written_consent():
    at = local("America/New_York", 2026, 11, 24, 12, 0)
    mobile = us("NY", line="mobile")
    denied = decide(mobile, at, Channel.VOICEMAIL)
    assert denied.verdict is Verdict.DENY
    assert denied.deciding[0].id == "us.consent.prerecorded-wireless"
    with pytest.raises(ComplianceBlocked, match=r"us\.consent\.prerecorded-wireless") as caught:
        denied.raise_if_blocked()
    assert caught.value.jurisdiction == "US"
    oral = Target(
        mobile.phone_e164, "US", ("NY",), mobile.time_zones, "mobile", {Channel.VOICEMAIL: False}
    )
    assert decide(oral, at, Channel.VOICEMAIL).verdict is Verdict.DENY
    written = Target(
        mobile.phone_e164, "US", ("NY",), mobile.time_zones, "mobile", {Channel.VOICEMAIL: True}
    )
    assert decide(written, at, Channel.VOICEMAIL).allowed
    assert decide(mobile, at, Channel.CALL).allowed  # a live call needs no consent
    assert decide(us("NY", line="fixed_line"), at, Channel.VOICEMAIL).allowed
    assert decide(us("NY", line="unknown"), at, Channel.VOICEMAIL).verdict is Verdict.DENY


def test_abandoned_call_rate_over_three_percent_stops_the_campaign():
    at = local("America/New_York", 2026, 11, 24, 12, 0)
    high = History(scrubbed_at=SCRUBBED, abandon={720: (100, 4)})
    decision = decide(us("NY"), at, history=high)
    assert decision.verdict is Verdict.DENY
    assert decision.deciding[0].id == "us.abandon-rate"
    assert decide(
        us("NY"), at, history=History(scrubbed_at=SCRUBBED, abandon={720: (100, 3)})
    ).allowed


def test_a_number_in_several_zones_must_be_inside_the_window_in_all():
    target = Target(
        "+18005550100", "US", ("NY",), ("America/New_York", "America/Los_Angeles"), "fixed_line"
    )
    at = local("America/New_York", 2026, 11, 24, 9, 0)  # 06:00 in Los Angeles
    decision = decide(target, at)
    assert decision.verdict is Verdict.DELAY
    assert decision.not_before == local("America/Los_Angeles", 2026, 11, 24, 8, 0)


def test_dst_spring_forward_day_opens_at_eight_local():
    # 2026-03-08: US clocks go from 02:00 to 03:00.
    at = local("America/New_York", 2026, 3, 8, 1, 30)
    decision = decide(us("NY"), at)
    assert decision.not_before is not None
    opened = decision.not_before.astimezone(NEW_YORK)
    assert (opened.date().isoformat(), opened.time()) == ("2026-03-08", time(8, 0))
    assert decision.not_before - at == timedelta(hours=5, minutes=30)
