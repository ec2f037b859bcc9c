"""``afterbeep detect CALL.wav`` and ``afterbeep bench detect``: thin shells over afterbeep.detect."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from afterbeep.cli._app import app, bench_app, console
from afterbeep.errors import InvalidInput


@app.command()
def detect(
    call: str = typer.Argument(..., metavar="CALL.wav", help="Call audio: WAV PCM16 or mu-law."),
    format: str = typer.Option("text", "--format", help="text or json."),
    detector: str = typer.Option(
        "afterbeep", "--detector", help="Detector: afterbeep or asterisk-baseline."
    ),
    asr: bool = typer.Option(True, "--asr/--no-asr", help="Transcribe greetings (afterbeep)."),
    name_clip: Path | None = typer.Option(
        None, "--name-clip", help="Write the name as spoken in the greeting to this WAV file."
    ),
) -> None:
    """Print the event timeline a detector produces for one call (8 or 16 kHz audio)."""
    from afterbeep.detect.detector import DetectorSettings
    from afterbeep.detect.events import GreetingTranscribed
    from afterbeep.detect.run import detect_file, event_to_dict

    if format not in ("text", "json"):
        raise InvalidInput(f"expected text or json, got {format!r}", field="--format")
    settings = None
    if detector == "afterbeep":
        # A recording replays faster than real time: recognise inline and release each
        # result at the audio time it would really have been ready (docs/detector.md).
        settings = DetectorSettings.from_config(asr=asr, asr_threaded=False)
    events = detect_file(call, detector=detector, settings=settings)
    if name_clip is not None:
        clip = next((e.name_wav for e in events if isinstance(e, GreetingTranscribed)), b"")
        if not clip:
            raise InvalidInput(
                "no name was heard in the greeting (it needs --asr and a name said as in "
                '"this is Dana"), so there is no clip to write',
                source=call,
            )
        name_clip.write_bytes(clip)
    if format == "json":
        console.print_json(json.dumps([event_to_dict(e) for e in events]))
        return
    if not events:
        console.print("no events")
    for event in events:
        details = {k: v for k, v in event_to_dict(event).items() if k not in ("kind", "name_wav")}
        at, emitted = details.pop("at_ms"), details.pop("emitted_ms")
        extra = ", ".join(f"{k}={v!r}" for k, v in details.items() if v not in (None, "", {}))
        console.print(
            f"{emitted / 1000:8.2f} s  [bold]{event.kind}[/]  at {at / 1000:.3f} s  {extra}",
            highlight=False,
        )


@bench_app.command("detect")
def bench_detect_command(
    streams: int = typer.Option(1000, "--streams", min=1, help="Streams ticked together."),
    seconds: float = typer.Option(10.0, "--seconds", min=0.1, help="Audio seconds per stream."),
    asr: bool = typer.Option(False, "--asr/--no-asr", help="Also measure with Whisper ASR."),
) -> None:
    """Frames per second, cost per frame and real-time streams per core of the detector."""
    from afterbeep.detect.bench import bench_detect

    result = bench_detect(streams=streams, seconds=seconds, asr=asr)
    pinned = f"cpu {result.pinned_cpu}" if result.pinned_cpu is not None else "not pinned"
    console.print(
        f"detector bench: {result.streams} streams x {result.audio_seconds:.1f} s audio, "
        f"one process ({pinned})"
    )
    console.print(
        f"  bank (no ASR):   {result.bank_frames_per_s:,.0f} frames/s, "
        f"{result.bank_us_per_frame:.1f} us/frame/stream, "
        f"{result.bank_streams_per_core:,.0f} real-time streams per core"
    )
    console.print(
        f"  single (no ASR): {result.single_us_per_frame:.1f} us/frame, "
        f"{result.single_streams_per_core:,.0f} real-time streams per core"
    )
    if result.asr_us_per_frame is not None:
        console.print(
            f"  single with ASR: {result.asr_us_per_frame:.1f} us/frame, "
            f"{result.asr_streams_per_core:,.1f} real-time streams per core "
            f"({result.asr_share_transcribed:.0%} of the audio transcribed)"
        )
