"""The script studio: templates with merge fields, the voicemail linter, score and duration.

Public surface (``__all__``)::

    report = lint_text("Hi Dana, this is Sam with Northwind ...", config=LintConfig())
    report.score, report.estimated_duration_s, report.findings, report.to_dict()

``lint_template`` renders a template with merge fields and lints it; ``lint_prospects`` does that
for every row of a prospect CSV. ``RULES`` is the rule catalogue (data: id, severity, docs,
examples). This package knows nothing of the CLI, the web app or audio.
"""

from __future__ import annotations

from collections.abc import Mapping

from afterbeep.scripts._analysis import PARTS
from afterbeep.scripts._bench import benchmark_lint
from afterbeep.scripts._catalogue import RULES, RULES_BY_ID
from afterbeep.scripts._config import LintConfig, inline_disables, load_lint_config
from afterbeep.scripts._lint import (
    EmailReport,
    LintReport,
    ScoreReason,
    check_followup_email,
    detect_structure,
    lint_text,
    score_script,
)
from afterbeep.scripts._patterns import DIGIT_WORDS
from afterbeep.scripts._prospects import ProspectResult, check_phone_fields, lint_prospects
from afterbeep.scripts._rules import Finding, Rule
from afterbeep.scripts._spoken import cardinal_words
from afterbeep.scripts._templates import (
    STANDARD_FIELDS,
    CompiledTemplate,
    compile_template,
    read_script_file,
    render_template,
)


def estimate_duration(text: str, words_per_minute: float = 150.0) -> float:
    """Seconds to say ``text`` aloud: numbers as people say them, phone digits slower, pauses."""
    from afterbeep.scripts._analysis import analyse

    return analyse(text, LintConfig(words_per_minute=words_per_minute)).duration_s


def spoken_words(text: str) -> list[str]:
    """``text`` as the words a person says: "$1,200" -> twelve hundred dollars, and so on."""
    from afterbeep.scripts._analysis import tokenise

    return [word for token in tokenise(text) for word in token.spoken]


def lint_template(
    source: str,
    fields: Mapping[str, str],
    config: LintConfig | None = None,
    *,
    name: str | None = None,
) -> LintReport:
    """Render ``source`` with ``fields`` (plus ``config.fields``) and lint the result.

    A phone-number field the template uses (``rep_phone``, ``phone`` ...) that is not a valid
    number is an ``InvalidInput`` naming the field, as for a prospect CSV row.
    """
    config = config or LintConfig()
    disabled = inline_disables(source, name=name)
    if disabled:
        config = config.with_disabled(disabled)
    values = {**config.fields, **fields}
    compiled = compile_template(source, name=name)
    check_phone_fields(values, compiled.fields | compiled.optional, config.region, source=name)
    text = compiled.render(values)
    return lint_text(text, config, fields=values, source=name)


__all__ = [
    "DIGIT_WORDS",
    "PARTS",
    "RULES",
    "RULES_BY_ID",
    "STANDARD_FIELDS",
    "CompiledTemplate",
    "EmailReport",
    "Finding",
    "LintConfig",
    "LintReport",
    "ProspectResult",
    "Rule",
    "ScoreReason",
    "benchmark_lint",
    "cardinal_words",
    "check_followup_email",
    "compile_template",
    "detect_structure",
    "estimate_duration",
    "lint_prospects",
    "lint_template",
    "lint_text",
    "load_lint_config",
    "read_script_file",
    "render_template",
    "score_script",
    "spoken_words",
]
