"""The recording coach: listen to a take and say what a sales trainer would, with timestamps.

``coach_take(path_or_audio, script=..., fields=...)`` returns a ``CoachReport``: the figures
(speaking time, pace, pauses, fillers, pitch spread, levels, callback number, first name, call
to action, script match), one ``CoachFinding`` per check with a verdict, a time and advice, an
overall verdict and the three changes that would help most. ``to_dict`` is the documented JSON
(docs/coach.md); ``timeline`` is the data a web page draws.

Owns the thresholds (``CoachSettings``, each justified in docs/coach.md) and the verdicts.
Measurements come from ``_coach_signal`` (waveform) and ``_coach_text`` (timed words); speech
recognition from ``_coach_asr`` (inject any ``CoachTranscriber`` for tests). Must not print,
write files or change the audio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from afterbeep.audio import _coach_signal as sig
from afterbeep.audio import _coach_text as txt
from afterbeep.audio._coach_asr import (
    ASR_SAMPLE_RATE,
    CoachTranscriber,
    CoachTranscript,
    WhisperCoachTranscriber,
    Word,
)
from afterbeep.audio._coach_fillers import acoustic_fillers
from afterbeep.audio.importing import import_recording
from afterbeep.audio.io import Audio, resample
from afterbeep.errors import InvalidInput

PHONE_FIELDS = ("rep_phone", "callback_number", "phone", "rep_number")


class CoachSettings(BaseModel):
    """Thresholds of the coach's checks (why each value: docs/coach.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_duration_s: float = Field(default=10.0, gt=0)
    max_duration_s: float = Field(default=30.0, gt=0)
    hook_s: float = Field(default=5.0, gt=0)
    fast_wpm: float = Field(default=165.0, gt=0)
    slow_wpm: float = Field(default=110.0, gt=0)
    min_sentence_words: int = Field(default=8, ge=1)
    long_pause_s: float = Field(default=1.0, gt=0)
    dead_air_start_s: float = Field(default=1.0, gt=0)
    dead_air_end_s: float = Field(default=1.5, gt=0)
    max_fillers: int = Field(default=0, ge=0)
    monotone_semitones: float = Field(default=4.0, gt=0)
    flat_energy_db: float = Field(default=6.0, gt=0)
    clip_runs: int = Field(default=3, ge=1)
    quiet_dbfs: float = Field(default=-40.0)
    noisy_snr_db: float = Field(default=20.0)
    max_number_digits_per_s: float = Field(default=3.3, gt=0)
    number_max_edits: int = Field(default=3, ge=0)
    min_name_mentions: int = Field(default=1, ge=0)
    max_script_wer: float = Field(default=0.25, ge=0)
    asr_model_path: str | None = None
    filler_prompt: bool = True
    acoustic_fillers: bool = True


@dataclass(frozen=True, slots=True)
class CoachFinding:
    """One check's result: ``verdict`` is ``ok`` | ``warn`` | ``fail`` | ``skip``."""

    check: str
    verdict: str
    at_s: float | None
    message: str
    advice: str
    end_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "verdict": self.verdict,
            "at_s": None if self.at_s is None else round(self.at_s, 2),
            "end_s": None if self.end_s is None else round(self.end_s, 2),
            "message": self.message,
            "advice": self.advice,
        }


# Which problems cost a voicemail most, first: a listener who cannot call back or hears noise
# is lost; pace and monotone lose attention; style issues come last.
_PRIORITY = (
    "callback_number",
    "clipping",
    "noise",
    "level",
    "call_to_action",
    "duration",
    "pace",
    "dead_air",
    "monotone",
    "pauses",
    "fillers",
    "first_name",
    "script",
    "number_pace",
    "hook",
)


@dataclass(frozen=True, slots=True)
class CoachReport:
    """Everything the coach found in one take."""

    source: str | None
    file_duration_s: float
    speech_start_s: float
    speech_end_s: float
    speech_duration_s: float
    hook: str
    words_per_minute: float | None
    sentences: tuple[dict[str, Any], ...]
    pauses: tuple[tuple[float, float], ...]
    longest_pause_s: float
    dead_air_start_s: float
    dead_air_end_s: float
    fillers: tuple[txt.Filler, ...]
    pitch_variability_semitones: float | None
    energy_variability_db: float | None
    clipping: sig.Clipping
    speech_level_dbfs: float
    snr_db: float | None
    expected_number: str | None
    number_mentions: tuple[txt.DigitRun, ...]
    first_name: str | None
    first_name_times: tuple[float, ...]
    call_to_action: bool
    script_wer: float | None
    script_phrases: tuple[txt.Phrase, ...]
    transcript: CoachTranscript
    findings: tuple[CoachFinding, ...] = field(default=())

    @property
    def problems(self) -> list[CoachFinding]:
        """Findings that are ``fail`` or ``warn``, most costly first."""
        bad = [f for f in self.findings if f.verdict in {"fail", "warn"}]
        order = {name: i for i, name in enumerate(_PRIORITY)}
        return sorted(bad, key=lambda f: (f.verdict != "fail", order.get(f.check, 99)))

    @property
    def top_changes(self) -> list[CoachFinding]:
        """The three changes that would help most (one per check), with their times."""
        seen: set[str] = set()
        chosen: list[CoachFinding] = []
        for finding in self.problems:
            if finding.check not in seen:
                seen.add(finding.check)
                chosen.append(finding)
        return chosen[:3]

    @property
    def verdict(self) -> str:
        """``ready`` (nothing to fix), ``fix`` (warnings only) or ``re-record`` (any failure)."""
        if any(f.verdict == "fail" for f in self.findings):
            return "re-record"
        if any(f.verdict == "warn" for f in self.findings):
            return "fix"
        return "ready"

    def verdict_of(self, check: str) -> str:
        """The worst verdict of ``check`` (``ok`` when it found nothing)."""
        rank = {"skip": 0, "ok": 1, "warn": 2, "fail": 3}
        verdicts = [f.verdict for f in self.findings if f.check == check] or ["ok"]
        return max(verdicts, key=lambda v: rank[v])

    def timeline(self) -> list[dict[str, Any]]:
        """Time-ordered items for a web page: words, pauses, fillers, number mentions, issues."""
        items: list[dict[str, Any]] = [
            {"kind": "word", "start_s": w.start_s, "end_s": w.end_s, "text": w.text}
            for w in self.transcript.words
        ]
        items += [{"kind": "pause", "start_s": a, "end_s": b} for a, b in self.pauses]
        items += [{"kind": "filler", "start_s": f.at_s, "text": f.text} for f in self.fillers]
        items += [
            {"kind": "number", "start_s": r.start_s, "end_s": r.end_s, "text": r.text}
            for r in self.number_mentions
        ]
        items += [
            {
                "kind": "finding",
                "start_s": f.at_s,
                "end_s": f.end_s,
                "check": f.check,
                "verdict": f.verdict,
                "text": f.message,
            }
            for f in self.findings
            if f.at_s is not None and f.verdict in {"fail", "warn"}
        ]
        for item in items:
            for key in ("start_s", "end_s"):
                if item.get(key) is not None:
                    item[key] = round(float(item[key]), 2)
        return sorted(items, key=lambda i: i["start_s"])

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON shape (documented in docs/coach.md)."""
        return {
            "source": self.source,
            "verdict": self.verdict,
            "file_duration_s": round(self.file_duration_s, 2),
            "speech_start_s": round(self.speech_start_s, 2),
            "speech_end_s": round(self.speech_end_s, 2),
            "speech_duration_s": round(self.speech_duration_s, 2),
            "hook": self.hook,
            "words_per_minute": _round(self.words_per_minute, 1),
            "sentences": list(self.sentences),
            "pauses": [{"start_s": round(a, 2), "end_s": round(b, 2)} for a, b in self.pauses],
            "longest_pause_s": round(self.longest_pause_s, 2),
            "dead_air_start_s": round(self.dead_air_start_s, 2),
            "dead_air_end_s": round(self.dead_air_end_s, 2),
            "filler_count": len(self.fillers),
            "fillers": [{"word": f.text, "at_s": round(f.at_s, 2)} for f in self.fillers],
            "pitch_variability_semitones": _round(self.pitch_variability_semitones, 2),
            "energy_variability_db": _round(self.energy_variability_db, 2),
            "clipping": {
                "clipped": self.clipping.runs > 0,
                "runs": self.clipping.runs,
                "clipped_samples": self.clipping.clipped_samples,
                "first_at_s": _round(self.clipping.first_at_s, 2),
            },
            "speech_level_dbfs": round(self.speech_level_dbfs, 1),
            "snr_db": _round(self.snr_db, 1),
            "expected_number": self.expected_number,
            "callback_number_mentions": len(self.number_mentions),
            "callback_numbers": [
                {
                    "said": r.text,
                    "digits": r.digits,
                    "start_s": round(r.start_s, 2),
                    "end_s": round(r.end_s, 2),
                    "digits_per_second": round(r.digits_per_second, 2),
                }
                for r in self.number_mentions
            ],
            "first_name": self.first_name,
            "first_name_mentions": len(self.first_name_times),
            "first_name_at_s": [round(t, 2) for t in self.first_name_times],
            "call_to_action": self.call_to_action,
            "script_wer": _round(self.script_wer, 3),
            "script_phrases": [
                {"kind": p.kind, "script": p.text, "said": p.said, "at_s": round(p.at_s, 2)}
                for p in self.script_phrases
            ],
            "transcript": {
                "text": self.transcript.text,
                "words": [w.to_dict() for w in self.transcript.words],
            },
            "findings": [f.to_dict() for f in self.findings],
            "top_changes": [f.to_dict() for f in self.top_changes],
            "timeline": self.timeline(),
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _load(path_or_audio: str | Path | Audio) -> tuple[Audio, str | None]:
    if isinstance(path_or_audio, Audio):
        if path_or_audio.samples.size == 0:
            raise InvalidInput("the take has no samples", field="audio")
        return path_or_audio, None
    recording = import_recording(path_or_audio)
    return recording.audio, str(recording.source)


def _expected_number(script: str | None, fields: Mapping[str, str]) -> str | None:
    for name in PHONE_FIELDS:
        value = fields.get(name)
        if value:
            digits = "".join(ch for ch in value if ch.isdigit())
            if len(digits) < 7:
                raise InvalidInput(
                    f"{value!r} is not a phone number; expected 7 or more digits", field=name
                )
            return txt.national(digits)
    if script:
        numbers = txt.phone_digits_of(script)
        if numbers:
            return txt.national(numbers[0])
    return None


def _first_name(script: str | None, fields: Mapping[str, str]) -> str | None:
    if fields.get("first_name"):
        return fields["first_name"]
    if script:
        # The linter's own greeting-name detection (a private helper of afterbeep.scripts).
        from afterbeep.scripts._analysis import analyse

        return analyse(script).first_name
    return None


def coach_take(
    path_or_audio: str | Path | Audio,
    *,
    script: str | None = None,
    fields: Mapping[str, str] | None = None,
    settings: CoachSettings | None = None,
    transcriber: CoachTranscriber | None = None,
) -> CoachReport:
    """Analyse one recorded take; ``script`` is the rendered script it should follow.

    ``fields`` are merge values (``first_name``, ``rep_phone`` ...) used when the script does not
    say them. Raises ``InvalidInput`` for an unusable file or a bad field.
    """
    settings = settings or CoachSettings()
    fields = dict(fields or {})
    if script is not None and not script.strip():
        raise InvalidInput("the script is empty", field="script")
    audio, source = _load(path_or_audio)
    expected = _expected_number(script, fields)
    first_name = _first_name(script, fields)
    samples = audio.samples.astype(np.float32)
    speech16 = resample(audio, ASR_SAMPLE_RATE).samples.astype(np.float32)

    activity = sig.speech_activity(speech16, ASR_SAMPLE_RATE)
    clip = sig.clipping(samples, audio.sample_rate)
    f0 = sig.f0_track(speech16, ASR_SAMPLE_RATE, activity)
    pitch = sig.pitch_spread_semitones(f0)
    energy = sig.energy_spread_db(activity)
    level = sig.speech_level_dbfs(activity)
    snr = sig.snr_db(activity)

    transcriber = transcriber or WhisperCoachTranscriber(
        settings.asr_model_path, filler_prompt=settings.filler_prompt
    )
    transcript = transcriber.transcribe(speech16)
    words = transcript.words

    start = activity.speech_start_s
    end = activity.speech_end_s
    if words:
        start = min(start, words[0].start_s) if activity.runs else words[0].start_s
        end = max(end, words[-1].end_s)
    pauses = tuple((a, b) for a, b in activity.pauses() if b - a >= settings.long_pause_s)
    all_gaps = activity.pauses()
    longest = max((b - a for a, b in all_gaps), default=0.0)

    spoken = txt.sentences(words)
    total_words = sum(s.words for s in spoken)
    long_pause_time = sum(b - a for a, b in pauses)
    talk_span = (words[-1].end_s - words[0].start_s - long_pause_time) if words else 0.0
    wpm = 60.0 * total_words / talk_span if words and talk_span > 1.0 else None

    filler_list = txt.fillers(words)
    # The acoustic cue needs clean pause edges: in a noisy take it mistakes noise for voice.
    if settings.acoustic_fillers and (snr is None or snr >= settings.noisy_snr_db):
        filler_list += acoustic_fillers(speech16, ASR_SAMPLE_RATE, activity, words, filler_list)
        filler_list.sort(key=lambda f: f.at_s)
    mentions = txt.number_mentions(
        txt.digit_runs(words, min_digits=1), expected, max_distance=settings.number_max_edits
    )
    name_times = tuple(txt.name_mentions(words, first_name)) if first_name else ()
    cta = _has_call_to_action(transcript.text)
    match = txt.compare_with_script(words, script) if script else None
    hook_words = [w.text for w in words if w.start_s < start + settings.hook_s]

    report = CoachReport(
        source=source,
        file_duration_s=audio.duration_s,
        speech_start_s=start,
        speech_end_s=end,
        speech_duration_s=max(0.0, end - start),
        hook=" ".join(hook_words),
        words_per_minute=wpm,
        sentences=tuple(
            {
                "text": s.text,
                "start_s": round(s.start_s, 2),
                "end_s": round(s.end_s, 2),
                "words": s.words,
                "words_per_minute": round(s.words_per_minute, 1),
            }
            for s in spoken
        ),
        pauses=pauses,
        longest_pause_s=longest,
        dead_air_start_s=start,
        dead_air_end_s=max(0.0, audio.duration_s - end),
        fillers=tuple(filler_list),
        pitch_variability_semitones=pitch,
        energy_variability_db=energy,
        clipping=clip,
        speech_level_dbfs=level,
        snr_db=snr,
        expected_number=expected,
        number_mentions=tuple(mentions),
        first_name=first_name,
        first_name_times=name_times,
        call_to_action=cta,
        script_wer=match.wer if match else None,
        script_phrases=match.phrases if match else (),
        transcript=transcript,
    )
    from afterbeep.audio._coach_checks import run_checks

    findings = run_checks(report, spoken, settings, script_given=script is not None)
    return _with_findings(report, findings)


def _with_findings(report: CoachReport, findings: list[CoachFinding]) -> CoachReport:
    import dataclasses

    return dataclasses.replace(report, findings=tuple(findings))


def _has_call_to_action(text: str) -> bool:
    """Whether the linter's structure labels find a call to action in what was said."""
    if not text.strip():
        return False
    from afterbeep.scripts import detect_structure

    return any("call_to_action" in s["parts"] for s in detect_structure(text))


__all__ = ["CoachFinding", "CoachReport", "CoachSettings", "Word", "coach_take"]
