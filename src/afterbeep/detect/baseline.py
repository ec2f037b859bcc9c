"""The Asterisk app_amd baseline: its energy / word-count state machine, as a streaming detector.

A re-implementation (from reading app_amd.c and the silence detector of main/dsp.c, not a copy)
of what ``AMD()`` does with its stock defaults, so afterbeep's detector is compared with the
published anchor on the same corpora:

- each 20 ms frame is silent when its mean absolute sample value is below the silence threshold
  (256 on the 16-bit scale, Asterisk's ``dsp.conf`` default); silence durations accumulate over
  consecutive silent frames like ``ast_dsp_silence``;
- the analysis ends with MACHINE (``INITIALSILENCE``, ``MAXWORDLENGTH``, ``MAXWORDS``,
  ``LONGGREETING``), HUMAN (``HUMAN``: after-greeting silence once the greeting started),
  NOTSURE (``TOOLONG`` at the total analysis time) or HANGUP (the audio ended first), with
  app_amd's cause strings (e.g. ``MAXWORDS-3-3``) as the event's ``reason``.

HUMAN -> ``HumanDetected``, MACHINE -> ``MachineDetected``, NOTSURE and HANGUP -> ``NotSure``.

app_amd has no beep detector. Dialers that use it to leave messages wait, after MACHINE, for
the line to go quiet (``WaitForSilence``) and then play. The baseline does the same: after a
MACHINE decision it emits ``GreetingEnded`` once ``cue_silence_ms`` (default: app_amd's own
after-greeting silence, 800 ms) of silence follows sound; the beep counts as sound, so on a
beeped mailbox the cue comes after the beep when the beep ends the greeting. It never emits
``BeepEnded`` nor mailbox events. Must not use anything app_amd does not have (no tone or
spectral features, no ASR).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from afterbeep.detect.events import (
    DetectionEvent,
    GreetingEnded,
    HumanDetected,
    MachineDetected,
    NotSure,
)
from afterbeep.errors import ConfigError

FRAME_MS = 20


@dataclass(frozen=True, slots=True)
class AsteriskAmdSettings:
    """app_amd's parameters (names as in amd.conf), with its stock defaults."""

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 3
    silence_threshold: int = 256
    maximum_word_length: int = 5000
    cue_silence_ms: int = 800
    """Silence after sound, once MACHINE is decided, before the message cue (WaitForSilence)."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(
                    f"asterisk-baseline setting {item.name!r} must be a positive integer, "
                    f"got {value!r}"
                )

    @classmethod
    def from_value(cls, value: AsteriskAmdSettings | dict[str, Any] | None) -> AsteriskAmdSettings:
        """Settings from an instance, a mapping of amd.conf names, or None (defaults)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            known = {item.name for item in fields(cls)}
            unknown = sorted(set(value) - known)
            if unknown:
                raise ConfigError(
                    f"unknown asterisk-baseline setting(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
            return cls(**value)
        raise ConfigError(
            f"asterisk-baseline settings must be AsteriskAmdSettings or a dict, got {type(value).__name__}"
        )

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class AsteriskAmd:
    """app_amd as a streaming detector: feed 20 ms int16 frames, read events."""

    def __init__(
        self,
        *,
        sample_rate: int = 8000,
        settings: AsteriskAmdSettings | dict[str, Any] | None = None,
    ) -> None:
        if sample_rate not in (8000, 16000):
            raise ConfigError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
        self.sample_rate = sample_rate
        self.settings = AsteriskAmdSettings.from_value(settings)
        self.frame_size = sample_rate * FRAME_MS // 1000
        self.status: str | None = None
        """HUMAN, MACHINE, NOTSURE or HANGUP once decided (app_amd's AMDSTATUS)."""
        self.cause: str = ""
        """app_amd's AMDCAUSE, e.g. ``MAXWORDS-3-3`` (empty for HANGUP, as app_amd leaves it)."""
        self._time_ms = 0
        # app_amd's analysis state.
        self._in_initial_silence = True
        self._in_greeting = False
        self._voice_ms = 0
        self._silence_ms = 0
        self._total_ms = 0
        self._words = 0
        self._in_word = True  # app_amd starts in STATE_IN_WORD
        self._consecutive_voice_ms = 0
        self._dsp_silence_ms = 0
        # The message cue after MACHINE.
        self._heard_sound_after = False
        self._cue_silence_ms = 0
        self._last_sound_end_ms = 0
        self._cue_sent = False

    def feed(self, frame: NDArray[np.int16]) -> list[DetectionEvent]:
        if frame.shape != (self.frame_size,):
            raise ValueError(
                f"frame must hold {self.frame_size} samples (20 ms at {self.sample_rate} Hz), "
                f"got {frame.shape}"
            )
        self._time_ms += FRAME_MS
        silent = float(np.abs(frame.astype(np.int32)).mean()) < self.settings.silence_threshold
        if self.status is None:
            return self._analyse(silent)
        if self.status == "MACHINE":
            return self._wait_for_silence(silent)
        return []

    def finish(self) -> list[DetectionEvent]:
        if self.status is not None:
            return []
        self.status, self.cause = "HANGUP", ""
        return [NotSure(at_ms=self._time_ms, emitted_ms=self._time_ms, reason="HANGUP")]

    def _decide(self, status: str, cause: str) -> list[DetectionEvent]:
        self.status, self.cause = status, cause
        now = self._time_ms
        if status == "HUMAN":
            return [HumanDetected(at_ms=now - self._silence_ms, emitted_ms=now, reason=cause)]
        if status == "MACHINE":
            # The beep or the rest of the greeting follows: the cue waits for silence after
            # sound heard from here on (an INITIALSILENCE machine has not spoken yet).
            self._heard_sound_after = False
            return [MachineDetected(at_ms=now, emitted_ms=now, reason=cause)]
        return [NotSure(at_ms=now, emitted_ms=now, reason=cause)]

    def _analyse(self, silent: bool) -> list[DetectionEvent]:
        s = self.settings
        self._total_ms += FRAME_MS
        if self._total_ms >= s.total_analysis_time:
            return self._decide("NOTSURE", f"TOOLONG-{self._total_ms}")
        # ast_dsp_silence: consecutive silent time, reset by any non-silent frame.
        self._dsp_silence_ms = self._dsp_silence_ms + FRAME_MS if silent else 0
        if self._dsp_silence_ms > 0:
            self._silence_ms = self._dsp_silence_ms
            if self._silence_ms >= s.between_words_silence:
                self._in_word = False
                self._consecutive_voice_ms = 0
            if self._in_initial_silence and self._silence_ms >= s.initial_silence:
                return self._decide(
                    "MACHINE", f"INITIALSILENCE-{self._silence_ms}-{s.initial_silence}"
                )
            if self._in_greeting and self._silence_ms >= s.after_greeting_silence:
                return self._decide("HUMAN", f"HUMAN-{self._silence_ms}-{s.after_greeting_silence}")
            return []
        self._consecutive_voice_ms += FRAME_MS
        self._voice_ms += FRAME_MS
        if self._consecutive_voice_ms >= s.min_word_length and not self._in_word:
            self._words += 1
            self._in_word = True
        if self._consecutive_voice_ms >= s.maximum_word_length:
            return self._decide("MACHINE", f"MAXWORDLENGTH-{self._consecutive_voice_ms}")
        if self._words >= s.maximum_number_of_words:
            return self._decide("MACHINE", f"MAXWORDS-{self._words}-{s.maximum_number_of_words}")
        if self._in_greeting and self._voice_ms >= s.greeting:
            return self._decide("MACHINE", f"LONGGREETING-{self._voice_ms}-{s.greeting}")
        if self._voice_ms >= s.min_word_length:
            self._silence_ms = 0
        if self._consecutive_voice_ms >= s.min_word_length and not self._in_greeting:
            self._in_initial_silence = False
            self._in_greeting = True
        return []

    def _wait_for_silence(self, silent: bool) -> list[DetectionEvent]:
        if self._cue_sent:
            return []
        if not silent:
            self._heard_sound_after = True
            self._cue_silence_ms = 0
            self._last_sound_end_ms = self._time_ms
            return []
        if not self._heard_sound_after:
            return []
        self._cue_silence_ms += FRAME_MS
        if self._cue_silence_ms >= self.settings.cue_silence_ms:
            self._cue_sent = True
            return [GreetingEnded(at_ms=self._last_sound_end_ms, emitted_ms=self._time_ms)]
        return []


__all__ = ["AsteriskAmd", "AsteriskAmdSettings"]
