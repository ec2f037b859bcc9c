"""``afterbeep lint`` through the CLI: output, JSON shape, exit codes, and every bad input as
one line with exit code 3."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from afterbeep.cli import app, main
from afterbeep.scripts import RULES
from afterbeep.scripts._catalogue import GOOD

runner = CliRunner()
TEMPLATE = (
    "Hi {{ first_name }}, this is Sam with Northwind Freight. Congrats on the new warehouse. "
    "Give me a call at {{ rep_phone }} so we can compare lanes. That's {{ rep_phone }}. "
    "Thanks, {{ first_name }}.\n"
)


@dataclass
class _Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., _Run]:
    """Run ``afterbeep ARGS`` in-process through ``main`` (the error-to-exit-code mapping)."""

    def run(*args: str) -> _Run:
        monkeypatch.setattr(sys, "argv", ["afterbeep", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        captured = capsys.readouterr()
        return _Run(code, captured.out, captured.err)

    return run


def test_clean_script_exits_zero_with_score(tmp_path: Path) -> None:
    script = tmp_path / "vm.txt"
    script.write_text(GOOD)
    result = runner.invoke(app, ["lint", str(script)])
    assert result.exit_code == 0, result.output
    assert "score" in result.output
    assert "structure: greeting" in result.output


def test_error_finding_exits_one_and_json_shape(tmp_path: Path) -> None:
    script = tmp_path / "vm.txt"
    script.write_text("Hi Dana, this is Sam with Northwind Freight. Thanks, Dana.")
    result = runner.invoke(app, ["lint", str(script), "--format", "json"])
    assert result.exit_code == 1
    data = json.loads(result.output)
    (entry,) = data["results"]
    for key in ("score", "estimated_duration_s", "structure", "findings"):
        assert key in entry
    finding = next(f for f in entry["findings"] if f["rule"] == "cta.missing")
    assert set(finding) >= {"rule", "severity", "message", "start", "end", "fix"}
    assert finding["severity"] == "error"


def test_disable_on_the_command_line_and_config_file(
    tmp_path: Path, run_main: Callable[..., _Run]
) -> None:
    script = tmp_path / "vm.txt"
    script.write_text("Hi Dana, this is Sam with Northwind Freight. Thanks, Dana.")
    args = ["lint", str(script), "--disable", "cta.missing", "--disable", "number.missing"]
    assert runner.invoke(app, args).exit_code == 0
    config = tmp_path / "team.toml"
    config.write_text('[lint]\ndisable = ["cta.missing", "number.missing"]\n')
    assert runner.invoke(app, ["lint", str(script), "--config", str(config)]).exit_code == 0
    config.write_text('[lint]\ndisable = ["cta.nope"]\n')
    result = run_main("lint", str(script), "--config", str(config))
    assert result.returncode == 4
    assert "cta.nope" in result.stderr


def test_prospects_json_per_row(tmp_path: Path) -> None:
    script = tmp_path / "vm.txt"
    script.write_text(TEMPLATE)
    csv = tmp_path / "p.csv"
    csv.write_text("first_name,rep_phone\nDana,206-555-0148\nMarcus,555-01\n")
    result = runner.invoke(app, ["lint", str(script), "--prospects", str(csv), "--format", "json"])
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert [r["line"] for r in data["results"]] == [2]
    assert [r["line"] for r in data["bad_rows"]] == [3]
    assert "Hi Dana" in data["results"][0]["script"]


def test_list_rules_names_every_rule() -> None:
    result = runner.invoke(app, ["lint", "--list-rules", "--format", "json"])
    assert result.exit_code == 0
    assert [r["id"] for r in json.loads(result.output)] == [rule.id for rule in RULES]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "csv", "expected"),
    [
        ("empty.txt", b"", None, "empty"),
        ("take.wav", b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00", None, "binary"),
        ("syntax.txt", b"Hi {{ first_name }.\n", None, "line 1, column 4: template syntax error"),
        ("unknown.txt", b"Hi {{ frist_name }}.\n", None, "unknown merge field 'frist_name'"),
        (
            "phone.txt",
            TEMPLATE.encode(),
            b"first_name,rep_phone\nDana,123\n",
            "line 2, field 'rep_phone'",
        ),
        (
            "enc.txt",
            TEMPLATE.encode(),
            "first_name,rep_phone\nDana,206-555-0148\n".encode("utf-16"),
            "UTF-16",
        ),
        (
            "latin.txt",
            TEMPLATE.encode(),
            b"first_name,rep_phone\nJos\xe9,206-555-0148\n",
            "not UTF-8",
        ),
        ("cols.txt", TEMPLATE.encode(), b"first_name\nDana\n", "missing column(s) rep_phone"),
    ],
)
def test_bad_input_is_one_line_and_exit_three(
    tmp_path: Path,
    run_main: Callable[..., _Run],
    name: str,
    data: bytes,
    csv: bytes | None,
    expected: str,
) -> None:
    script = _write(tmp_path / name, data)
    args = ["lint", str(script)]
    if csv is not None:
        args += ["--prospects", str(_write(tmp_path / "p.csv", csv))]
    result = run_main(*args)
    assert result.returncode == 3, (result.stdout, result.stderr)
    message = result.stderr if result.stderr.strip() else result.stdout
    assert expected in message
    if result.stderr.strip():
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_bench_lint_prints_throughput() -> None:
    result = runner.invoke(app, ["bench", "lint", "--seconds", "0.2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scripts_per_cpu_second"] > 0


def test_followup_email_is_checked_against_the_script(tmp_path: Path) -> None:
    script = tmp_path / "vm.txt"
    script.write_text(GOOD)
    email = tmp_path / "email.txt"
    email.write_text("Subject: Northwind intro\n\nHi Dana, book a time on my calendar link.\n")
    result = runner.invoke(app, ["lint", str(script), "--email", str(email), "--format", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["results"]
    rules = {f["rule"] for f in entry["email"]["findings"]}
    assert rules == {"email.subject-no-voicemail-ref", "email.cta-mismatch"}
    text = runner.invoke(app, ["lint", str(script), "--email", str(email)])
    assert "email.cta-mismatch" in text.output


def test_config_is_read_from_afterbeep_toml_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AFTERBEEP_CONFIG", raising=False)
    (tmp_path / "afterbeep.toml").write_text(
        '[lint]\nfields = { rep_phone = "206-555-0148" }\ndisable = ["name.repeat"]\n'
    )
    script = tmp_path / "vm.txt"
    script.write_text(TEMPLATE.replace("{{ first_name }}", "Dana"))
    result = runner.invoke(app, ["lint", str(script), "--format", "json"])
    assert result.exit_code == 0, result.output
    (entry,) = json.loads(result.output)["results"]
    assert "Give me a call at 206-555-0148" in entry["script"]


def test_invalid_rep_phone_in_config_fields_is_invalid_input(
    tmp_path: Path, run_main: Callable[..., _Run]
) -> None:
    script = tmp_path / "vm.txt"
    script.write_text(TEMPLATE.replace("{{ first_name }}", "Dana"))
    config = tmp_path / "team.toml"
    config.write_text('[lint]\nfields = { rep_phone = "555-01" }\n')
    result = run_main("lint", str(script), "--config", str(config))
    assert result.returncode == 3
    assert "field 'rep_phone'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
