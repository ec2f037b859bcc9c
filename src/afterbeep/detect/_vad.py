"""Adaptive noise floor and frame-level voice activity for one stream.

Owns "is this frame louder than the line's own background?". The floor is the quietest frame
of a long window (a few seconds, kept as per-block minima: O(1) per frame), so it spans the
pauses of a continuous greeting and follows a quiet line down at once. A line whose background
steps up (the far end's noise starting with its first words, after digital silence) would keep
the old floor for the whole long window; so when even the quietest frame of a short recent
window sits ``step_db`` above the long floor and that window is steady (its loudest and
quietest frames within ``steady_db``: noise, not syllables), the short window's floor is
taken instead.
Carrier digital silence (exact zeros) sits at the floor clamp and never reads as speech.

Must not group frames into words or greetings, nor decide human or machine (see ``detector``).
"""

from __future__ import annotations

from collections import deque


class _WindowMin:
    """Minimum of the last ``blocks * block_frames`` values, in O(1) amortised per value."""

    __slots__ = ("_block_frames", "_block_min", "_blocks", "_blocks_min", "_count")

    def __init__(self, *, blocks: int, block_frames: int) -> None:
        self._block_frames = block_frames
        self._blocks: deque[float] = deque(maxlen=max(1, blocks))
        self._block_min = float("inf")
        self._blocks_min = float("inf")
        self._count = 0

    def push(self, value: float) -> float:
        if value < self._block_min:
            self._block_min = value
        self._count += 1
        if self._count >= self._block_frames:
            self._blocks.append(self._block_min)
            self._blocks_min = min(self._blocks)
            self._block_min = float("inf")
            self._count = 0
        return self._block_min if self._block_min < self._blocks_min else self._blocks_min

    @property
    def full(self) -> bool:
        return len(self._blocks) == self._blocks.maxlen


class NoiseFloorVad:
    """Energy VAD against an adaptive floor. Feed one frame energy (dBFS) at a time."""

    __slots__ = (
        "_digital_run",
        "_floor_clamp_db",
        "_long",
        "_min_speech_db",
        "_short",
        "_short_max",
        "_snr_db",
        "_steady_db",
        "_step_db",
        "floor_db",
    )

    def __init__(
        self,
        *,
        window_frames: int,
        short_window_frames: int,
        step_db: float,
        steady_db: float,
        snr_db: float,
        min_speech_db: float,
        floor_clamp_db: float,
    ) -> None:
        block = 5
        self._long = _WindowMin(blocks=-(-window_frames // block), block_frames=block)
        self._short = _WindowMin(blocks=-(-short_window_frames // block), block_frames=block)
        # Maximum as the minimum of negated values: the short window's spread.
        self._short_max = _WindowMin(blocks=-(-short_window_frames // block), block_frames=block)
        self._steady_db = steady_db
        self._step_db = step_db
        self._snr_db = snr_db
        self._min_speech_db = min_speech_db
        self._floor_clamp_db = floor_clamp_db
        self._digital_run = 0
        self.floor_db = floor_clamp_db

    def update(self, energy_db: float) -> bool:
        """Account for one frame; True when the frame is louder than the floor by the margin."""
        if energy_db < self._floor_clamp_db - 15.0:
            # Digital silence. A few frames of it are lost packets, which say nothing about
            # the line's background and must not pull the floor under it; a longer run is a
            # silent line (carrier silence), whose floor is the clamp.
            self._digital_run += 1
            if self._digital_run < 5:
                return False
        else:
            self._digital_run = 0
        floor = self._long.push(energy_db)
        recent = self._short.push(energy_db)
        recent_max = -self._short_max.push(-energy_db)
        if (
            recent > floor + self._step_db
            and recent_max - recent < self._steady_db
            and self._short.full
        ):
            floor = recent
        if floor < self._floor_clamp_db:
            floor = self._floor_clamp_db
        self.floor_db = floor
        return energy_db >= floor + self._snr_db and energy_db >= self._min_speech_db
