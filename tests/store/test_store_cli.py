"""``afterbeep db``: the commands call the store and say where the database stands."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from afterbeep.cli import app
from afterbeep.errors import InvalidInput
from afterbeep.store import current_revision, head_revision

runner = CliRunner()


def test_upgrade_current_downgrade(empty_database_url: str) -> None:
    result = runner.invoke(app, ["db", "current", "--url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert "none (empty)" in result.output

    result = runner.invoke(app, ["db", "upgrade", "--url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert current_revision(empty_database_url) == head_revision()
    assert f"revision {head_revision()}" in result.output

    result = runner.invoke(app, ["db", "current", "--url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output

    result = runner.invoke(app, ["db", "downgrade", "base", "--url", empty_database_url])
    assert result.exit_code == 0, result.output
    assert current_revision(empty_database_url) is None


def test_bad_revision_is_an_invalid_input_error(database_url: str) -> None:
    result = runner.invoke(app, ["db", "downgrade", "nope", "--url", database_url])
    assert isinstance(result.exception, InvalidInput)


def test_downgrade_needs_a_revision() -> None:
    result = runner.invoke(app, ["db", "downgrade"])
    assert result.exit_code == 2


def test_the_store_imports_nothing_above_it() -> None:
    # Compare with what ``import afterbeep`` alone loads, so the top-level package's own
    # imports are not blamed on the store.
    code = (
        "import sys, afterbeep\n"
        "before = set(sys.modules)\n"
        "import afterbeep.store\n"
        "print(' '.join(sorted(m for m in set(sys.modules) - before if m.startswith('afterbeep.'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    above = ("scripts", "audio", "detect", "telephony", "cadence", "analytics", "web", "cli")
    offenders = [m for m in loaded if m.split(".")[1] in above]
    assert not offenders, offenders
    assert "afterbeep.store.models" in loaded


@pytest.mark.parametrize("command", ["upgrade", "current", "downgrade"])
def test_every_db_command_has_help(command: str) -> None:
    result = runner.invoke(app, ["db", command, "--help"])
    assert result.exit_code == 0
    assert "--url" in result.output
