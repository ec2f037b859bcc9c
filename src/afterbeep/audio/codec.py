"""Telephony sample codecs: G.711 mu-law and 16-bit linear PCM, as numpy arrays and wire bytes.

Owns the bit-exact conversions carriers use (20 ms at 8 kHz = 160 mu-law bytes or 320 PCM16
bytes). Must not read files or resample: see ``afterbeep.audio.io``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_BIAS = 0x84


def _build_decode_table() -> NDArray[np.int16]:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _build_encode_table() -> NDArray[np.uint8]:
    # The reference G.711 encoder works on 14-bit magnitudes (sample >> 2, bias 33, clip 8159).
    shifted = np.arange(-32768, 32768, dtype=np.int32) >> 2
    mask = np.where(shifted < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(shifted), 8159) + 33
    segment = np.floor(np.log2(magnitude)).astype(np.int32) - 5
    segment = np.maximum(segment, 0)
    code = np.where(
        segment > 7, 0x7F, (segment << 4) | ((magnitude >> (np.minimum(segment, 7) + 1)) & 0x0F)
    )
    return ((code ^ mask) & 0xFF).astype(np.uint8)


_DECODE = _build_decode_table()
_ENCODE = _build_encode_table()


def mulaw_decode(data: bytes | NDArray[np.uint8]) -> NDArray[np.int16]:
    """mu-law bytes to 16-bit linear samples."""
    codes = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) else data
    return _DECODE.take(codes)


def mulaw_encode(samples: NDArray[np.int16]) -> NDArray[np.uint8]:
    """16-bit linear samples to mu-law codes (use ``.tobytes()`` for the wire)."""
    return _ENCODE[samples.astype(np.int32) + 32768]


def pcm16_decode(data: bytes) -> NDArray[np.int16]:
    """Little-endian signed 16-bit bytes to samples. Odd lengths are an error of the caller."""
    if len(data) % 2:
        raise ValueError(f"PCM16 data must have an even number of bytes, got {len(data)}")
    return np.frombuffer(data, dtype="<i2").astype(np.int16)


def pcm16_encode(samples: NDArray[np.int16]) -> bytes:
    """Samples to little-endian signed 16-bit bytes."""
    return samples.astype("<i2").tobytes()


def float_to_int16(samples: NDArray[np.floating]) -> NDArray[np.int16]:
    """[-1, 1] floats to int16, clipping out-of-range values."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).round().astype(np.int16)


def int16_to_float(samples: NDArray[np.int16]) -> NDArray[np.float32]:
    """int16 samples to float32 in [-1, 1)."""
    return samples.astype(np.float32) / 32768.0


__all__ = [
    "float_to_int16",
    "int16_to_float",
    "mulaw_decode",
    "mulaw_encode",
    "pcm16_decode",
    "pcm16_encode",
]
