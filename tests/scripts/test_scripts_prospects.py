"""Prospect CSVs: every row rendered and linted; bad rows reported by line, none skipped;
wrong encodings and missing columns are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from afterbeep.errors import InvalidInput
from afterbeep.scripts import LintConfig, lint_prospects

TEMPLATE = (
    "Hi {{ first_name }}, this is {{ rep_name }} with Northwind Freight. Congrats on the new "
    "{{ city }} warehouse. Give me a call at {{ rep_phone }} so we can compare lanes. That's "
    "{{ rep_phone }}. Thanks, {{ first_name }}."
)
HEADER = "first_name,city,rep_name,rep_phone\n"


def _csv(tmp_path: Path, body: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "prospects.csv"
    path.write_bytes((header + body).encode(encoding))
    return path


def test_good_and_bad_rows_are_all_reported(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Dana,Denver,Sam,206-555-0148\n"  # line 2: good
        "Marcus,,Sam,206-555-0148\n"  # line 3: empty merge value
        "Priya,Austin,Sam,555-01\n"  # line 4: invalid phone
        "Jordan,Boise\n"  # line 5: wrong column count
        '"Elena","Reno, NV",Sam,206-555-0148\n',  # line 6: good, quoted comma
    )
    results = list(lint_prospects(TEMPLATE, path))
    assert [r.line for r in results] == [2, 3, 4, 5, 6]
    good = {r.line for r in results if r.report is not None}
    assert good == {2, 6}
    errors = {r.line: r.error for r in results if r.error}
    assert "line 3" in errors[3]
    assert "'city'" in errors[3]
    assert "empty" in errors[3]
    assert "line 4" in errors[4]
    assert "'rep_phone'" in errors[4]
    assert "line 5" in errors[5]
    assert "2 columns" in errors[5]
    report = next(r.report for r in results if r.line == 6)
    assert report is not None
    assert "Reno, NV warehouse" in report.script


def test_config_fields_fill_columns_the_csv_lacks(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Dana,Denver\n", header="first_name,city\n")
    config = LintConfig(fields={"rep_name": "Sam", "rep_phone": "206-555-0148"})
    (result,) = lint_prospects(TEMPLATE, path, config)
    assert result.report is not None
    assert result.report.findings == ()


def test_missing_columns_are_one_error(tmp_path: Path) -> None:
    path = _csv(tmp_path, "Dana\n", header="first_name\n")
    with pytest.raises(InvalidInput, match=r"missing column\(s\) city, rep_name, rep_phone"):
        list(lint_prospects(TEMPLATE, path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_is_refused(tmp_path: Path, encoding: str) -> None:
    path = _csv(tmp_path, "Dana,Denver,Sam,206-555-0148\n", encoding=encoding)
    with pytest.raises(InvalidInput, match="UTF-16"):
        list(lint_prospects(TEMPLATE, path))


def test_latin1_bytes_are_refused_with_the_line(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Dana,Denver,Sam,206-555-0148\nJos\xe9,Boise,Sam,206-555-0148\n",
        encoding="latin-1",
    )
    with pytest.raises(InvalidInput, match=r"not UTF-8 \(byte 0xe9") as caught:
        list(lint_prospects(TEMPLATE, path))
    assert caught.value.line == 3  # header, Dana, then José


def test_a_bad_byte_far_into_the_file_names_its_own_line(tmp_path: Path) -> None:
    rows = "Dana,Denver,Sam,206-555-0148\n" * 2000 + "Jos\xe9,Boise,Sam,206-555-0148\n"
    path = _csv(tmp_path, rows, encoding="latin-1")
    with pytest.raises(InvalidInput, match="not UTF-8") as caught:
        list(lint_prospects(TEMPLATE, path))
    assert caught.value.line == 2002


def test_empty_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(InvalidInput, match="empty"):
        list(lint_prospects(TEMPLATE, path))


@pytest.mark.slow
def test_ten_thousand_rows(tmp_path: Path) -> None:
    rows = []
    for i in range(10_000):
        phone = "555-01" if i % 1000 == 999 else f"206-555-{i % 10000:04d}"
        rows.append(f"Name{i % 97},City{i % 13},Sam,{phone}\n")
    path = _csv(tmp_path, "".join(rows))
    results = list(lint_prospects(TEMPLATE, path))
    assert len(results) == 10_000
    assert [r.line for r in results] == list(range(2, 10_002))
    bad = [r.line for r in results if r.error]
    assert bad == [i + 2 for i in range(10_000) if i % 1000 == 999]
