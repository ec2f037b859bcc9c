"""Message assembly: splice a prospect's first name into a base take's marked gap.

Owns finding the gap (given as times, or the pause nearest a time), the rep's name library
(``<first_name>.wav`` files, names matched without case or accents), loudness matching of the
name clip to the base's speech, equal-power crossfades at both joins, and the TTS fallback,
which marks the message ``artificial_voice`` with the synthetic segments named so compliance
can require consent. Must not decide whether a message may be sent (cadence/compliance do).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from afterbeep.audio.importing import import_recording
from afterbeep.audio.io import Audio, resample
from afterbeep.audio.levels import (
    frame_rms_db,
    integrated_lufs,
    speech_lufs,
    speech_threshold_db,
    true_peak_dbtp,
)
from afterbeep.audio.normalise import (
    PHONE_FORMATS,
    PHONE_RATE,
    PhoneFormat,
    encode_phone,
    limit_true_peak,
    trim_silence,
    write_encoded,
)
from afterbeep.audio.settings import AudioSettings
from afterbeep.errors import InvalidInput

# Silence kept around a name clip after trimming it: enough that the name's first and last
# sounds are whole, little enough that "Hi, Dana" does not gain a pause.
_CLIP_MARGIN_MS = 40.0
# A pause in the base has to be at least this long to take a name.
_MIN_PAUSE_MS = 150.0
# Of a detected pause, this much is left on each side of the name as natural spacing.
_PAUSE_KEEP_MS = 60.0
_GAP_FRAME_MS = 10.0
# A name clip is a word: half a second or so. Anything under this is a click, not a name.
_MIN_CLIP_S = 0.15
_CLIP_MAX_S = 10.0
NAME_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3", ".webm", ".m4a", ".opus")


@dataclass(frozen=True, slots=True)
class Gap:
    """The part of the base to replace, in seconds from its start."""

    start_s: float
    end_s: float

    @classmethod
    def parse(cls, text: str) -> Gap:
        """``"START:END"`` in seconds, e.g. ``"1.20:1.65"``."""
        start, sep, end = text.partition(":")
        try:
            gap = cls(float(start), float(end)) if sep else None
        except ValueError:
            gap = None
        if gap is None:
            raise InvalidInput(f"expected START:END in seconds, got {text!r}", field="gap")
        return gap


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of the assembled message, in seconds of the output."""

    kind: Literal["base", "name"]
    start_s: float
    end_s: float
    source: str
    """The file it came from, or the synthetic voice's id."""
    synthetic: bool


@dataclass(frozen=True, slots=True)
class AssembledMessage:
    """The spliced message and what went into it."""

    audio: Audio
    segments: tuple[Segment, ...]
    gap: Gap
    name_gain_db: float
    base_loudness_lufs: float
    loudness_lufs: float

    @property
    def artificial_voice(self) -> bool:
        """True when any segment is synthetic speech (needs consent for prerecorded calls)."""
        return any(segment.synthetic for segment in self.segments)

    @property
    def synthetic_segments(self) -> tuple[Segment, ...]:
        return tuple(segment for segment in self.segments if segment.synthetic)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (no samples)."""
        return {
            "sample_rate": self.audio.sample_rate,
            "duration_s": round(self.audio.duration_s, 3),
            "artificial_voice": self.artificial_voice,
            "segments": [
                {**asdict(s), "start_s": round(s.start_s, 3), "end_s": round(s.end_s, 3)}
                for s in self.segments
            ],
            "gap": {"start_s": self.gap.start_s, "end_s": self.gap.end_s},
            "name_gain_db": round(self.name_gain_db, 2),
            "base_loudness_lufs": round(self.base_loudness_lufs, 2),
            "loudness_lufs": round(self.loudness_lufs, 2),
        }


def normalise_name(first_name: str) -> str:
    """The library key of a first name: no accents, case-folded, words joined by ``-``.

    ``"José"`` -> ``"jose"``, ``"Ann Marie"`` -> ``"ann-marie"``, ``"ZOË"`` -> ``"zoe"``.
    """
    decomposed = unicodedata.normalize("NFKD", first_name)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    words = "".join(c if c.isalnum() else " " for c in plain.replace("'", "")).split()
    key = "-".join(words)
    if not key:
        raise InvalidInput(f"{first_name!r} has no letters to look up", field="first_name")
    return key


def find_name_clip(names_dir: str | Path, first_name: str) -> Path | None:
    """The rep's recorded clip for ``first_name`` in ``names_dir``, or None when there is none."""
    directory = Path(names_dir)
    if not directory.is_dir():
        raise InvalidInput("name library folder not found", source=str(directory))
    key = normalise_name(first_name)
    matches = sorted(
        path
        for path in directory.iterdir()
        if path.is_file()
        and path.suffix.lower() in NAME_SUFFIXES
        and _key_or_none(path.stem) == key
    )
    return matches[0] if matches else None


def _key_or_none(stem: str) -> str | None:
    try:
        return normalise_name(stem)
    except InvalidInput:
        return None


def find_gap(audio: Audio, *, near_s: float, settings: AudioSettings | None = None) -> Gap:
    """The pause (at least 150 ms, not at either end) whose middle is nearest ``near_s``.

    A 10 ms frame is quiet when it is under ``speech_threshold_db`` (far under the loudest
    frame, or near the room's noise). The gap returned leaves 60 ms of the pause on each side.
    """
    settings = settings or AudioSettings()
    levels = frame_rms_db(audio.samples, audio.sample_rate, _GAP_FRAME_MS)
    threshold = speech_threshold_db(
        levels, below_loudest_db=settings.trim_threshold_db, floor_dbfs=settings.silence_floor_dbfs
    )
    quiet = np.concatenate([[0], (levels < threshold).astype(np.int8), [0]])
    edges = np.diff(quiet)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    frame_s = _GAP_FRAME_MS / 1000
    pauses = [
        (start * frame_s, end * frame_s)
        for start, end in zip(starts, ends, strict=True)
        if start > 0 and end < len(levels) and (end - start) * frame_s * 1000 >= _MIN_PAUSE_MS
    ]
    if not pauses:
        raise InvalidInput(
            f"no pause of {_MIN_PAUSE_MS:g} ms or more inside the take to put the name in",
            field="gap",
        )
    start_s, end_s = min(pauses, key=lambda p: abs((p[0] + p[1]) / 2 - near_s))
    keep = _PAUSE_KEEP_MS / 1000
    return Gap(round(start_s + keep, 4), round(end_s - keep, 4))


def _equal_power(count: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    position = (np.arange(count) + 0.5) / count
    return (
        np.cos(position * np.pi / 2).astype(np.float32),
        np.sin(position * np.pi / 2).astype(np.float32),
    )


def splice(
    base: Audio,
    gap: Gap,
    clip: Audio,
    *,
    clip_source: str,
    synthetic: bool,
    base_source: str = "base",
    settings: AudioSettings | None = None,
) -> AssembledMessage:
    """Replace ``gap`` of ``base`` with ``clip``, loudness-matched and crossfaded at both joins.

    The clip is trimmed (40 ms margins), resampled to the base's rate, given the gain that
    makes its speech loudness (BS.1770 gating, 100 ms blocks) equal the base's, and held under
    the true-peak ceiling. Each join is an equal-power crossfade of ``crossfade_ms``. The
    result's true peak stays under the ceiling or the base's own true peak, whichever is higher.
    """
    settings = settings or AudioSettings()
    rate = base.sample_rate
    fade = max(1, round(rate * settings.crossfade_ms / 1000))
    start, end = round(gap.start_s * rate), round(gap.end_s * rate)
    if not 0 < start < end < len(base.samples) or end - start < 2 * fade:
        raise InvalidInput(
            f"gap {gap.start_s:g}:{gap.end_s:g} s must lie inside the {base.duration_s:.2f} s take "
            f"and be at least {2 * settings.crossfade_ms:g} ms long",
            field="gap",
        )
    trimmed, _ = trim_silence(
        clip,
        margin_ms=_CLIP_MARGIN_MS,
        threshold_db=settings.trim_threshold_db,
        floor_dbfs=settings.silence_floor_dbfs,
    )
    piece = resample(trimmed, rate)
    if len(piece.samples) < 2 * fade:
        raise InvalidInput("name clip is too short to crossfade", source=clip_source)

    base_loudness = speech_lufs(base)
    gain_db = base_loudness - speech_lufs(piece)
    gained = Audio(piece.samples * np.float32(10 ** (gain_db / 20)), rate)
    matched, _ = limit_true_peak(gained, settings.true_peak_dbtp)
    name = matched.samples

    fade_out, fade_in = _equal_power(fade)
    head = base.samples[:start]
    into = base.samples[start : start + fade] * fade_out + name[:fade] * fade_in
    middle = name[fade:-fade]
    out_of = name[-fade:] * fade_out + base.samples[end - fade : end] * fade_in
    tail = base.samples[end:]
    samples = np.concatenate([head, into, middle, out_of, tail]).astype(np.float32)
    # Mid-fade the weights sum to sqrt(2): two loud pieces could add up over the ceiling. Hold
    # the splice to the ceiling, or to the base's own peak if that was higher already, so the
    # base itself is never touched.
    ceiling = max(settings.true_peak_dbtp, true_peak_dbtp(base.samples))
    output, _ = limit_true_peak(Audio(samples, rate), ceiling)

    name_start = start / rate
    name_end = (start + len(name)) / rate
    segments = (
        Segment("base", 0.0, name_start, base_source, synthetic=False),
        Segment("name", name_start, name_end, clip_source, synthetic=synthetic),
        Segment("base", name_end, output.duration_s, base_source, synthetic=False),
    )
    return AssembledMessage(
        audio=output,
        segments=segments,
        gap=gap,
        name_gain_db=gain_db,
        base_loudness_lufs=integrated_lufs(base),
        loudness_lufs=integrated_lufs(output),
    )


def name_clip(
    first_name: str,
    names_dir: str | Path,
    *,
    tts: bool,
    settings: AudioSettings | None = None,
) -> tuple[Audio, str, bool]:
    """(clip, its source, synthetic?) for ``first_name``: the recorded clip, else Piper."""
    settings = settings or AudioSettings()
    path = find_name_clip(names_dir, first_name)
    if path is not None:
        clip_settings = settings.model_copy(update={"max_duration_s": _CLIP_MAX_S})
        recording = import_recording(path, settings=clip_settings, min_duration_s=_MIN_CLIP_S)
        return recording.audio, str(path), False
    if not tts:
        raise InvalidInput(
            f"no recorded clip for {first_name!r} in {names_dir} (looked for "
            f"{normalise_name(first_name)}.wav); record one or allow TTS",
            field="first_name",
        )
    from afterbeep.audio.tts import VOICE_ID, synthesize

    return synthesize(first_name), VOICE_ID, True


def assemble_message(
    base_path: str | Path,
    *,
    first_name: str,
    names_dir: str | Path,
    gap: Gap | None = None,
    near_s: float | None = None,
    tts: bool = True,
    settings: AudioSettings | None = None,
) -> AssembledMessage:
    """Read the base take, find its gap (``gap``, or the pause nearest ``near_s``), splice."""
    settings = settings or AudioSettings()
    if (gap is None) == (near_s is None):
        raise InvalidInput("give either the gap's times or a time near it", field="gap")
    base = import_recording(base_path, settings=settings).audio
    if gap is None:
        assert near_s is not None  # the check above leaves exactly one of them
        gap = find_gap(base, near_s=near_s, settings=settings)
    clip, clip_source, synthetic = name_clip(first_name, names_dir, tts=tts, settings=settings)
    return splice(
        base,
        gap,
        clip,
        clip_source=clip_source,
        synthetic=synthetic,
        base_source=str(base_path),
        settings=settings,
    )


def write_message(
    message: AssembledMessage, path: str | Path, *, phone_format: str = "pcm16"
) -> Path:
    """Write the message as a WAV: ``pcm16`` at its own rate, or ``mulaw`` at 8 kHz."""
    if phone_format not in PHONE_FORMATS:
        raise InvalidInput(
            f"unknown format {phone_format!r}; expected one of {', '.join(PHONE_FORMATS)}",
            field="format",
        )
    fmt: PhoneFormat = "mulaw" if phone_format == "mulaw" else "pcm16"
    audio = resample(message.audio, PHONE_RATE) if fmt == "mulaw" else message.audio
    samples, subtype = encode_phone(audio, fmt)
    path = Path(path)
    write_encoded(path, samples, audio.sample_rate, subtype)
    return path


def assemble_file(
    base_path: str | Path,
    out_path: str | Path,
    *,
    first_name: str,
    names_dir: str | Path,
    gap: Gap | None = None,
    near_s: float | None = None,
    tts: bool = True,
    phone_format: str = "pcm16",
    settings: AudioSettings | None = None,
) -> AssembledMessage:
    """``assemble_message`` then ``write_message`` to ``out_path``; never over the base take."""
    if Path(out_path).resolve() == Path(base_path).resolve():
        raise InvalidInput(
            "output would overwrite the base take; choose another path", source=str(out_path)
        )
    message = assemble_message(
        base_path,
        first_name=first_name,
        names_dir=names_dir,
        gap=gap,
        near_s=near_s,
        tts=tts,
        settings=settings,
    )
    write_message(message, out_path, phone_format=phone_format)
    return message


def loudness_difference_lu(message: AssembledMessage) -> float:
    """Output loudness minus base loudness, LU (the splice should keep this within 1 LU)."""
    if math.isinf(message.loudness_lufs) or math.isinf(message.base_loudness_lufs):
        return math.inf
    return message.loudness_lufs - message.base_loudness_lufs


__all__ = [
    "NAME_SUFFIXES",
    "AssembledMessage",
    "Gap",
    "Segment",
    "assemble_file",
    "assemble_message",
    "find_gap",
    "find_name_clip",
    "loudness_difference_lu",
    "name_clip",
    "normalise_name",
    "splice",
    "write_message",
]
