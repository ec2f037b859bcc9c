"""Beep tracking for one stream: steady pure tones, their sequence, and the end of the last one.

Owns turning per-frame tone features into "a beep of one to three tones ended at T ms": a
frame is tonal when one narrow peak holds most of the power, its second harmonic is weak (a
voice has many harmonics, music several partials, DTMF two peaks of similar power) and it is
well above the line's floor. Consecutive tonal frames at a stable frequency form a tone; a
tone that stops is held back for ``confirm_ms`` in case another tone of the same beep follows,
and dropped if loud non-tonal sound follows at once (speech or music, not a beep). The end is
located below frame resolution from the last 60 ms of samples.

Must not decide human or machine, nor emit events (see ``detector``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from afterbeep.detect._features import FRAME_MS, FULL_SCALE_POWER, HISTORY_FRAMES, FrameAnalyzer

# How far back a tone's start may be moved to frames that were it already (see _start_tone).
BACKDATE_FRAMES = 5


@dataclass(frozen=True, slots=True)
class BeepConfig:
    """Thresholds of the tracker (documented and validated in ``DetectorSettings``)."""

    min_hz: float
    max_hz: float
    tone_ratio: float
    max_harmonic_db: float
    frequency_tolerance_hz: float
    min_tone_ms: int
    max_tone_ms: int
    min_snr_db: float
    end_drop_db: float
    confirm_ms: int
    quiet_margin_db: float
    isolated_below_ms: int
    short_tone_ratio: float
    short_tone_spread_hz: float
    short_tone_harmonic_db: float
    held_ratio: float
    held_harmonic_db: float
    long_quiet_margin_db: float


@dataclass(frozen=True, slots=True)
class Beep:
    """A confirmed beep: end of its last tone, that tone's frequency and length, tone count."""

    end_ms: int
    frequency_hz: float
    duration_ms: int
    tones: int


class BeepTracker:
    """Per-stream beep state machine; call ``update`` once per frame."""

    __slots__ = (
        "_cfg",
        "_highest_hz",
        "_loud_after",
        "_lowest_hz",
        "_min_frames",
        "_min_measured_ms",
        "_pending_end",
        "_pending_hz",
        "_pending_len",
        "_pending_level",
        "_pending_sounding",
        "_pending_tones",
        "_recent",
        "_sample_rate",
        "_tone_best_harmonic",
        "_tone_best_ratio",
        "_tone_frames",
        "_tone_hz",
        "_tone_hz_max",
        "_tone_hz_min",
        "_tone_lead_db",
        "_tone_level",
        "_tone_start",
        "_tone_too_long",
        "tone_active",
    )

    def __init__(self, config: BeepConfig, *, sample_rate: int) -> None:
        self._cfg = config
        self._sample_rate = sample_rate
        # A tone of min_tone_ms shows as that many frames less one: its first window is
        # shared with whatever came before and often fails the tonal test.
        self._min_frames = max(2, -(-config.min_tone_ms // FRAME_MS) - 1)
        # Interpolated frequencies of a tone right at a band edge scatter by a Hz or two.
        self._lowest_hz = config.min_hz - 3.0
        self._highest_hz = config.max_hz + 3.0
        # Measured from its first tonal frame to its refined end, a tone of min_tone_ms shows
        # as at least three quarters of that (its onset frame often fails the tonal test).
        self._min_measured_ms = 0.75 * config.min_tone_ms
        self.tone_active = False
        self._tone_hz = 0.0
        self._tone_start = 0
        self._tone_frames = 0
        self._tone_level = -200.0
        self._tone_too_long = False
        self._pending_end: float | None = None
        self._pending_hz = 0.0
        self._pending_len = 0
        self._pending_level = -200.0
        self._pending_tones = 0
        self._pending_sounding = False
        self._loud_after = 0
        # (energy, frequency, ratio, partials) of the last frames, to find where a tone that
        # passed the purity tests late really began (see _start_tone).
        self._recent: deque[tuple[float, float, float, float]] = deque(maxlen=BACKDATE_FRAMES + 3)
        self._tone_lead_db = -200.0
        self._tone_best_ratio = 0.0
        self._tone_best_harmonic = 0.0
        self._tone_hz_min = 0.0
        self._tone_hz_max = 0.0

    @property
    def busy(self) -> bool:
        """A tone is sounding or a finished one may still be followed by another."""
        return self.tone_active or self._pending_end is not None

    @property
    def tone_hz(self) -> float:
        return self._tone_hz

    @property
    def tone_ms(self) -> int:
        return self._tone_frames * FRAME_MS if self.tone_active else 0

    def update(
        self,
        frame_end_ms: int,
        energy_db: float,
        ratio: float,
        hz: float,
        harmonic_db: float,
        floor_db: float,
        analyzer: FrameAnalyzer,
        stream: int,
    ) -> Beep | None:
        """Account for one frame; a ``Beep`` when the end of a beep is now certain."""
        cfg = self._cfg
        tonal = (
            ratio >= cfg.tone_ratio
            and harmonic_db <= cfg.max_harmonic_db
            and self._lowest_hz <= hz <= self._highest_hz
            and energy_db >= floor_db + cfg.min_snr_db
        )
        if self.tone_active:
            loud = energy_db >= self._tone_level - cfg.end_drop_db
            if (tonal and loud and abs(hz - self._tone_hz) <= cfg.frequency_tolerance_hz) or (
                loud and self._held(ratio, hz, harmonic_db, self._tone_hz)
            ):
                self._tone_frames += 1
                if ratio > self._tone_best_ratio:
                    self._tone_best_ratio = ratio
                if harmonic_db < self._tone_best_harmonic:
                    self._tone_best_harmonic = harmonic_db
                if hz < self._tone_hz_min:
                    self._tone_hz_min = hz
                if hz > self._tone_hz_max:
                    self._tone_hz_max = hz
                # Running mean: the frequency estimate steadies as the tone goes on.
                self._tone_hz += (hz - self._tone_hz) / self._tone_frames
                if energy_db > self._tone_level:
                    self._tone_level = energy_db
                if self._tone_frames * FRAME_MS > cfg.max_tone_ms:
                    self._tone_too_long = True
            elif tonal and loud:
                # Back-to-back tone at another frequency: close this one at the frame edge.
                self._close_tone(float(frame_end_ms - FRAME_MS))
                self._start_tone(frame_end_ms, energy_db, hz)
                self._tone_best_ratio = ratio
                self._tone_best_harmonic = harmonic_db
            else:
                self._close_tone(self._refine_end(frame_end_ms, analyzer.history(stream)))
        elif tonal:
            self._start_tone(frame_end_ms, energy_db, hz)
            self._tone_best_ratio = ratio
            self._tone_best_harmonic = harmonic_db

        self._recent.append((energy_db, hz, ratio, harmonic_db))
        if self._pending_end is None or self.tone_active:
            return None
        if (
            energy_db >= self._pending_level - cfg.end_drop_db
            and abs(hz - self._pending_hz) <= cfg.frequency_tolerance_hz
            and ratio >= 0.5
        ):
            # The same tone, still as loud, merely failing a purity test for a frame (babble,
            # mu-law): the beep has not ended. Confirming now would start the message early.
            self._pending_sounding = True
            self._loud_after = 0
            return None
        if self._pending_sounding:
            self._pending_sounding = False
            self._pending_end = max(
                self._pending_end, self._refine_end(frame_end_ms, analyzer.history(stream))
            )
        # What is quiet after the tone: 12 dB under it, or 8 dB after a tone as long as no
        # vowel holds one (the talkers behind a beep come back 10-13 dB under it).
        margin = (
            cfg.quiet_margin_db
            if self._pending_len < cfg.isolated_below_ms
            else cfg.long_quiet_margin_db
        )
        if (
            frame_end_ms - self._pending_end >= cfg.confirm_ms
            and self._recent[-2][0] < self._pending_level - margin  # the frame before
        ):
            # Confirmed only on the second quiet frame in a row: a loud frame just before may
            # be the next tone's onset, with this frame lost on the network (zeros).
            beep = Beep(
                end_ms=round(self._pending_end),
                frequency_hz=round(self._pending_hz, 1),
                duration_ms=self._pending_len,
                tones=self._pending_tones,
            )
            self._clear_pending()
            return beep
        if (
            not tonal
            and frame_end_ms - FRAME_MS >= self._pending_end
            and energy_db >= self._pending_level - margin
        ):
            # Loud sound right after the "tone": a voice or music, not a beep. One such frame
            # may be the onset of the beep's next tone (its window is half silence), so two.
            self._loud_after += 1
            if self._loud_after >= 2:
                self._clear_pending()
        else:
            self._loud_after = 0
        return None

    def _held(self, ratio: float, hz: float, harmonic_db: float, tone_hz: float) -> bool:
        """A frame that fails the purity tests yet continues the tone at ``tone_hz``: at its
        pitch within ``short_tone_spread_hz`` (a voice glides more), and either with the
        peak's usual share of the power or still concentrated (``held_ratio``) with partials
        ``held_harmonic_db`` down. Background talkers fill the bins a voice's partials would
        be in: a beep 10-13 dB over them fails the 20 dB partial test in most frames, and
        its fragments were each too short to be a beep."""
        cfg = self._cfg
        return abs(hz - tone_hz) <= cfg.short_tone_spread_hz and (
            ratio >= cfg.tone_ratio
            or (ratio >= cfg.held_ratio and harmonic_db <= cfg.held_harmonic_db)
        )

    def _start_tone(self, frame_end_ms: int, energy_db: float, hz: float) -> None:
        self.tone_active = True
        # The frames just before that were this tone already, failing a purity test only
        # (talkers behind it): it began there, which its length (a fax calling tone is
        # told by its 0.5 s) and its lead must count from.
        cfg = self._cfg
        held = 0
        for past_energy, past_hz, past_ratio, past_harmonic in reversed(self._recent):
            if (
                held == BACKDATE_FRAMES
                or past_energy < energy_db - cfg.end_drop_db
                or not self._held(past_ratio, past_hz, past_harmonic, hz)
            ):
                break
            held += 1
        before = list(self._recent)[: len(self._recent) - held]
        # The two frames before the one before it (that one may hold the tone's onset).
        lead = [energy for energy, _, _, _ in before[-3:-1]]
        self._tone_lead_db = max(lead) if lead else -200.0
        self._tone_start = frame_end_ms - FRAME_MS * (1 + held)
        self._tone_frames = 1 + held
        self._tone_hz = hz
        self._tone_level = energy_db
        self._tone_too_long = False
        self._tone_hz_min = hz
        self._tone_hz_max = hz

    def _close_tone(self, end_ms: float) -> None:
        self.tone_active = False
        if self._tone_too_long:
            # Too long for a beep (a fax answer tone, a dial tone): nothing before it counts.
            self._clear_pending()
            return
        too_short = (
            self._tone_frames < self._min_frames
            or end_ms - self._tone_start < self._min_measured_ms
        )
        if too_short or (
            end_ms - self._tone_start < self._cfg.isolated_below_ms
            and (
                (
                    self._pending_end is None
                    and self._tone_lead_db >= self._tone_level - self._cfg.quiet_margin_db
                )
                or self._tone_best_ratio < self._cfg.short_tone_ratio
                or self._tone_best_harmonic > self._cfg.short_tone_harmonic_db
                or self._tone_hz_max - self._tone_hz_min > self._cfg.short_tone_spread_hz
            )
        ):
            # Too short to be a tone of its own; or a short "tone" straight out of loud
            # sound, or not quite pure, or gliding: a steady vowel (a telephone band without
            # the voice's fundamental can leave one harmonic for 40-80 ms), not a beep,
            # which is exact and follows a pause. Unless it is the pending tone going on at
            # its pitch, or a step straight on from it (a beep's short middle tone looks like
            # a glide where its first frame straddles the step; a repeated or lost packet
            # cuts a beep into fragments of a frame or two): then the beep is not over yet.
            if self._pending_end is not None and (
                abs(self._tone_hz - self._pending_hz) <= self._cfg.frequency_tolerance_hz
                or self._tone_start <= self._pending_end + FRAME_MS
            ):
                self._pending_end = max(self._pending_end, end_ms)
            return
        tones = self._pending_tones + 1 if self._pending_end is not None else 1
        self._pending_end = max(end_ms, float(self._tone_start))
        self._pending_hz = self._tone_hz
        self._pending_len = round(self._pending_end - self._tone_start)
        self._pending_level = self._tone_level
        self._pending_tones = tones

    def _clear_pending(self) -> None:
        self._pending_end = None
        self._pending_sounding = False
        self._pending_tones = 0
        self._loud_after = 0

    def _refine_end(self, frame_end_ms: int, history: NDArray[np.float32]) -> float:
        """Where the tone's short-time power fell below half its steady level, in ms."""
        rate = self._sample_rate
        span = max(1, int(rate * 0.005))  # 5 ms: at least 1.75 periods of a 350 Hz tone
        squared = history.astype(np.float64) ** 2
        cumulative = np.concatenate(([0.0], np.cumsum(squared)))
        moving = (cumulative[span:] - cumulative[:-span]) / span  # power of [i, i + span)
        level = 10.0 ** (self._tone_level / 10.0) * FULL_SCALE_POWER
        above = np.flatnonzero(moving >= 0.5 * level)
        history_start_ms = frame_end_ms - HISTORY_FRAMES * FRAME_MS
        if above.size == 0:
            return float(frame_end_ms - FRAME_MS)
        # The window [i, i + span) straddling the end at half power is centred on the end.
        end_sample = above[-1] + span / 2
        return history_start_ms + end_sample * 1000.0 / rate


__all__ = ["Beep", "BeepConfig", "BeepTracker"]
