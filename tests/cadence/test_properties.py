"""Property tests: no planned call or voicemail falls outside its jurisdiction's window or over
a cap, across random prospects, instants, time zones, DST changes and holidays; an unknown
jurisdiction gets the strictest rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import violations

from afterbeep.cadence.compliance import (
    FALLBACK,
    US_STATE_FALLBACK,
    ComplianceEngine,
    History,
    Target,
)
from afterbeep.store import Channel, Verdict

ENGINE = ComplianceEngine()
SCRUBBED = {"national": datetime(2020, 1, 1, tzinfo=UTC)}

PLACES = [
    ("US", ("FL",), ("America/New_York",)),
    ("US", ("FL",), ("America/Chicago",)),  # the panhandle
    ("US", ("OK",), ("America/Chicago",)),
    ("US", ("WA",), ("America/Los_Angeles",)),
    ("US", ("KY",), ("America/New_York", "America/Chicago")),
    ("US", ("AL",), ("America/Chicago",)),
    ("US", ("LA",), ("America/Chicago",)),
    ("US", ("CA",), ("America/Los_Angeles",)),
    ("US", ("FL", "KY"), ("America/New_York",)),  # number and address disagree
    ("US", (), ("America/Phoenix",)),  # state unknown, no DST
    ("US", ("HI",), ("Pacific/Honolulu",)),
    ("CA", ("ON",), ("America/Toronto",)),
    ("CA", ("NL",), ("America/St_Johns",)),  # half-hour offset
    ("GB", (), ("Europe/London",)),
    ("FR", (), ("Europe/Paris",)),  # no rules of its own: the fallback
    ("AU", (), ("Australia/Lord_Howe",)),  # half-hour DST shift
    (None, (), ()),  # nothing known at all
]

# Instants dense around DST changes and holidays of 2026-2027.
SPECIAL = [
    datetime(2026, 3, 8, 6, tzinfo=UTC),  # US spring forward
    datetime(2026, 3, 29, 0, tzinfo=UTC),  # EU spring forward
    datetime(2026, 10, 25, 0, tzinfo=UTC),  # EU fall back
    datetime(2026, 11, 1, 5, tzinfo=UTC),  # US fall back
    datetime(2026, 11, 26, 12, tzinfo=UTC),  # Thanksgiving
    datetime(2026, 12, 24, 20, tzinfo=UTC),  # Christmas Eve
    datetime(2027, 1, 1, 0, tzinfo=UTC),
    datetime(2027, 4, 4, 15, tzinfo=UTC),  # Easter Sunday, Lord Howe DST end
    datetime(2026, 7, 3, 12, tzinfo=UTC),  # Independence Day observed
]

instants = st.one_of(
    st.datetimes(  # hypothesis wants naive bounds; the values it draws are aware (UTC)
        min_value=datetime(2026, 1, 1),  # noqa: DTZ001
        max_value=datetime(2027, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    st.builds(
        lambda base, minutes: base + timedelta(minutes=minutes),
        st.sampled_from(SPECIAL),
        st.integers(min_value=-36 * 60, max_value=36 * 60),
    ),
)


@st.composite
def targets(draw: st.DrawFn) -> Target:
    country, regions, zones = draw(st.sampled_from(PLACES))
    line = draw(
        st.sampled_from(["mobile", "fixed_line", "fixed_line_or_mobile", "unknown", "voip"])
    )
    consent = draw(st.sampled_from([{}, {Channel.VOICEMAIL: True}, {Channel.VOICEMAIL: False}]))
    return Target("+13055550100", country, regions, zones, line, consent)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    target=targets(),
    channel=st.sampled_from([Channel.CALL, Channel.VOICEMAIL, Channel.TEXT]),
    at=instants,
    offsets=st.lists(st.integers(min_value=-47 * 60, max_value=47 * 60), max_size=5),
)
def test_no_allowed_or_suggested_instant_breaks_a_rule(target, channel, at, offsets):
    calls = tuple(at + timedelta(minutes=m) for m in offsets)
    history = History(recent_calls=calls, scrubbed_at=SCRUBBED)
    decision = ENGINE.decide(target, channel, at, history)
    if decision.verdict is Verdict.ALLOW:
        assert violations(ENGINE, target, channel, at, calls) == []
    elif decision.verdict is Verdict.DELAY:
        assert decision.not_before is not None
        assert decision.not_before > at
        assert violations(ENGINE, target, channel, decision.not_before, calls) == []
        assert ENGINE.decide(target, channel, decision.not_before, history).allowed
        assert violations(ENGINE, target, channel, at, calls) != [] or decision.deciding
    else:
        assert decision.deciding, "a denial names its rule"
    if violations(ENGINE, target, channel, at, calls):
        assert decision.verdict is not Verdict.ALLOW


@settings(max_examples=200, deadline=None)
@given(target=targets(), at=instants)
def test_unknown_jurisdictions_get_the_strictest_rule(target, at):
    jurisdictions = ENGINE.jurisdictions_for(target)
    if target.country not in ENGINE.countries:
        assert jurisdictions == (FALLBACK,)
        # Allowed under the fallback means allowed under every jurisdiction we know.
        history = History(scrubbed_at=SCRUBBED)
        if ENGINE.decide(target, Channel.CALL, at, history).allowed:
            for country, regions, _ in PLACES:
                if country in ENGINE.countries:
                    known = Target(
                        target.phone_e164, country, regions, target.time_zones, "fixed_line"
                    )
                    assert violations(ENGINE, known, Channel.CALL, at) == [], (country, regions)
    elif target.country == "US" and not target.regions:
        assert US_STATE_FALLBACK in jurisdictions


def test_the_oracle_itself_sees_breaches():
    florida = Target("+13055550100", "US", ("FL",), ("America/New_York",), "fixed_line")
    late = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 20:30 in Miami
    assert [v.split(" ")[0] for v in violations(ENGINE, florida, Channel.CALL, late)] == [
        "us-fl.hours"
    ]
    alabama = Target("+12055550100", "US", ("AL",), ("America/Chicago",), "fixed_line")
    thanksgiving = datetime(2026, 11, 26, 18, tzinfo=UTC)
    assert violations(ENGINE, alabama, Channel.CALL, thanksgiving) == [
        "us-al.no-days on holiday 2026-11-26"
    ]
    noon = datetime(2026, 11, 24, 17, tzinfo=UTC)
    calls = [noon - timedelta(hours=h) for h in (1, 2, 3)]
    assert violations(ENGINE, florida, Channel.CALL, noon, calls) == [
        "us-fl.cap: 4 calls within 24 h"
    ]
