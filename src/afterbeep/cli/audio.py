"""``afterbeep audio``: make a take phone-ready, splice a name into a message; ``bench audio``.

Thin over ``afterbeep.audio``: parse options, call one library function, print its figures
(or its JSON with ``--json``). Settings come from the ``[audio]`` table of ``afterbeep.toml``.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from afterbeep.cli._app import app, bench_app, console

audio_app = typer.Typer(
    help="Recordings: convert a take for the phone, assemble a personalised message.",
    no_args_is_help=True,
)
app.add_typer(audio_app, name="audio")


@audio_app.command("convert")
def convert_command(
    source: Path = typer.Argument(..., help="The take: WAV, FLAC, OGG, MP3, WebM/Opus or M4A."),
    out: Path = typer.Argument(..., help="The phone-ready WAV to write."),
    phone_format: str = typer.Option("mulaw", "--format", help="mulaw (G.711) or pcm16."),
    lufs: float | None = typer.Option(
        None, "--lufs", help="Target integrated loudness; default audio.target_lufs (-19)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Trim, high-pass, resample to 8 kHz, loudness-normalise and encode SOURCE into OUT."""
    from afterbeep.audio.normalise import normalise_for_phone
    from afterbeep.audio.settings import load_audio_settings

    settings = load_audio_settings()
    result = normalise_for_phone(source, {phone_format: out}, settings=settings, target_lufs=lufs)
    if as_json:
        console.print_json(json.dumps(result.to_dict()))
        return
    (written,) = result.files
    table = Table(show_header=False, box=None)
    rows = [
        (
            "source",
            f"{source} ({result.source_sample_rate} Hz, {result.source_channels} ch, "
            f"{result.source_duration_s:.2f} s, via {result.decoder})",
        ),
        ("written", f"{written.path} ({written.format}, 8000 Hz, {result.duration_s:.2f} s)"),
        ("trimmed", f"{result.trimmed_start_ms:.0f} ms start, {result.trimmed_end_ms:.0f} ms end"),
        (
            "loudness",
            f"{result.loudness_before_lufs:.1f} -> {written.loudness_lufs:.1f} LUFS "
            f"(target {result.target_lufs:g})",
        ),
        (
            "true peak",
            f"{result.true_peak_before_dbtp:.1f} -> {written.true_peak_dbtp:.1f} dBTP "
            f"(ceiling {result.true_peak_ceiling_dbtp:g})",
        ),
        (
            "gain",
            f"{result.gain_db:+.1f} dB, limiter up to {result.limiter_max_reduction_db:.1f} dB",
        ),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table, highlight=False)
    if not result.target_reached:
        console.print(
            "[yellow]target loudness not reached without heavy limiting; "
            "the take's peaks are too high for it[/yellow]"
        )


@audio_app.command("assemble")
def assemble_command(
    base: Path = typer.Argument(..., help="The base take with a pause for the name."),
    out: Path = typer.Argument(..., help="The assembled message WAV to write."),
    name: str = typer.Option(..., "--name", help="The prospect's first name."),
    names_dir: Path = typer.Option(
        ..., "--names-dir", help="The rep's name library: a folder of <first_name>.wav clips."
    ),
    gap: str | None = typer.Option(
        None, "--gap", help="START:END seconds of the base to replace with the name."
    ),
    gap_near: float | None = typer.Option(
        None, "--gap-near", help="Or: use the pause nearest this time (seconds)."
    ),
    tts: bool = typer.Option(
        True, "--tts/--no-tts", help="Speak the name with Piper when no clip is recorded."
    ),
    phone_format: str = typer.Option("pcm16", "--format", help="pcm16 or mulaw (8 kHz)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Splice the prospect's name into BASE's gap and write OUT."""
    from afterbeep.audio.assemble import Gap, assemble_file
    from afterbeep.audio.settings import load_audio_settings

    message = assemble_file(
        base,
        out,
        first_name=name,
        names_dir=names_dir,
        gap=Gap.parse(gap) if gap is not None else None,
        near_s=gap_near,
        tts=tts,
        phone_format=phone_format,
        settings=load_audio_settings(),
    )
    if as_json:
        console.print_json(json.dumps({"path": str(out), **message.to_dict()}))
        return
    name_segment = message.segments[1]
    voice = (
        "SYNTHETIC (artificial voice: consent rules apply)"
        if name_segment.synthetic
        else "recorded"
    )
    console.print(
        f"wrote {out}: {message.audio.duration_s:.2f} s; name {name_segment.start_s:.2f}-"
        f"{name_segment.end_s:.2f} s from {name_segment.source} ({voice}), gain "
        f"{message.name_gain_db:+.1f} dB; loudness {message.loudness_lufs:.1f} LUFS "
        f"(base {message.base_loudness_lufs:.1f})",
        highlight=False,
    )


@bench_app.command("audio")
def bench_audio_command(
    seconds: float = typer.Option(30.0, "--seconds", help="Length of the synthetic take."),
    repeats: int = typer.Option(3, "--repeats", min=1, help="Conversions per source format."),
) -> None:
    """Time converting a take to phone-ready mu-law and PCM16 WAV; print the accuracy too."""
    from afterbeep.audio.bench import bench_convert
    from afterbeep.audio.settings import load_audio_settings

    table = Table("source", "take s", "median s", "x realtime", "max |LUFS err|", "max dBTP")
    for row in bench_convert(seconds=seconds, repeats=repeats, settings=load_audio_settings()):
        table.add_row(
            row.source_format,
            f"{row.take_s:g}",
            f"{row.median_s:.3f}",
            f"{row.realtime_factor:.0f}",
            f"{row.loudness_error_lu:.3f}",
            f"{row.true_peak_dbtp:.2f}",
        )
    console.print(table)
