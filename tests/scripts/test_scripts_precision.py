"""Precision on scripts in real SDR styles: good messages draw no findings beyond their length,
and the classic mistakes are each caught by the rule made for them."""

from __future__ import annotations

import pytest

from afterbeep.scripts import lint_text

GOOD_STYLES = [
    # referral, timed call-back with the number as a fallback
    "Hey Chris, it's Morgan Lee at Fieldstone Payroll. Your ops lead, Tanya, suggested I reach "
    "out about multi-state payroll after your Ohio expansion. We moved Carver Labs onto one run "
    "in two weeks. I'll try you Wednesday at 3 p.m. Eastern; if that doesn't work, my direct "
    "line is 614-555-0172. Again, 614-555-0172. Talk soon, Chris.",
    # research hook, result with a percentage, invitation with a reason
    "Good morning Rachel, this is Dev Patel with Cloudnine Security. I read your interview in "
    "CSO Magazine about phishing drills. We cut click rates at Ardent Health by 60% in a "
    "quarter. Call me at 503-555-0110 so I can send the playbook they used. That's "
    "503-555-0110. Thanks Rachel.",
    # "<name> from <company> here", "I'll show you" as the reason, number said with spaces
    "Hi Tom, Jess from Pinebrook Insurance here. Saw your fleet grew to 40 trucks, congrats! "
    "Give me a ring at 720 555 0133 and I'll show you how we priced Redline Haulers. Once more, "
    "720 555 0133. Have a great day, Tom.",
    # terse: name and comma, "Raj at Tidewater", result, interest question, number twice
    "Olivia, Raj at Tidewater. Quick one: Kestrel Foods hit 90% forecast accuracy after "
    "switching. Worth a look? 404-555-0187. Again 404-555-0187. Thanks Olivia.",
]


@pytest.mark.parametrize("script", GOOD_STYLES)
def test_good_styles_draw_no_findings_but_length(script: str) -> None:
    rules = {f.rule for f in lint_text(script).findings} - {"length.too-long"}
    assert rules == set()


def test_the_classic_bad_voicemail_is_caught_rule_by_rule() -> None:
    script = (
        "Hi Sarah, this is Ben with Orbit CRM. Sorry to bother you. I'm just reaching out to "
        "introduce our platform, which has dashboards, integrations, automation, and real-time "
        "reporting. We'd love to learn about your challenges and save you money. Call me back at "
        "212-555-0100 or I'll call you next week. Thanks."
    )
    rules = {f.rule for f in lint_text(script).findings}
    assert rules >= {
        "hook.weak-opening",
        "content.feature-dump",
        "phrase.vague-promise",
        "phrase.call-me-or-ill-call",
        "number.not-repeated",
        "reason.missing",
    }


def test_two_asks_in_one_breath_are_flagged() -> None:
    script = (
        "Hi Ken, this is Amy from Harbor HR. I saw you're hiring 12 nurses. Reply to my email or "
        "call me at 617-555-0144, and I'll send three profiles today. Again, 617-555-0144. Bye Ken."
    )
    assert "cta.multiple" in {f.rule for f in lint_text(script).findings}


def test_a_title_and_last_name_greeting_is_a_greeting() -> None:
    script = (
        "Hello Ms. Alvarez, this is Greg Stone with Summit Roofing. We found two damaged sections "
        "on your roof after the storm. Please call me at 206-555-0112 to schedule repairs. Again, "
        "206-555-0112. Thank you, Ms. Alvarez."
    )
    rules = {f.rule for f in lint_text(script).findings}
    assert not rules & {"greeting.first-name", "name.repeat", "cta.no-reason", "reason.missing"}
