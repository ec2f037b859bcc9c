"""The Typer applications that command modules attach to.

Each module in ``afterbeep.cli`` (other than this one) adds its commands to ``app`` or to a
group here at import time. Commands are thin: parse options, call one library function, print.
Heavy imports happen inside command functions so ``afterbeep --help`` stays fast.
"""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="afterbeep",
    help="afterbeep: write, record, drop, sequence and learn from sales voicemails.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(
    help="Benchmarks that print throughput and latency figures.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

console = Console()
err_console = Console(stderr=True)
