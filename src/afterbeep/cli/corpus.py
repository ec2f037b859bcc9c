"""``afterbeep corpus``: build a synthetic labelled corpus, check any corpus (thin over detect.corpus)."""

from __future__ import annotations

from pathlib import Path

import typer

from afterbeep.cli._app import app, console

corpus_app = typer.Typer(
    help="Labelled call corpora: build synthetic ones, check any (see docs/corpus.md).",
    no_args_is_help=True,
)
app.add_typer(corpus_app, name="corpus")


def _cache_dir_from_config() -> Path | None:
    from afterbeep.settings import read_config_file

    value = read_config_file().get("corpus", {}).get("tts_cache_dir")
    return Path(value) if value else None


@corpus_app.command("build")
def build_command(
    out: Path = typer.Argument(..., help="Folder to write the corpus into."),
    seed: int = typer.Option(..., "--seed", help="Seed: the same seed builds the same corpus."),
    count: int = typer.Option(..., "--count", min=1, help="Number of calls."),
    sample_rate: int = typer.Option(8000, "--sample-rate", help="8000 or 16000."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes."),
    engines: str = typer.Option(
        "espeak,piper", "--engines", help="TTS engines, comma-separated: espeak, piper."
    ),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        help="TTS clip cache; default: [corpus] tts_cache_dir in afterbeep.toml, "
        "else $XDG_CACHE_HOME/afterbeep/tts.",
    ),
) -> None:
    """Build COUNT synthetic calls with exact labels into OUT (deterministic for --seed)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from afterbeep.detect.corpus import build_corpus

    names = tuple(e.strip() for e in engines.split(",") if e.strip())
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task(f"building {out}", total=count)
        result = build_corpus(
            out,
            seed=seed,
            count=count,
            sample_rate=sample_rate,
            engines=names,
            cache_dir=cache_dir or _cache_dir_from_config(),
            workers=workers,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    console.print(
        f"built {result.calls} calls ({result.audio_seconds:.0f} s of audio) in "
        f"{result.seconds:.1f} s into {result.directory}",
        highlight=False,
    )


@corpus_app.command("check")
def check_command(
    directory: Path = typer.Argument(..., help="Corpus folder (calls.jsonl + audio)."),
) -> None:
    """Validate a corpus (labels and audio files) and print counts per class and mailbox."""
    from rich.table import Table

    from afterbeep.detect.corpus import load_corpus, summarize

    summary = summarize(load_corpus(directory))
    console.print(f"{directory}: {summary.calls} calls, valid", highlight=False, soft_wrap=True)
    table = Table()
    table.add_column("class")
    table.add_column("calls", justify="right")
    for name, n in sorted(summary.by_answered_by.items()):
        table.add_row(f"answered_by={name}", str(n))
    for name, n in sorted(summary.by_mailbox.items()):
        table.add_row(f"mailbox={name}", str(n))
    table.add_row("with a beep", str(summary.with_beep))
    for rate, n in sorted(summary.sample_rates.items()):
        table.add_row(f"{rate} Hz", str(n))
    table.add_row("audio (s)", f"{summary.total_audio_s:.0f}")
    console.print(table)
