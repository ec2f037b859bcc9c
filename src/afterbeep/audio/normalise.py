"""Making a take telephony-ready: trim, high-pass, 8 kHz, loudness, true-peak limit, encode.

Owns the phone chain, in this order (each step's why is in ``docs/audio.md``):

1. trim leading/trailing silence, keeping a short natural margin;
2. a gentle high-pass (2nd-order Butterworth, 100 Hz) against rumble, plosive thumps and DC;
3. resample to 8 kHz with soxr, whose anti-aliasing low-pass band-limits to the phone band;
4. gain to the target integrated loudness (ITU-R BS.1770 via pyloudnorm), measured at 8 kHz,
   with a look-ahead limiter holding the true peak (4x oversampled) under the ceiling;
5. encode 16-bit PCM and/or G.711 mu-law WAV, then measure the written files again.

The source file is never written to. Must not decide whether a take is good (the coach does)
or speak any carrier protocol.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import soundfile
from numpy.typing import NDArray
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, sosfilt

from afterbeep.audio.codec import float_to_int16, int16_to_float, mulaw_decode, mulaw_encode
from afterbeep.audio.importing import Recording, import_recording
from afterbeep.audio.io import Audio, resample
from afterbeep.audio.levels import (
    frame_rms_db,
    integrated_lufs,
    oversampled_peak_envelope,
    speech_threshold_db,
    to_db,
    true_peak_dbtp,
)
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import InvalidInput

PhoneFormat = Literal["mulaw", "pcm16"]
PHONE_FORMATS: tuple[PhoneFormat, ...] = get_args(PhoneFormat)
PHONE_RATE = 8000

_TRIM_FRAME_MS = 20.0
# A burst shorter than this (a click, a bump of the desk) does not count as the start of speech.
_TRIM_MIN_RUN_FRAMES = 2
# The limiter aims this far under the ceiling: mu-law's largest step is 1024 in 16-bit units,
# so quantising a peak near -1.5 dBFS can move it by up to about 0.16 dB.
_LIMITER_HEADROOM_DB = 0.3
# Half the limiter's look-ahead and recovery window: long enough to hold the gain steady over
# several pitch periods (no buzz), short enough to leave the next syllable untouched.
_LIMITER_WINDOW_MS = 10.0
_LIMITER_PASSES = 4
_LOUDNESS_TOLERANCE_LU = 0.05
_TARGET_REACHED_LU = 0.5
_MAX_LOUDNESS_PASSES = 12
# Make-up gain beyond what the loudness difference asks for is capped: past ~6 dB of limiting
# speech sounds squashed, so a target that needs more is reported as missed, not forced.
_MAX_MAKEUP_DB = 6.0


@dataclass(frozen=True, slots=True)
class Trim:
    """How much silence was cut from each end, in milliseconds of the source."""

    start_ms: float
    end_ms: float


@dataclass(frozen=True, slots=True)
class PhoneAudio:
    """The chain's output before encoding: 8 kHz float samples and what was done to them."""

    audio: Audio
    trim: Trim
    loudness_before_lufs: float
    true_peak_before_dbtp: float
    gain_db: float
    limiter_max_reduction_db: float
    target_reached: bool
    """False when the target needs more than 6 dB of make-up through the limiter."""


@dataclass(frozen=True, slots=True)
class PhoneFile:
    """One written output and its levels, measured on the file's decoded samples."""

    format: PhoneFormat
    path: Path
    loudness_lufs: float
    true_peak_dbtp: float


@dataclass(frozen=True, slots=True)
class NormaliseResult:
    """What ``normalise_for_phone`` wrote and measured."""

    source: Path
    source_sample_rate: int
    source_channels: int
    source_duration_s: float
    decoder: str
    files: tuple[PhoneFile, ...]
    sample_rate: int
    duration_s: float
    target_lufs: float
    true_peak_ceiling_dbtp: float
    loudness_before_lufs: float
    true_peak_before_dbtp: float
    gain_db: float
    limiter_max_reduction_db: float
    target_reached: bool
    trimmed_start_ms: float
    trimmed_end_ms: float

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: paths as strings, levels rounded to 0.01."""
        data: dict[str, object] = _jsonable(asdict(self))
        return data


def _jsonable(value: object) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float):
        return round(value, 2)
    return value


def trim_silence(
    audio: Audio, *, margin_ms: float, threshold_db: float, floor_dbfs: float
) -> tuple[Audio, Trim]:
    """``audio`` without its leading and trailing silence, keeping ``margin_ms`` each side.

    A 20 ms frame is speech when its RMS is within ``threshold_db`` of the loudest frame, 8 dB
    over the room's noise and above ``floor_dbfs`` (``speech_threshold_db``); runs of speech
    shorter than 40 ms (clicks) are ignored.
    """
    levels = frame_rms_db(audio.samples, audio.sample_rate, _TRIM_FRAME_MS)
    threshold = speech_threshold_db(levels, below_loudest_db=threshold_db, floor_dbfs=floor_dbfs)
    active = _without_short_runs(levels >= threshold, _TRIM_MIN_RUN_FRAMES)
    if not active.any():
        return audio, Trim(0.0, 0.0)
    frame = round(audio.sample_rate * _TRIM_FRAME_MS / 1000)
    margin = round(audio.sample_rate * margin_ms / 1000)
    indices = np.flatnonzero(active)
    start = max(0, int(indices[0]) * frame - margin)
    end = min(len(audio.samples), (int(indices[-1]) + 1) * frame + margin)
    trimmed = Audio(audio.samples[start:end].copy(), audio.sample_rate)
    to_ms = 1000.0 / audio.sample_rate
    return trimmed, Trim(start * to_ms, (len(audio.samples) - end) * to_ms)


def _without_short_runs(active: NDArray[np.bool_], minimum: int) -> NDArray[np.bool_]:
    edges = np.diff(np.concatenate([[0], active.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    kept = np.zeros_like(active)
    for start, end in zip(starts, ends, strict=True):
        if end - start >= minimum:
            kept[start:end] = True
    return kept


def highpass(audio: Audio, corner_hz: float) -> Audio:
    """2nd-order Butterworth high-pass (12 dB/octave); ``corner_hz`` 0 returns ``audio``."""
    if corner_hz <= 0:
        return audio
    sos = butter(2, corner_hz, btype="highpass", fs=audio.sample_rate, output="sos")
    return Audio(sosfilt(sos, audio.samples).astype(np.float32), audio.sample_rate)


def limit_true_peak(audio: Audio, ceiling_dbtp: float) -> tuple[Audio, float]:
    """``audio`` with its true peak held at or under ``ceiling_dbtp``; and the deepest cut, dB.

    The needed gain per sample comes from the 4x oversampled peak envelope; a minimum filter
    then a moving average of the same width make the gain fall before each peak and recover
    after it, and never exceed what the peak needs. Samples that need no cut are left as they
    are (to within float32 rounding).
    """
    # Aim a hundred-thousandth (0.0001 dB) under, so float32 rounding cannot land above.
    ceiling = 10 ** (ceiling_dbtp / 20) * (1 - 1e-5)
    width = 2 * round(audio.sample_rate * _LIMITER_WINDOW_MS / 1000) + 1
    limited = audio.samples.astype(np.float64)
    total_gain = np.ones(len(limited))
    # Gain changes can leave a sliver of inter-sample overshoot; a second pass takes it off
    # locally. Whatever is left after the passes (never seen in tests) is scaled off globally.
    for _ in range(_LIMITER_PASSES):
        envelope = oversampled_peak_envelope(limited)
        if float(envelope.max()) <= ceiling:
            break
        needed = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-12))
        gain = uniform_filter1d(
            minimum_filter1d(needed, width, mode="nearest"), width, mode="nearest"
        )
        gain = np.minimum(gain, 1.0)
        limited *= gain
        total_gain *= gain
    else:
        residual = float(oversampled_peak_envelope(limited).max())
        if residual > ceiling:
            limited *= ceiling / residual
            total_gain *= ceiling / residual
    reduction = max(0.0, -to_db(float(total_gain.min()))) if len(total_gain) else 0.0
    return Audio(limited.astype(np.float32), audio.sample_rate), reduction


def to_phone(
    audio: Audio,
    *,
    settings: AudioSettings,
    target_lufs: float | None = None,
    source: str | None = None,
) -> PhoneAudio:
    """Run the phone chain on ``audio`` (any rate) and return 8 kHz float samples.

    ``source`` names the recording in errors.
    """
    target = settings.target_lufs if target_lufs is None else target_lufs
    loudness_before = integrated_lufs(audio)
    true_peak_before = true_peak_dbtp(audio.samples)
    trimmed, trim = trim_silence(
        audio,
        margin_ms=settings.trim_margin_ms,
        threshold_db=settings.trim_threshold_db,
        floor_dbfs=settings.silence_floor_dbfs,
    )
    band_limited = resample(highpass(trimmed, settings.highpass_hz), PHONE_RATE)
    measured = integrated_lufs(band_limited)
    if measured <= -70.0:
        raise InvalidInput(
            f"no speech in the phone band: loudness {measured:.1f} LUFS after the "
            f"{settings.highpass_hz:g} Hz high-pass and 8 kHz band limit",
            source=source,
        )
    ceiling = settings.true_peak_dbtp - _LIMITER_HEADROOM_DB

    def attempt(gain: float) -> tuple[Audio, float, float]:
        gained = Audio(band_limited.samples * np.float32(10 ** (gain / 20)), PHONE_RATE)
        limited, reduction = limit_true_peak(gained, ceiling)
        return limited, reduction, integrated_lufs(limited)

    # The limiter takes some loudness away, the more the harder it works: find the gain that
    # lands on the target by the secant method (loudness rises monotonically with gain).
    gain_db = target - measured
    highest_gain = gain_db + _MAX_MAKEUP_DB
    limited, reduction, loudness = attempt(gain_db)
    previous: tuple[float, float] | None = None
    for _ in range(_MAX_LOUDNESS_PASSES):
        if abs(loudness - target) <= _LOUDNESS_TOLERANCE_LU:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.05, (loudness - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, loudness)
        next_gain = min(gain_db + (target - loudness) / slope, highest_gain)
        if next_gain == gain_db:
            break
        gain_db = next_gain
        limited, reduction, loudness = attempt(gain_db)
    return PhoneAudio(
        limited,
        trim,
        loudness_before,
        true_peak_before,
        gain_db,
        reduction,
        target_reached=abs(loudness - target) <= _TARGET_REACHED_LU,
    )


def encode_phone(audio: Audio, phone_format: PhoneFormat) -> tuple[NDArray[np.int16], str]:
    """16-bit samples exactly as the format will hold them, and the soundfile subtype."""
    pcm = float_to_int16(audio.samples)
    if phone_format == "mulaw":
        return mulaw_decode(mulaw_encode(pcm)), "ULAW"
    return pcm, "PCM_16"


def write_encoded(path: Path, samples: NDArray[np.int16], rate: int, subtype: str) -> None:
    """Write encoded samples as a WAV at ``path`` via a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        soundfile.write(str(temporary), samples, rate, subtype=subtype, format="WAV")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_phone_files(
    phone: Audio,
    outputs: Mapping[PhoneFormat, Path],
    *,
    ceiling_dbtp: float,
) -> tuple[PhoneFile, ...]:
    """Encode ``phone`` (8 kHz) into each requested format and measure what was written."""
    files = []
    for phone_format, path in outputs.items():
        samples, subtype = encode_phone(phone, phone_format)
        decoded = int16_to_float(samples)
        peak = true_peak_dbtp(decoded)
        if peak > ceiling_dbtp:
            # Quantisation pushed a peak over; scale down by the excess (a few hundredths of a dB).
            scale = 10 ** ((ceiling_dbtp - peak - 0.01) / 20)
            samples, subtype = encode_phone(
                Audio(phone.samples * np.float32(scale), PHONE_RATE), phone_format
            )
            decoded = int16_to_float(samples)
            peak = true_peak_dbtp(decoded)
        write_encoded(path, samples, PHONE_RATE, subtype)
        loudness = integrated_lufs(Audio(decoded, PHONE_RATE))
        files.append(PhoneFile(phone_format, path, loudness, peak))
    return tuple(files)


def check_outputs(source: Path, outputs: Mapping[str, Path]) -> dict[PhoneFormat, Path]:
    """``outputs`` as typed formats; ``InvalidInput`` for an unknown format or the source itself."""
    checked: dict[PhoneFormat, Path] = {}
    for name, path in outputs.items():
        if name not in PHONE_FORMATS:
            raise InvalidInput(
                f"unknown phone format {name!r}; expected one of {', '.join(PHONE_FORMATS)}",
                field="format",
            )
        path = Path(path)
        if path.resolve() == source.resolve():
            raise InvalidInput(
                "output would overwrite the original recording; choose another path",
                source=str(path),
            )
        checked[name] = path
    if not checked:
        raise InvalidInput("no output requested; give a mulaw or pcm16 path", field="outputs")
    return checked


def normalise_for_phone(
    source: str | Path,
    outputs: Mapping[str, Path],
    *,
    settings: AudioSettings | None = None,
    target_lufs: float | None = None,
) -> NormaliseResult:
    """Import ``source``, run the phone chain and write each of ``outputs`` (format -> path).

    ``outputs`` maps ``"mulaw"`` and/or ``"pcm16"`` to WAV paths. The source is only read.
    """
    settings = settings or AudioSettings()
    source = Path(source)
    targets = check_outputs(source, outputs)
    target = settings.target_lufs if target_lufs is None else target_lufs
    if not -40.0 <= target <= -10.0:
        raise InvalidInput(f"target loudness must be -40 to -10 LUFS, got {target:g}", field="lufs")
    recording: Recording = import_recording(source, settings=settings)
    phone = to_phone(recording.audio, settings=settings, target_lufs=target, source=str(source))
    files = write_phone_files(phone.audio, targets, ceiling_dbtp=settings.true_peak_dbtp)
    return NormaliseResult(
        source=source,
        source_sample_rate=recording.audio.sample_rate,
        source_channels=recording.channels,
        source_duration_s=recording.audio.duration_s,
        decoder=recording.decoder,
        files=files,
        sample_rate=PHONE_RATE,
        duration_s=phone.audio.duration_s,
        target_lufs=target,
        true_peak_ceiling_dbtp=settings.true_peak_dbtp,
        loudness_before_lufs=phone.loudness_before_lufs,
        true_peak_before_dbtp=phone.true_peak_before_dbtp,
        gain_db=phone.gain_db,
        limiter_max_reduction_db=phone.limiter_max_reduction_db,
        target_reached=phone.target_reached,
        trimmed_start_ms=phone.trim.start_ms,
        trimmed_end_ms=phone.trim.end_ms,
    )


__all__ = [
    "PHONE_FORMATS",
    "PHONE_RATE",
    "NormaliseResult",
    "PhoneAudio",
    "PhoneFile",
    "PhoneFormat",
    "Trim",
    "encode_phone",
    "highpass",
    "limit_true_peak",
    "normalise_for_phone",
    "to_phone",
    "trim_silence",
    "write_encoded",
    "write_phone_files",
]
