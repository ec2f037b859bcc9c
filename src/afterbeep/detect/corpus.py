"""The labelled call corpus format: load, validate and write ``calls.jsonl`` + audio.

A corpus is a folder with ``calls.jsonl`` (one JSON object per line, one call per line) and the
WAV files it names (mono, 8 or 16 kHz, PCM16 or mu-law; the file starts when the call is
answered). See docs/corpus.md and DESIGN.md "Labelled call corpus format".

Owns the typed record (``LabelledCall``), validation with errors that name the file, line and
field, reading a call's audio as int16 samples (mu-law decoded bit-exactly by
``afterbeep.audio.codec``) and writing corpora (``CorpusWriter``). Must not synthesise calls
(see ``_builder``) nor run detectors (see ``evaluate``).
"""

from __future__ import annotations

import json
import struct
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile
from numpy.typing import NDArray

from afterbeep.audio.codec import mulaw_decode, mulaw_encode
from afterbeep.errors import InvalidInput

CALLS_FILE = "calls.jsonl"
ANSWERED_BY = ("human", "machine", "fax", "silence")
MAILBOXES = ("personal", "carrier_default", "general", "full", "not_set_up")
SAMPLE_RATES = (8000, 16000)
AUDIO_SUBTYPES = ("PCM_16", "ULAW")
REQUIRED_KEYS = (
    "id",
    "audio",
    "answered_by",
    "mailbox",
    "beep_end_ms",
    "greeting_end_ms",
    "human_greeting_end_ms",
    "notes",
)


@dataclass(frozen=True, slots=True)
class LabelledCall:
    """One call of a corpus: the far end's audio from answer, and what is true about it."""

    id: str
    audio: str
    answered_by: str
    mailbox: str | None
    beep_end_ms: int | None
    greeting_end_ms: int | None
    human_greeting_end_ms: int | None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    """Keys of the line that the format does not define, kept as read (and written back)."""

    @property
    def expected_action(self) -> str:
        """What a perfect dialer does: ``connect``, ``drop``, ``skip`` or ``none``."""
        if self.answered_by == "human":
            return "connect"
        if self.answered_by == "machine":
            return "drop" if self.mailbox in ("personal", "carrier_default") else "skip"
        return "none"

    @property
    def far_end_hangs_up(self) -> bool:
        """The far end ends the call after its greeting (tag ``hangup=yes``: a full or
        not-set-up mailbox's "... Goodbye."), so the recording's end is its hang-up."""
        return self.tags.get("hangup") == "yes"

    @property
    def operator_key(self) -> str | None:
        """The key a company menu says reaches a person (tag ``operator=0``), if labelled."""
        return self.tags.get("operator")

    @property
    def message_cue_ms(self) -> int | None:
        """The earliest time a message may start: the beep's end, else the greeting's end."""
        return self.beep_end_ms if self.beep_end_ms is not None else self.greeting_end_ms

    @property
    def tags(self) -> dict[str, str]:
        """``key=value`` tokens of ``notes`` (separated by ``;``), e.g. ``{"beeps": "2"}``."""
        tags: dict[str, str] = {}
        for token in self.notes.split(";"):
            key, sep, value = token.strip().partition("=")
            if sep and key.strip() and value.strip() and " " not in key.strip():
                tags[key.strip()] = value.strip()
        return tags

    def to_json(self) -> dict[str, Any]:
        """The line's JSON object: the format's keys first, then the extra keys."""
        record: dict[str, Any] = {
            "id": self.id,
            "audio": self.audio,
            "answered_by": self.answered_by,
            "mailbox": self.mailbox,
            "beep_end_ms": self.beep_end_ms,
            "greeting_end_ms": self.greeting_end_ms,
            "human_greeting_end_ms": self.human_greeting_end_ms,
            "notes": self.notes,
        }
        record.update({k: v for k, v in self.extra.items() if k not in record})
        return record


@dataclass(frozen=True, slots=True)
class Corpus:
    """A loaded corpus: its folder and its calls in file order."""

    root: Path
    calls: tuple[LabelledCall, ...]

    def __len__(self) -> int:
        return len(self.calls)

    def __iter__(self) -> Iterator[LabelledCall]:
        return iter(self.calls)

    def audio_path(self, call: LabelledCall) -> Path:
        return self.root / call.audio


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    """Counts of a corpus, for ``afterbeep corpus check``."""

    calls: int
    by_answered_by: dict[str, int]
    by_mailbox: dict[str, int]
    with_beep: int
    sample_rates: dict[int, int]
    total_audio_s: float


def _field_error(source: str, line: int, key: str, expected: str, got: object) -> InvalidInput:
    return InvalidInput(f"expected {expected}, got {got!r}", source=source, line=line, field=key)


def _opt_ms(record: dict[str, Any], key: str, source: str, line: int) -> int | None:
    value = record[key]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _field_error(source, line, key, "a non-negative integer (ms) or null", value)
    return value


def parse_call(record: object, *, source: str = CALLS_FILE, line: int = 1) -> LabelledCall:
    """Validate one decoded JSON line; ``InvalidInput`` names the file, line and field."""
    if not isinstance(record, dict):
        raise InvalidInput(
            f"expected a JSON object, got {type(record).__name__}", source=source, line=line
        )
    missing = [key for key in REQUIRED_KEYS if key not in record]
    if missing:
        raise InvalidInput(
            f"missing key(s) {', '.join(missing)}; every line needs {', '.join(REQUIRED_KEYS)}",
            source=source,
            line=line,
            field=missing[0],
        )
    for key in ("id", "audio"):
        if not isinstance(record[key], str) or not record[key].strip():
            raise _field_error(source, line, key, "a non-empty string", record[key])
    answered_by = record["answered_by"]
    if answered_by not in ANSWERED_BY:
        raise _field_error(
            source, line, "answered_by", f"one of {', '.join(ANSWERED_BY)}", answered_by
        )
    mailbox = record["mailbox"]
    if answered_by == "machine":
        if mailbox not in MAILBOXES:
            raise _field_error(
                source, line, "mailbox", f"one of {', '.join(MAILBOXES)} for a machine", mailbox
            )
    elif mailbox is not None:
        raise _field_error(
            source, line, "mailbox", f"null when answered_by is {answered_by}", mailbox
        )
    beep = _opt_ms(record, "beep_end_ms", source, line)
    greeting = _opt_ms(record, "greeting_end_ms", source, line)
    human = _opt_ms(record, "human_greeting_end_ms", source, line)
    if answered_by == "machine" and greeting is None:
        raise _field_error(source, line, "greeting_end_ms", "an integer (ms) for a machine", None)
    if answered_by == "human" and human is None:
        raise _field_error(
            source, line, "human_greeting_end_ms", "an integer (ms) for a human", None
        )
    if answered_by != "machine" and beep is not None:
        raise _field_error(source, line, "beep_end_ms", "null unless answered_by is machine", beep)
    if beep is not None and greeting is not None and beep < greeting:
        raise _field_error(source, line, "beep_end_ms", f">= greeting_end_ms ({greeting})", beep)
    notes = record["notes"]
    if notes is None:
        notes = ""
    if not isinstance(notes, str):
        raise _field_error(source, line, "notes", "a string or null", notes)
    extra = {k: v for k, v in record.items() if k not in REQUIRED_KEYS}
    return LabelledCall(
        id=record["id"],
        audio=record["audio"],
        answered_by=answered_by,
        mailbox=mailbox,
        beep_end_ms=beep,
        greeting_end_ms=greeting,
        human_greeting_end_ms=human,
        notes=notes,
        extra=extra,
    )


def check_audio_file(path: Path, *, source: str, line: int) -> soundfile._SoundFileInfo:
    """The file's header if it is a mono 8/16 kHz PCM16 or mu-law WAV, else ``InvalidInput``."""
    if not path.is_file():
        raise InvalidInput(
            f"audio file {path.name!r} not found", source=source, line=line, field="audio"
        )
    try:
        info = soundfile.info(str(path))
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise InvalidInput(
            f"audio file {path.name!r} is not readable ({error}); expected a WAV file",
            source=source,
            line=line,
            field="audio",
        ) from error
    problems = []
    if info.format != "WAV":
        problems.append(f"format {info.format} (expected WAV)")
    if info.channels != 1:
        problems.append(f"{info.channels} channels (expected mono)")
    if info.samplerate not in SAMPLE_RATES:
        problems.append(f"sample rate {info.samplerate} Hz (expected 8000 or 16000)")
    if info.subtype not in AUDIO_SUBTYPES:
        problems.append(f"encoding {info.subtype} (expected PCM_16 or ULAW)")
    if problems:
        raise InvalidInput(
            f"audio file {path.name!r}: {'; '.join(problems)}",
            source=source,
            line=line,
            field="audio",
        )
    return info


def _check_times_fit(call: LabelledCall, duration_ms: int, source: str, line: int) -> None:
    for key in ("beep_end_ms", "greeting_end_ms", "human_greeting_end_ms"):
        value = getattr(call, key)
        if value is not None and value > duration_ms:
            raise _field_error(
                source, line, key, f"a time within the audio ({duration_ms} ms long)", value
            )


def load_corpus(directory: str | Path, *, check_audio: bool = True) -> Corpus:
    """Load and validate the corpus in ``directory``.

    With ``check_audio`` (the default) every audio file must exist and be a mono 8/16 kHz PCM16
    or mu-law WAV; without it only the labels are checked (the evaluator then reports a bad
    file as an error row for that call alone).
    """
    root = Path(directory)
    calls_path = root / CALLS_FILE
    if not calls_path.is_file():
        raise InvalidInput(f"no {CALLS_FILE} in corpus folder", source=str(root))
    source = str(calls_path)
    calls: list[LabelledCall] = []
    seen: dict[str, int] = {}
    with calls_path.open(encoding="utf-8") as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as error:
                raise InvalidInput(
                    f"not valid JSON ({error.msg}); expected one JSON object per line",
                    source=source,
                    line=number,
                    column=error.colno,
                ) from error
            call = parse_call(record, source=source, line=number)
            if call.id in seen:
                raise InvalidInput(
                    f"duplicate id {call.id!r} (first on line {seen[call.id]})",
                    source=source,
                    line=number,
                    field="id",
                )
            seen[call.id] = number
            if check_audio:
                info = check_audio_file(root / call.audio, source=source, line=number)
                _check_times_fit(call, info.frames * 1000 // info.samplerate, source, number)
            calls.append(call)
    if not calls:
        raise InvalidInput("corpus has no calls; expected one JSON object per line", source=source)
    return Corpus(root=root, calls=tuple(calls))


def wav_data_chunk(raw: bytes) -> bytes:
    """The bytes of a RIFF/WAVE file's ``data`` chunk."""
    position = 12
    while position + 8 <= len(raw):
        chunk_id = raw[position : position + 4]
        (size,) = struct.unpack("<I", raw[position + 4 : position + 8])
        if chunk_id == b"data":
            return raw[position + 8 : position + 8 + size]
        position += 8 + size + (size & 1)
    raise ValueError("no data chunk")


def read_call_audio(path: str | Path) -> tuple[NDArray[np.int16], int]:
    """A call's samples as int16 and its sample rate; mu-law is decoded by our G.711 table."""
    path = Path(path)
    info = check_audio_file(path, source=str(path), line=0)
    try:
        if info.subtype == "ULAW":
            codes = np.frombuffer(wav_data_chunk(path.read_bytes()), dtype=np.uint8)
            return mulaw_decode(codes), int(info.samplerate)
        samples, rate = soundfile.read(str(path), dtype="int16")
    except (soundfile.LibsndfileError, RuntimeError, ValueError) as error:
        raise InvalidInput(f"audio not readable ({error})", source=str(path)) from error
    return np.asarray(samples, dtype=np.int16), int(rate)


class CorpusWriter:
    """Writes a corpus folder: audio files and ``calls.jsonl`` (in the order calls are added)."""

    def __init__(self, directory: str | Path) -> None:
        self.root = Path(directory)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lines: list[str] = []

    def write_audio(
        self, name: str, samples: NDArray[np.int16], *, sample_rate: int, mulaw: bool = False
    ) -> None:
        """Write ``samples`` as ``name`` (PCM16, or mu-law coded with our G.711 encoder)."""
        if sample_rate not in SAMPLE_RATES:
            raise ValueError(f"sample_rate must be 8000 or 16000, got {sample_rate}")
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if mulaw:
            # Decode our own codes first: the values are then exactly representable and any
            # G.711 encoder (libsndfile's included) writes the same codes back.
            decoded = mulaw_decode(mulaw_encode(samples))
            soundfile.write(str(path), decoded, sample_rate, subtype="ULAW", format="WAV")
        else:
            soundfile.write(str(path), samples, sample_rate, subtype="PCM_16", format="WAV")

    def add(self, call: LabelledCall) -> None:
        self._lines.append(json.dumps(call.to_json(), ensure_ascii=False))

    def close(self) -> Path:
        """Write ``calls.jsonl`` and return its path."""
        path = self.root / CALLS_FILE
        path.write_text("".join(line + "\n" for line in self._lines), encoding="utf-8")
        return path


def summarize(
    corpus: Corpus | Sequence[LabelledCall], *, root: Path | None = None
) -> CorpusSummary:
    """Counts per class and mailbox, beeped calls, sample rates and total audio length."""
    calls = corpus.calls if isinstance(corpus, Corpus) else tuple(corpus)
    base = corpus.root if isinstance(corpus, Corpus) else root
    rates: Counter[int] = Counter()
    total = 0.0
    if base is not None:
        for call in calls:
            path = base / call.audio
            if path.is_file():
                info = soundfile.info(str(path))
                rates[int(info.samplerate)] += 1
                total += info.frames / info.samplerate
    return CorpusSummary(
        calls=len(calls),
        by_answered_by=dict(Counter(c.answered_by for c in calls)),
        by_mailbox=dict(Counter(c.mailbox for c in calls if c.mailbox)),
        with_beep=sum(1 for c in calls if c.beep_end_ms is not None),
        sample_rates=dict(rates),
        total_audio_s=round(total, 1),
    )


def build_corpus(
    out: str | Path,
    *,
    seed: int,
    count: int,
    sample_rate: int = 8000,
    engines: Sequence[str] = ("espeak", "piper"),
    cache_dir: str | Path | None = None,
    workers: int = 1,
    progress: Any = None,
) -> Any:
    """Build a synthetic, exactly labelled corpus of ``count`` calls for ``seed`` into ``out``.

    Deterministic for a seed; TTS clips are cached in ``cache_dir`` (default:
    ``$XDG_CACHE_HOME/afterbeep/tts``). ``progress(done, total)`` is called after each call.
    Returns a ``BuildResult`` (directory, calls, seconds, audio_seconds). See docs/corpus.md.
    """
    from afterbeep.detect._builder import BuildOptions
    from afterbeep.detect._builder import build_corpus as _build

    options = BuildOptions(
        seed=seed,
        count=count,
        sample_rate=sample_rate,
        engines=tuple(engines),
        cache_dir=Path(cache_dir) if cache_dir is not None else None,
        workers=workers,
    )
    return _build(out, options, progress=progress)


__all__ = [
    "ANSWERED_BY",
    "CALLS_FILE",
    "MAILBOXES",
    "Corpus",
    "CorpusSummary",
    "CorpusWriter",
    "LabelledCall",
    "build_corpus",
    "check_audio_file",
    "load_corpus",
    "parse_call",
    "read_call_audio",
    "summarize",
    "wav_data_chunk",
]
