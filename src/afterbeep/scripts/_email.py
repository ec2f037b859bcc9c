"""The follow-up email that goes with a voicemail: parse it and analyse it once for the rules.

Owns the ``Subject:`` + body format and the email analysis (subject, body, word count, its calls
to action, the voicemail it follows up on). The checks themselves are rules in ``_catalogue``;
this module must not produce findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from afterbeep.errors import InvalidInput
from afterbeep.scripts import _patterns as p
from afterbeep.scripts._analysis import Analysis
from afterbeep.scripts._config import LintConfig

_SUBJECT = re.compile(r"\A\s*subject\s*:[ \t]*(.*)$", re.I | re.M)
_WORD = re.compile(r"[\w'’$%:-]+")


@dataclass(frozen=True, slots=True)
class EmailAnalysis:
    """A follow-up email: ``subject`` (may be empty), ``body``, offsets of each in ``text``."""

    text: str
    subject: str
    subject_start: int
    body: str
    body_start: int
    body_words: int
    cta_kinds: frozenset[str]
    voicemail: Analysis | None
    config: LintConfig


def cta_kinds(text: str) -> frozenset[str]:
    """The kinds of call to action (call, email, text, meeting, web) a lowered text asks for."""
    kinds = {kind for kind, pattern in p.CTA_KINDS.items() if pattern.search(text)}
    if p.CALL_AGAIN.search(text):
        kinds.add("call")
    return frozenset(kinds)


def analyse_email(
    text: str, *, voicemail: Analysis | None = None, config: LintConfig | None = None
) -> EmailAnalysis:
    """Parse ``Subject: ...`` (first line) and the body after it; an empty email is invalid."""
    if not text.strip():
        raise InvalidInput("the follow-up email is empty; expected 'Subject: ...' and a body")
    match = _SUBJECT.match(text)
    if match:
        subject, subject_start = match.group(1).strip(), match.start(1)
        body_start = match.end()
    else:
        subject, subject_start, body_start = "", 0, 0
    body_raw = text[body_start:]
    stripped = body_raw.lstrip()
    body_start += len(body_raw) - len(stripped)
    body = stripped.rstrip()
    return EmailAnalysis(
        text=text,
        subject=subject,
        subject_start=subject_start,
        body=body,
        body_start=body_start,
        body_words=len(_WORD.findall(body)),
        cta_kinds=cta_kinds(p.lowered(body)),
        voicemail=voicemail,
        config=config or LintConfig(),
    )
