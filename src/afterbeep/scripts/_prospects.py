"""Prospect lists: stream a CSV, render the script for each row, lint every rendered message.

Owns the CSV rules: UTF-8 only (UTF-16 and latin-1 bytes are clear one-line errors), a header
that has every merge field the template needs, and per-row errors (wrong column count, empty
merge value, invalid phone number) reported with the row's line number while the good rows are
still linted. Rows are streamed, never loaded twice. It must not print.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from afterbeep.errors import AfterbeepError, InvalidInput
from afterbeep.phone import parse_phone
from afterbeep.scripts._analysis import is_valid_number
from afterbeep.scripts._config import LintConfig, inline_disables
from afterbeep.scripts._lint import LintReport, lint_text
from afterbeep.scripts._templates import CompiledTemplate, compile_template

# Columns holding phone numbers: each value must be a valid number, or the row is bad.
PHONE_COLUMNS = frozenset({"phone", "rep_phone", "mobile", "direct_phone", "callback_number"})


@dataclass(frozen=True)
class ProspectResult:
    """One CSV row: its line number and either a lint report or the reason it could not be."""

    line: int
    report: LintReport | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.report is not None:
            return {"line": self.line, **self.report.to_dict()}
        return {"line": self.line, "error": self.error}


def _check_encoding(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise InvalidInput(f"cannot read the CSV: {error.strerror}", source=str(path)) from error
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (head and b"\x00" in head):
        raise InvalidInput(
            "is UTF-16 or binary, not UTF-8; save the CSV as UTF-8", source=str(path)
        )
    if not head.strip():
        raise InvalidInput(
            "the CSV is empty; expected a header row and prospects", source=str(path)
        )


def _first_non_utf8(path: Path) -> tuple[int, int]:
    """Line number and value of the first byte that is not UTF-8 (the decoder reads ahead in
    blocks, so the reader's own line count cannot say where it was)."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as error:
                return number, raw[error.start]
    return 0, 0


def lint_prospects(
    template: str | CompiledTemplate,
    csv_path: Path,
    config: LintConfig | None = None,
    *,
    name: str | None = None,
) -> Iterator[ProspectResult]:
    """Render ``template`` for each row of ``csv_path`` and lint it; one result per row.

    File-level problems (encoding, missing columns) raise ``InvalidInput``; row-level problems
    become a result with ``error`` and the row's line number.
    """
    config = config or LintConfig()
    compiled = (
        template
        if isinstance(template, CompiledTemplate)
        else compile_template(template, name=name)
    )
    disabled = inline_disables(compiled.source, name=compiled.name)
    if disabled:
        config = config.with_disabled(disabled)
    source = str(csv_path)
    _check_encoding(csv_path)
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = [column.strip() for column in next(reader)]
            missing = sorted(compiled.fields - set(header) - set(config.fields))
            if missing:
                raise InvalidInput(
                    f"missing column(s) {', '.join(missing)} that the script uses; "
                    f"the header has: {', '.join(header)}",
                    source=source,
                    line=1,
                )
            line = reader.line_num + 1
            for row in reader:
                yield _one_row(compiled, header, row, line, config, source)
                line = reader.line_num + 1
        except UnicodeDecodeError as error:
            line_number, byte = _first_non_utf8(csv_path)
            raise InvalidInput(
                f"is not UTF-8 (byte 0x{byte:02x}); save the CSV as UTF-8",
                source=source,
                line=line_number,
            ) from error
        except csv.Error as error:
            raise InvalidInput(
                f"CSV error: {error}", source=source, line=reader.line_num
            ) from error


@functools.lru_cache(maxsize=1024)
def _phone_problem(value: str, region: str) -> str | None:
    """Why ``value`` is not a valid phone number, or None; cached as lists repeat numbers.

    A valid number takes the quick check only; an invalid one gets ``afterbeep.phone``'s message.
    """
    if is_valid_number(value, region):
        return None
    try:
        parse_phone(value, region=region)
    except InvalidInput as error:
        return error.reason
    return None


def check_phone_fields(
    values: Mapping[str, str], names: Iterable[str], region: str, *, source: str | None = None
) -> None:
    """Raise ``InvalidInput`` naming the first phone-number field among ``names`` that is set
    but is not a valid number (empty values are the template's business)."""
    for name in sorted(PHONE_COLUMNS.intersection(names)):
        value = values.get(name)
        if value and value.strip():
            problem = _phone_problem(value, region)
            if problem:
                raise InvalidInput(problem, source=source, field=name)


def _one_row(
    compiled: CompiledTemplate,
    header: list[str],
    row: list[str],
    line: int,
    config: LintConfig,
    source: str,
) -> ProspectResult:
    if len(row) != len(header):
        return ProspectResult(
            line, error=f"{source}, line {line}: {len(row)} columns, the header has {len(header)}"
        )
    values = {**config.fields, **{k: v.strip() for k, v in zip(header, row, strict=True)}}
    try:
        check_phone_fields(values, values.keys(), config.region, source=source)
        text = compiled.render(values, line=line)
        report = lint_text(text, config, fields=values, source=compiled.name, line=line)
    except InvalidInput as error:
        field = f", field {error.field!r}" if error.field else ""
        return ProspectResult(line, error=f"{source}, line {line}{field}: {error.reason}")
    except AfterbeepError as error:
        return ProspectResult(line, error=f"{source}, line {line}: {error}")
    return ProspectResult(line, report=report)
