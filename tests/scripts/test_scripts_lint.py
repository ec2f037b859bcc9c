"""The linter on whole scripts: precision on good scripts, number normalisation, structure,
configuration, inline disables, score reasons and the follow-up email check."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afterbeep.errors import ConfigError, InvalidInput
from afterbeep.scripts import (
    LintConfig,
    check_followup_email,
    detect_structure,
    lint_template,
    lint_text,
    score_script,
)
from afterbeep.scripts._catalogue import GOOD, GOOD_CALL_AGAIN, GOOD_SPOKEN


def _rules(text: str, config: LintConfig | None = None) -> set[str]:
    return {finding.rule for finding in lint_text(text, config).findings}


@pytest.mark.parametrize("script", [GOOD, GOOD_CALL_AGAIN, GOOD_SPOKEN])
def test_good_sdr_scripts_have_no_findings(script: str) -> None:
    report = lint_text(script)
    assert report.findings == ()
    assert report.score >= 90


@pytest.mark.parametrize(
    "repeat",
    [
        "two oh six, five five five, oh one four eight",
        "(206) 555 0148",
        "+1 206 555 0148",
        "206.555.0148",
        "two-oh-six, five-five-five, oh-one-four-eight",
    ],
)
def test_the_same_number_in_another_format_counts_as_a_repeat(repeat: str) -> None:
    script = (
        f"Hi Dana, call me at 206-555-0148 so we can talk lanes. Again, {repeat}. Thanks, Dana."
    )
    assert "number.not-repeated" not in _rules(script)


def test_two_different_numbers_said_once_each_are_not_a_repeat() -> None:
    script = "Hi Dana, call me at 206-555-0148 or my cell, 206-555-0199. Thanks, Dana."
    findings = [f for f in lint_text(script).findings if f.rule == "number.not-repeated"]
    assert len(findings) == 2


def test_finding_spans_point_at_the_offending_text() -> None:
    script = "Hi Dana, just checking in on my last email. Call me at 206-555-0148. Thanks, Dana."
    report = lint_text(script)
    finding = next(f for f in report.findings if f.rule == "phrase.checking-in")
    assert script[finding.start : finding.end].lower() == "just checking in"
    number = next(f for f in report.findings if f.rule == "number.not-repeated")
    assert script[number.start : number.end] == "206-555-0148"


def test_structure_labels_follow_the_message() -> None:
    labels = [s["label"] for s in detect_structure(GOOD)]
    # greeting+who, congrats (reason), result (reason), ask with number, repeat, thanks
    assert labels == ["greeting", "reason", "reason", "contact", "repeat_number", "sign_off"]
    parts = detect_structure(GOOD)
    assert "context" in parts[0]["parts"]
    assert "call_to_action" in parts[3]["parts"]


def test_out_of_order_ask_is_reported() -> None:
    script = "Call me at 206-555-0148. Hi Dana, this is Sam with Northwind Freight. Thanks, Dana."
    assert "structure.order" in _rules(script)


def test_empty_script_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        lint_text("   \n")


def test_config_disable_and_unknown_rule_ids() -> None:
    script = "Hi Dana, just checking in. Call me at 206-555-0148. Thanks, Dana."
    assert "phrase.checking-in" in _rules(script)
    assert "phrase.checking-in" not in _rules(script, LintConfig(disable={"phrase.checking-in"}))
    with pytest.raises(ConfigError, match=r"no\.such-rule"):
        LintConfig(disable={"no.such-rule"})
    with pytest.raises(ConfigError, match="colour"):
        LintConfig.from_mapping({"colour": "blue"})
    with pytest.raises(ConfigError, match="strategy"):
        LintConfig.from_mapping({"strategy": "sometimes"})


def test_inline_disable_comment() -> None:
    script = "{# afterbeep: disable=phrase.checking-in #}Hi Dana, just checking in. Thanks, Dana."
    report = lint_text(script)
    assert "phrase.checking-in" not in {f.rule for f in report.findings}
    assert not report.script.startswith("{#")  # the comment is not part of the message
    with pytest.raises(InvalidInput, match=r"no\.such-rule"):
        lint_text("{# afterbeep: disable=no.such-rule #}Hi Dana.")


def test_strategy_decides_which_callback_rule_applies() -> None:
    invite_only = "Hi Dana, this is Sam with Northwind. Give me a call at 206-555-0148. Thanks."
    assert "callback.no-time" in _rules(invite_only, LintConfig(strategy="call-again"))
    assert "callback.no-time" not in _rules(invite_only, LintConfig(strategy="invite-callback"))
    assert "callback.no-invitation" not in _rules(invite_only)


def test_caller_id_and_merge_fields_from_a_template() -> None:
    source = (
        "Hi {{ first_name }}, this is {{ rep_name }} with Northwind Freight. Congrats on the "
        "new warehouse. Give me a call at {{ rep_phone }} so we can compare lanes. That's "
        "{{ rep_phone }}. Thanks, {{ first_name }}."
    )
    fields = {"first_name": "Dana", "rep_name": "Sam", "rep_phone": "206-555-0148"}
    same = LintConfig(caller_id="+12065550148")
    other = LintConfig(caller_id="+12065550100")
    assert "number.caller-id-mismatch" not in {
        f.rule for f in lint_template(source, fields, same).findings
    }
    assert "number.caller-id-mismatch" in {
        f.rule for f in lint_template(source, fields, other).findings
    }
    # the rep name comes from the merge field: saying someone else's name is caught
    wrong = lint_template(source.replace("{{ rep_name }}", "Alex"), fields)
    assert "identity.rep-name" in {f.rule for f in wrong.findings}


def test_score_reasons_add_up_to_the_score() -> None:
    score, reasons = score_script("Hi Dana, just checking in. Call me. Thanks.")
    assert score == max(0, min(100, 85 + sum(r.points for r in reasons)))
    assert any(r.rule == "phrase.checking-in" and r.points == -6 for r in reasons)
    assert any(r.rule == "cta.no-reason" for r in reasons)


def test_errors_cost_more_than_warnings() -> None:
    with_error = lint_text("Hi Dana, this is Sam with Northwind Freight. Thanks, Dana.")
    assert with_error.errors >= 1
    assert with_error.score < lint_text(GOOD).score


def test_report_to_dict_has_the_public_keys() -> None:
    data = lint_text(GOOD).to_dict()
    for key in ("score", "estimated_duration_s", "structure", "findings", "score_reasons"):
        assert key in data


def test_followup_email_check() -> None:
    good = (
        "Subject: Re: my voicemail - Denver lanes\n\nHi Dana, I just left you a voicemail. "
        "Give me a call at 206-555-0148 so we can compare lanes.\n\nSam"
    )
    assert check_followup_email(good, GOOD).findings == ()
    bad = "Subject: Northwind intro\n\nHi Dana, book a time on my calendar link."
    rules = {f.rule for f in check_followup_email(bad, GOOD).findings}
    assert rules == {"email.subject-no-voicemail-ref", "email.cta-mismatch"}
    with pytest.raises(InvalidInput):
        check_followup_email("  ", GOOD)


_WORDS = st.sampled_from(
    [
        "Hi",
        "Dana",
        ",",
        ".",
        "?",
        "call",
        "me",
        "at",
        "206-555-0148",
        "two",
        "oh",
        "six",
        "five",
        "$1,200",
        "2:30",
        "15%",
        "22nd",
        "2024",
        "I'll",
        "try",
        "you",
        "Thursday",
        "thanks",
        "this",
        "is",
        "Sam",
        "with",
        "Northwind",
        "\n",
        "Mr.",
        "a.m.",
        "İstanbul",
        "’",
        "{#",
        "#}",
        "just",
        "checking",
        "in",
        "save",
        "money",
        "email",
        "subject",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, min_size=1, max_size=60).map(" ".join))
def test_any_text_lints_with_spans_inside_the_script(text: str) -> None:
    try:
        report = lint_text(text)
    except InvalidInput:
        assert not text.replace("{#", "").replace("#}", "").strip() or "{#" in text
        return
    assert 0 <= report.score <= 100
    assert report.estimated_duration_s >= 0
    for finding in report.findings:
        assert 0 <= finding.start <= finding.end <= len(report.script)


def test_campaign_numbers_in_config_must_be_valid() -> None:
    with pytest.raises(ConfigError, match="caller_id"):
        LintConfig(caller_id="555-01")
    assert LintConfig(callback_number="(206) 555-0148").callback_number == "(206) 555-0148"
