"""The coach's checks: turn a take's measurements into findings with a verdict, time and advice.

Each check is a small pure function of the ``CoachReport`` figures and ``CoachSettings``; the
thresholds are the settings' (reasons in docs/coach.md). Must not measure anything itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from afterbeep.audio._coach_text import SpokenSentence

if TYPE_CHECKING:
    from afterbeep.audio.coach import CoachFinding, CoachReport, CoachSettings


def _finding(
    check: str,
    verdict: str,
    at_s: float | None,
    message: str,
    advice: str = "",
    end_s: float | None = None,
) -> CoachFinding:
    from afterbeep.audio.coach import CoachFinding

    return CoachFinding(check, verdict, at_s, message, advice, end_s)


def check_duration(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    d = r.speech_duration_s
    if d > s.max_duration_s:
        return [
            _finding(
                "duration",
                "fail",
                r.speech_start_s + s.max_duration_s,
                f"you speak for {d:.1f} s; keep it to {s.min_duration_s:g}-{s.max_duration_s:g} s",
                "cut the message to one reason and one ask; callbacks peak under 30 s",
            )
        ]
    if d < s.min_duration_s:
        return [
            _finding(
                "duration",
                "warn",
                r.speech_start_s,
                f"you speak for only {d:.1f} s",
                "give a reason to call back: who you are, why them, one ask",
            )
        ]
    return [_finding("duration", "ok", None, f"{d:.1f} s of speech, within range")]


def check_hook(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if not r.hook:
        return [
            _finding(
                "hook",
                "warn",
                r.speech_start_s,
                f"nothing recognisable is said in the first {s.hook_s:g} s",
                "open with their name and who you are",
            )
        ]
    name_in_hook = r.first_name is not None and any(
        t < r.speech_start_s + s.hook_s for t in r.first_name_times
    )
    if r.first_name and not name_in_hook:
        return [
            _finding(
                "hook",
                "warn",
                r.speech_start_s,
                f"the first {s.hook_s:g} s ({r.hook!r}) do not greet {r.first_name}",
                f'open with "Hi {r.first_name}" so they keep listening',
            )
        ]
    return [_finding("hook", "ok", r.speech_start_s, f"opens with: {r.hook}")]


def check_pace(
    r: CoachReport, spoken: Sequence[SpokenSentence], s: CoachSettings
) -> list[CoachFinding]:
    wpm = r.words_per_minute
    if wpm is None:
        return [_finding("pace", "skip", None, "too few words to measure pace")]
    found: list[CoachFinding] = []
    if wpm > s.fast_wpm:
        found.append(
            _finding(
                "pace",
                "fail",
                r.speech_start_s,
                f"{wpm:.0f} words per minute overall, over {s.fast_wpm:g}",
                "slow down: if it feels too slow, it is about right",
            )
        )
    elif wpm < s.slow_wpm:
        found.append(
            _finding(
                "pace",
                "warn",
                r.speech_start_s,
                f"{wpm:.0f} words per minute overall, under {s.slow_wpm:g}",
                "pick up the pace a little; it sounds read",
            )
        )
    for sentence in spoken:
        if sentence.words < s.min_sentence_words:
            continue
        rate = sentence.words_per_minute
        if rate > s.fast_wpm + 15 and wpm <= s.fast_wpm:
            found.append(
                _finding(
                    "pace",
                    "warn",
                    sentence.start_s,
                    f'{rate:.0f} wpm in "{sentence.text}"',
                    "slow this sentence down",
                    sentence.end_s,
                )
            )
    if not found:
        found.append(_finding("pace", "ok", None, f"{wpm:.0f} words per minute"))
    return found


def check_pauses(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if not r.pauses:
        return [_finding("pauses", "ok", None, f"longest pause {r.longest_pause_s:.1f} s")]
    return [
        _finding(
            "pauses",
            "warn",
            a,
            f"{b - a:.1f} s pause",
            "keep pauses under a second; a long silence sounds like the message ended",
            b,
        )
        for a, b in r.pauses
    ]


def check_dead_air(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    found = []
    if r.dead_air_start_s > s.dead_air_start_s:
        found.append(
            _finding(
                "dead_air",
                "warn",
                0.0,
                f"{r.dead_air_start_s:.1f} s of silence before you speak",
                "start speaking right away (or trim the start)",
                r.speech_start_s,
            )
        )
    if r.dead_air_end_s > s.dead_air_end_s:
        found.append(
            _finding(
                "dead_air",
                "warn",
                r.speech_end_s,
                f"{r.dead_air_end_s:.1f} s of silence after you finish",
                "stop the recording when you finish (or trim the end)",
                r.file_duration_s,
            )
        )
    return found or [_finding("dead_air", "ok", None, "no dead air at the start or end")]


def check_fillers(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if len(r.fillers) <= s.max_fillers:
        return [_finding("fillers", "ok", None, "no filler words heard")]
    words = ", ".join(sorted({f.text for f in r.fillers}))
    return [
        _finding(
            "fillers",
            "warn",
            r.fillers[0].at_s,
            f"{len(r.fillers)} filler word(s): {words}",
            "pause silently instead of saying um/uh; rehearse the script once",
        )
    ]


def check_monotone(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    pitch = r.pitch_variability_semitones
    if pitch is None:
        return [_finding("monotone", "skip", None, "too little voiced speech to measure pitch")]
    if pitch < s.monotone_semitones:
        return [
            _finding(
                "monotone",
                "warn",
                r.speech_start_s,
                f"pitch varies by only {pitch:.1f} semitones",
                "sound like a conversation: let your voice rise and fall, smile",
            )
        ]
    return [_finding("monotone", "ok", None, f"pitch varies by {pitch:.1f} semitones")]


def check_levels(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    found = []
    if r.clipping.runs >= s.clip_runs:
        found.append(
            _finding(
                "clipping",
                "fail",
                r.clipping.first_at_s,
                f"{r.clipping.runs} clipped stretches",
                "lower the microphone gain or move back from it",
            )
        )
    else:
        found.append(_finding("clipping", "ok", None, "no clipping"))
    if r.speech_level_dbfs < s.quiet_dbfs:
        found.append(
            _finding(
                "level",
                "warn",
                r.speech_start_s,
                f"speech at {r.speech_level_dbfs:.0f} dBFS is too quiet",
                "move closer to the microphone or raise its gain",
            )
        )
    if r.snr_db is not None and r.snr_db < s.noisy_snr_db:
        found.append(
            _finding(
                "noise",
                "warn",
                r.speech_start_s,
                f"background noise: speech only {r.snr_db:.0f} dB above it",
                "record somewhere quiet, or use a headset microphone",
            )
        )
    else:
        found.append(_finding("noise", "ok", None, "background is quiet"))
    return found


def check_number(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    mentions = r.number_mentions
    if not mentions:
        where = "the expected number " + r.expected_number if r.expected_number else "a number"
        return [
            _finding(
                "callback_number",
                "fail",
                None,
                f"{where} is never said",
                "say your callback number slowly, then say it again",
            )
        ]
    found = []
    if len(mentions) < 2:
        found.append(
            _finding(
                "callback_number",
                "warn",
                mentions[0].start_s,
                "the callback number is said only once",
                "repeat the number at the end",
                mentions[0].end_s,
            )
        )
    else:
        found.append(
            _finding(
                "callback_number", "ok", mentions[0].start_s, f"number said {len(mentions)} times"
            )
        )
    for run in mentions:
        if run.digits_per_second > s.max_number_digits_per_s:
            found.append(
                _finding(
                    "number_pace",
                    "warn",
                    run.start_s,
                    f"number said at {run.digits_per_second:.1f} digits/s",
                    "say the number in groups with a short pause between",
                    run.end_s,
                )
            )
    return found


def check_first_name(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if r.first_name is None:
        return [_finding("first_name", "skip", None, "no first name given (script or field)")]
    count = len(r.first_name_times)
    if count < s.min_name_mentions:
        return [
            _finding(
                "first_name",
                "warn",
                r.speech_start_s,
                f"{r.first_name} is never said",
                "greet them by first name",
            )
        ]
    return [
        _finding("first_name", "ok", r.first_name_times[0], f"{r.first_name} said {count} time(s)")
    ]


def check_cta(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if r.call_to_action:
        return [_finding("call_to_action", "ok", None, "a call to action is heard")]
    return [
        _finding(
            "call_to_action",
            "fail",
            r.speech_end_s,
            "no call to action heard",
            "ask for one specific next step, with a reason to take it",
        )
    ]


def check_script(r: CoachReport, s: CoachSettings) -> list[CoachFinding]:
    if r.script_wer is None:
        return []
    found = []
    verdict = "warn" if r.script_wer > s.max_script_wer else "ok"
    found.append(
        _finding(
            "script",
            verdict,
            None,
            f"{r.script_wer:.0%} of the script's words differ",
            "stay close to the script you wrote" if verdict == "warn" else "",
        )
    )
    for phrase in r.script_phrases:
        if phrase.kind == "skipped" and len(phrase.text.split()) >= 3:
            found.append(
                _finding(
                    "script",
                    "warn",
                    phrase.at_s,
                    f'skipped: "{phrase.text}"',
                    "say this part of the script",
                )
            )
    return found


_CHECKS: tuple[Callable[[CoachReport, CoachSettings], list[CoachFinding]], ...] = (
    check_duration,
    check_hook,
    check_pauses,
    check_dead_air,
    check_fillers,
    check_monotone,
    check_levels,
    check_number,
    check_first_name,
    check_cta,
    check_script,
)


def run_checks(
    report: CoachReport,
    spoken: Sequence[SpokenSentence],
    settings: CoachSettings,
    *,
    script_given: bool,
) -> list[CoachFinding]:
    """Every check's findings for ``report``, in a fixed order."""
    findings = check_pace(report, spoken, settings)
    for check in _CHECKS:
        findings += check(report, settings)
    del script_given
    return findings


__all__ = ["run_checks"]
