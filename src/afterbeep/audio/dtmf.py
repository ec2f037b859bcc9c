"""Touch-tone keys (DTMF, ITU-T Q.23): the tones of a key press, and reading them back.

The media engine presses a company menu's operator key in-band, as audio on the call's own
stream, which every carrier protocol carries; the call simulator reads the keys it is sent.
Must not know about calls or carriers.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from afterbeep.errors import InvalidInput

# Q.23: a key is one low (row) and one high (column) frequency.
ROWS_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMNS_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYS = ("123A", "456B", "789C", "*0#D")

# Q.24 asks receivers to take a tone of 40 ms and a pause of 40 ms; 100 ms of each is what
# phones send and what menus are tested with.
TONE_MS = 100
GAP_MS = 100
# Each frequency's level: -9 dBFS apiece keeps the pair's peak under full scale after G.711.
TONE_LEVEL_DBFS = -9.0

# A block is read as a key when the row and column tones hold this share of its energy,
# each is well above the other frequencies of its group (speech and music spread over
# many), the two are within the twist a line allows, and the block is not near silence.
_PAIR_SHARE = 0.7
_GROUP_MARGIN = 6.0  # the best row (column) over the next best: about 8 dB
_MAX_TWIST = 6.3  # about 8 dB between the row and the column tone
_MIN_DBFS = -40.0


def key_tones(
    keys: str, *, sample_rate: int, tone_ms: int = TONE_MS, gap_ms: int = GAP_MS
) -> NDArray[np.int16]:
    """The tones of ``keys`` pressed one after the other, each followed by ``gap_ms`` of
    silence. Raises ``InvalidInput`` for a character that is not a key."""
    if sample_rate <= 0:
        raise InvalidInput(f"sample_rate must be positive, got {sample_rate}", field="sample_rate")
    tone_n = sample_rate * tone_ms // 1000
    gap = np.zeros(sample_rate * gap_ms // 1000)
    t = np.arange(tone_n) / sample_rate
    amplitude = 10 ** (TONE_LEVEL_DBFS / 20)
    parts: list[NDArray[np.float64]] = []
    for key in keys:
        row, column = _position(key)
        tone = np.sin(2 * np.pi * ROWS_HZ[row] * t) + np.sin(2 * np.pi * COLUMNS_HZ[column] * t)
        parts += [amplitude * tone, gap]
    if not parts:
        return np.zeros(0, dtype=np.int16)
    return np.round(np.concatenate(parts) * 32767).astype(np.int16)


def _position(key: str) -> tuple[int, int]:
    for row, line in enumerate(KEYS):
        column = line.find(key.upper())
        if column >= 0 and key:
            return row, column
    raise InvalidInput(f"{key!r} is not a telephone key (expected one of 0-9, *, #, A-D)")


class _Bank:
    """Goertzel's single-frequency DFT at the eight key frequencies, for blocks of ``n``
    samples: one matrix product a block."""

    def __init__(self, n: int, sample_rate: int) -> None:
        t = np.arange(n) / sample_rate
        freqs = np.array(ROWS_HZ + COLUMNS_HZ)
        self.n = n
        self.basis = np.exp(-2j * np.pi * np.outer(t, freqs))

    def key(self, block: NDArray[np.float64]) -> str | None:
        energy = float(block @ block)
        if energy <= 0 or 10 * math.log10(energy / block.size) < _MIN_DBFS + 20 * math.log10(
            32768.0
        ):
            return None
        # A sine of amplitude A gives |X|^2 = (A n / 2)^2 against energy A^2 n / 2: the
        # share below is 1 for a lone tone and 0.5 for each tone of a key.
        share = np.abs(block @ self.basis) ** 2 / (energy * self.n / 2)
        rows, columns = share[:4], share[4:]
        row, column = int(np.argmax(rows)), int(np.argmax(columns))
        best_row, best_column = rows[row], columns[column]
        if best_row + best_column < _PAIR_SHARE:
            return None
        if best_row < _GROUP_MARGIN * np.sort(rows)[-2]:
            return None
        if best_column < _GROUP_MARGIN * np.sort(columns)[-2]:
            return None
        if max(best_row, best_column) > _MAX_TWIST * min(best_row, best_column):
            return None
        return KEYS[row][column]


class KeyReader:
    """Reads the keys pressed in a stream fed in pieces of any size: a key counts once
    when it holds for two blocks of about 20 ms in a row, and again only after a block
    without it (Q.24's 40 ms tone and pause)."""

    def __init__(self, *, sample_rate: int) -> None:
        if sample_rate <= 0:
            raise InvalidInput(
                f"sample_rate must be positive, got {sample_rate}", field="sample_rate"
            )
        self._bank = _Bank(max(16, sample_rate // 50), sample_rate)
        self._pending = np.zeros(0)
        self._last: str | None = None
        self._run = 0
        self.keys = ""
        """Every key read so far, in order."""

    @property
    def in_key(self) -> bool:
        """The last block read holds a key's tones (counted or not yet)."""
        return self._last is not None

    def feed(self, samples: NDArray[np.int16]) -> str:
        """Read ``samples``; the keys that completed in them."""
        n = self._bank.n
        data = np.concatenate([self._pending, np.asarray(samples, dtype=np.float64)])
        whole = data.size - data.size % n
        self._pending = data[whole:]
        found = ""
        for start in range(0, whole, n):
            key = self._bank.key(data[start : start + n])
            if key is not None and key == self._last:
                self._run += 1
                if self._run == 2:
                    found += key
            else:
                self._run = 1 if key is not None else 0
            self._last = key
        self.keys += found
        return found


def read_keys(samples: NDArray[np.int16], *, sample_rate: int) -> str:
    """The keys pressed in ``samples``, in order."""
    return KeyReader(sample_rate=sample_rate).feed(samples)


__all__ = [
    "COLUMNS_HZ",
    "GAP_MS",
    "KEYS",
    "ROWS_HZ",
    "TONE_MS",
    "KeyReader",
    "key_tones",
    "read_keys",
]
