"""The linter: run the rule catalogue over an analysed script, score it, report it.

Owns ``lint_text``, ``LintReport``, the score (0-100 with the reasons that moved it) and
``check_followup_email``. It must not render templates or read files (see ``_templates`` and
``_prospects``) and must not print.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from afterbeep.errors import InvalidInput
from afterbeep.scripts import _patterns as p
from afterbeep.scripts._analysis import PARTS, Analysis, _default_config, analyse
from afterbeep.scripts._catalogue import EMAIL_RULES, SCRIPT_RULES
from afterbeep.scripts._config import JINJA_COMMENT, LintConfig, inline_disables
from afterbeep.scripts._email import analyse_email
from afterbeep.scripts._rules import Finding, Rule

# Points a finding costs, by severity; a rule costs at most ``_MAX_COUNTED`` findings' worth.
DEDUCTIONS = {"error": 15, "warning": 6, "info": 2}
_MAX_COUNTED = 2
# The score starts here and earns up to 100 with the good signals below.
BASE_SCORE = 85
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """One thing that moved the score: a rule's deduction (negative) or a bonus."""

    rule: str
    points: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "points": self.points, "message": self.message}


@dataclass(frozen=True)
class LintReport:
    """The result of linting one rendered script. ``to_dict`` is the stable JSON shape."""

    script: str
    findings: tuple[Finding, ...]
    score: int
    score_reasons: tuple[ScoreReason, ...]
    estimated_duration_s: float
    spoken_words: int
    structure: tuple[dict[str, Any], ...]
    missing_parts: tuple[str, ...]
    source: str | None = None
    line: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "score": self.score,
            "score_reasons": [r.to_dict() for r in self.score_reasons],
            "estimated_duration_s": self.estimated_duration_s,
            "spoken_words": self.spoken_words,
            "structure": list(self.structure),
            "missing_parts": list(self.missing_parts),
            "findings": [f.to_dict() for f in self.findings],
            "script": self.script,
        }


def run_rules(analysis: Analysis, rules: tuple[Rule, ...]) -> list[Finding]:
    """Run ``rules`` not disabled in the analysis's config; findings in text order."""
    disabled = analysis.config.disable
    findings = [
        Finding(rule.id, rule.severity, hit.message, hit.start, hit.end, hit.fix)
        for rule in rules
        if rule.id not in disabled
        for hit in rule.check(analysis)
    ]
    findings.sort(key=lambda f: (f.start, _SEVERITY_ORDER[f.severity], f.rule))
    return findings


def score_findings(analysis: Analysis, findings: list[Finding]) -> tuple[int, list[ScoreReason]]:
    """0-100 from the findings (deductions) and good signals (bonuses), with every reason."""
    reasons: list[ScoreReason] = []
    fired = {f.rule for f in findings}
    present = analysis.parts_present()
    if analysis.config.min_seconds <= analysis.duration_s <= 25:
        reasons.append(ScoreReason("length.sweet-spot", 5, "under 25 seconds when spoken"))
    if p.RESEARCH.search(analysis.lower, analysis.word_index):
        reasons.append(ScoreReason("reason.research", 4, "a researched, personal reason"))
    if "repeat_number" in present and "number.invalid" not in fired:
        reasons.append(ScoreReason("number.repeated", 3, "callback number said twice"))
    if any(
        p.TIME_WORDS.search(analysis.sentence_at(m.start()).lower)
        for m in analysis.matches.get("call_again", ())
    ):
        reasons.append(ScoreReason("callback.specific-time", 3, "a specific time to call again"))
    counted: Counter[str] = Counter()
    for finding in findings:
        counted[finding.rule] += 1
        if counted[finding.rule] > _MAX_COUNTED:
            continue
        reasons.append(ScoreReason(finding.rule, -DEDUCTIONS[finding.severity], finding.message))
    score = BASE_SCORE + sum(r.points for r in reasons)
    return max(0, min(100, score)), reasons


def detect_structure(text: str, config: LintConfig | None = None) -> list[dict[str, Any]]:
    """Each sentence of ``text`` with its label and every part it covers."""
    return [s.to_dict() for s in analyse(text, config).sentences]


def _report(
    analysis: Analysis, findings: list[Finding], source: str | None, line: int | None
) -> LintReport:
    score, reasons = score_findings(analysis, findings)
    present = analysis.parts_present()
    return LintReport(
        script=analysis.text,
        findings=tuple(findings),
        score=score,
        score_reasons=tuple(reasons),
        estimated_duration_s=analysis.duration_s,
        spoken_words=analysis.spoken_words,
        structure=tuple(s.to_dict() for s in analysis.sentences),
        missing_parts=tuple(part for part in PARTS if part not in present),
        source=source,
        line=line,
        fields=dict(analysis.fields),
    )


def lint_text(
    text: str,
    config: LintConfig | None = None,
    *,
    fields: Mapping[str, str] | None = None,
    source: str | None = None,
    line: int | None = None,
) -> LintReport:
    """Lint one spoken script (already rendered).

    ``{# afterbeep: disable=... #}`` comments in ``text`` disable rules for it and are removed
    before analysis; finding offsets refer to ``report.script``. ``fields`` are the merge values
    it was rendered with (they tell the linter the prospect's and rep's names). An empty script
    is an ``InvalidInput``.
    """
    config = config or _default_config()
    disabled = inline_disables(text, name=source)
    if disabled:
        config = config.with_disabled(disabled)
    if "{#" in text:
        text = JINJA_COMMENT.sub("", text)
    if not text.strip():
        raise InvalidInput("the script is empty; expected the words of a voicemail", source=source)
    analysis = analyse(text, config, fields)
    return _report(analysis, run_rules(analysis, SCRIPT_RULES), source, line)


def score_script(text: str, config: LintConfig | None = None) -> tuple[int, list[ScoreReason]]:
    """The score of ``text`` and the reasons that moved it (as in ``lint_text``)."""
    report = lint_text(text, config)
    return report.score, list(report.score_reasons)


@dataclass(frozen=True)
class EmailReport:
    """Findings on a follow-up email; offsets refer to the email text."""

    findings: tuple[Finding, ...]
    subject: str
    body_words: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "body_words": self.body_words,
            "findings": [f.to_dict() for f in self.findings],
        }


def check_followup_email(
    email: str, voicemail: str | None = None, config: LintConfig | None = None
) -> EmailReport:
    """Check a follow-up email (``Subject: ...`` line, blank line, body) against its voicemail.

    The subject should point to the voicemail, the body be short, and the ask be the same as
    the voicemail's.
    """
    config = config or _default_config()
    voicemail_analysis = analyse(voicemail, config) if voicemail else None
    analysis = analyse_email(email, voicemail=voicemail_analysis, config=config)
    findings = [
        Finding(rule.id, rule.severity, hit.message, hit.start, hit.end, hit.fix)
        for rule in EMAIL_RULES
        if rule.id not in config.disable
        for hit in rule.check(analysis)
    ]
    return EmailReport(tuple(findings), analysis.subject, analysis.body_words)
