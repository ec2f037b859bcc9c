"""The CLI shell: every command documented, errors mapped to one line and an exit code."""

import re
import subprocess
import sys
from pathlib import Path

import typer.main

from afterbeep.cli import app

DOCS = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[str]:
    paths = []
    if hasattr(command, "commands"):  # a command group
        for name, sub in command.commands.items():
            paths.append(" ".join((*prefix, name)))
            paths.extend(_command_paths(sub, (*prefix, name)))
    return paths


def test_every_cli_command_is_documented():
    documented = set(
        re.findall(r"^- `afterbeep ([a-z][a-z -]*?)(?: [A-Z\[-].*)?`", DOCS.read_text(), re.M)
    )
    commands = _command_paths(typer.main.get_command(app))
    assert commands, "the CLI has no commands"
    missing = [path for path in commands if path not in documented]
    assert not missing, f"commands missing from docs/cli.md: {missing}"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from afterbeep.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_help_exits_zero():
    result = _run("--help")
    assert result.returncode == 0
    assert "afterbeep" in result.stdout


def test_unknown_command_is_a_usage_error():
    result = _run("no-such-command")
    assert result.returncode == 2
    assert "no-such-command" in result.stderr
