"""The meta-test: every rule fires on each of its should-fail examples and on none of its
should-pass examples, run on its own (other rules may fire too; they are not judged here)."""

from __future__ import annotations

import re

import pytest

from afterbeep.scripts import RULES, LintConfig
from afterbeep.scripts._analysis import analyse
from afterbeep.scripts._email import analyse_email
from afterbeep.scripts._rules import Rule


def _hits(rule: Rule, example: str) -> list[object]:
    config = LintConfig.from_mapping(rule.example_config)
    if rule.target == "email":
        voicemail = analyse(rule.example_voicemail, config)
        return list(rule.check(analyse_email(example, voicemail=voicemail, config=config)))
    return list(rule.check(analyse(example, config)))


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_fires_on_its_should_fail_examples(rule: Rule) -> None:
    assert len(rule.should_fail) >= 2
    for example in rule.should_fail:
        assert _hits(rule, example), f"{rule.id} did not fire on: {example!r}"


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_rule_is_quiet_on_its_should_pass_examples(rule: Rule) -> None:
    assert len(rule.should_pass) >= 2
    for example in rule.should_pass:
        assert not _hits(rule, example), f"{rule.id} fired on: {example!r}"


def test_catalogue_shape() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    assert len(RULES) >= 25
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+\.[a-z]+(?:-[a-z]+)*", rule.id), rule.id
        assert rule.severity in {"error", "warning", "info"}
        for text in (rule.summary, rule.what, rule.why, rule.example, rule.instead):
            assert text.strip(), rule.id


def test_spans_of_every_should_fail_finding_lie_in_the_script() -> None:
    for rule in RULES:
        for example in rule.should_fail:
            for hit in _hits(rule, example):
                assert 0 <= hit.start <= hit.end <= len(example), (rule.id, hit)  # type: ignore[attr-defined]
