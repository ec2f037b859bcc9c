"""Templates: merge fields in a Jinja2 sandbox; a missing field or bad syntax is an InvalidInput
that says where, never a gap in the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from afterbeep.errors import InvalidInput
from afterbeep.scripts import compile_template, read_script_file, render_template

TEMPLATE = "Hi {{ first_name }}, this is {{ rep_name }}.\nCall me at {{ rep_phone }}."
FIELDS = {"first_name": "Dana", "rep_name": "Sam", "rep_phone": "206-555-0148"}


def test_renders_merge_fields() -> None:
    assert render_template(TEMPLATE, FIELDS) == "Hi Dana, this is Sam.\nCall me at 206-555-0148."


def test_template_reports_the_fields_it_uses() -> None:
    assert compile_template(TEMPLATE).fields == {"first_name", "rep_name", "rep_phone"}


def test_missing_field_names_the_field_and_the_csv_line() -> None:
    compiled = compile_template(TEMPLATE, name="vm.txt")
    with pytest.raises(InvalidInput) as caught:
        compiled.render({"first_name": "Dana", "rep_name": "Sam"}, line=7)
    assert caught.value.field == "rep_phone"
    assert caught.value.line == 7
    assert "rep_phone" in str(caught.value)
    assert "line 7" in str(caught.value)


def test_empty_value_is_an_error_not_a_gap() -> None:
    with pytest.raises(InvalidInput, match=r"first_name.*empty"):
        render_template(TEMPLATE, {**FIELDS, "first_name": "  "})


def test_unknown_field_names_its_template_line() -> None:
    with pytest.raises(InvalidInput, match=r"'frist_name' \(template line 2\)"):
        render_template("Hi there.\nThanks, {{ frist_name }}.", FIELDS)


def test_syntax_error_gives_line_and_column() -> None:
    source = "Hi {{ first_name }},\nthis is {{ rep_name }.\nThanks."
    with pytest.raises(InvalidInput) as caught:
        compile_template(source, name="vm.txt")
    # line 2 is "this is {{ rep_name }." and its broken tag starts at column 9
    assert (caught.value.line, caught.value.column) == (2, 9)
    assert str(caught.value).startswith("vm.txt, line 2, column 9: template syntax error")


def test_unclosed_block_is_a_syntax_error() -> None:
    with pytest.raises(InvalidInput, match="syntax error"):
        compile_template("Hi {% if first_name %}{{ first_name }}")


def test_sandbox_refuses_unsafe_attribute_access() -> None:
    with pytest.raises(InvalidInput, match="sandbox"):
        render_template("{{ first_name.__class__.__mro__ }}", FIELDS)


def test_jinja_comments_and_conditionals_work() -> None:
    source = "{# afterbeep: disable=name.repeat #}Hi {{ first_name }}{% if company %} at {{ company }}{% endif %}."
    assert render_template(source, {"first_name": "Dana", "company": "Acme"}) == "Hi Dana at Acme."


def test_read_script_refuses_empty_binary_and_non_utf8(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    binary = tmp_path / "take.wav"
    binary.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Hi Jos\xe9,\nthis is Sam.".encode("latin-1"))
    with pytest.raises(InvalidInput, match="empty"):
        read_script_file(empty)
    with pytest.raises(InvalidInput, match="binary"):
        read_script_file(binary)
    with pytest.raises(InvalidInput, match="not UTF-8") as caught:
        read_script_file(latin1)
    assert caught.value.line == 1


def test_a_field_used_only_with_default_is_optional() -> None:
    source = "Hi {{ first_name }}, congrats to {{ company | default('your team') }}."
    compiled = compile_template(source)
    assert compiled.fields == {"first_name"}
    assert compiled.optional == {"company"}
    assert compiled.render({"first_name": "Dana"}) == "Hi Dana, congrats to your team."
    # an empty value falls back to the default too, instead of leaving a gap
    assert (
        compiled.render({"first_name": "Dana", "company": " "}) == "Hi Dana, congrats to your team."
    )
    assert (
        compiled.render({"first_name": "Dana", "company": "Acme"}) == "Hi Dana, congrats to Acme."
    )


def test_a_field_also_used_without_default_stays_required() -> None:
    source = "Hi {{ company | default('there') }}, {{ company }} looks great."
    assert compile_template(source).fields == {"company"}
