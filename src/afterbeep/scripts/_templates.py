"""Script templates: read a script file, compile it in a Jinja2 sandbox, render per prospect.

Owns the template rules: sandboxed environment, ``StrictUndefined`` (a missing merge field is an
``InvalidInput`` naming the field, never a gap in the message), syntax errors with line and
column, and reading script files (empty or binary files are invalid). It must not lint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from afterbeep.errors import InvalidInput

STANDARD_FIELDS: tuple[str, ...] = (
    "first_name",
    "company",
    "rep_name",
    "rep_phone",
    "callback_time",
)

_ENVIRONMENT = SandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
)
_TAG = re.compile(r"\{\{.*?(?:\}\}|$)|\{%.*?(?:%\}|$)", re.M)


@dataclass(frozen=True)
class CompiledTemplate:
    """A parsed script template and the merge fields it uses.

    ``fields`` must have a value; ``optional`` fields are used only through Jinja's
    ``default`` filter (``{{ company | default("your team") }}``), so the template itself
    says what to say without them: an empty or missing value falls back to the default.
    """

    source: str
    name: str | None
    fields: frozenset[str]
    template: jinja2.Template
    optional: frozenset[str] = frozenset()

    def render(self, values: Mapping[str, str], *, line: int | None = None) -> str:
        """Render with ``values``; a missing or empty required field is an ``InvalidInput``.

        ``line`` is the prospect row's line in its CSV, named in the error.
        """
        if self.optional:
            values = {k: v for k, v in values.items() if k not in self.optional or str(v).strip()}
        for name in sorted(self.fields):
            if name not in values:
                known = ", ".join(sorted(values)) or "none (give a prospect CSV or [lint] fields)"
                raise InvalidInput(
                    f"unknown merge field {name!r} (template line {_field_line(self.source, name)}); "
                    f"known fields: {known}",
                    source=self.name,
                    line=line,
                    field=name,
                )
            if not str(values[name]).strip():
                raise InvalidInput(
                    f"merge field {name!r} is empty; the message would have a gap",
                    source=self.name,
                    line=line,
                    field=name,
                )
        try:
            return self.template.render(dict(values))
        except jinja2.UndefinedError as error:
            raise InvalidInput(f"template: {error.message}", source=self.name, line=line) from error
        except jinja2.exceptions.SecurityError as error:
            raise InvalidInput(
                f"template uses something the sandbox forbids: {error}", source=self.name
            ) from error
        except (TypeError, ValueError, ArithmeticError) as error:
            raise InvalidInput(f"template failed: {error}", source=self.name, line=line) from error


def _field_line(source: str, name: str) -> int:
    match = re.search(rf"\b{re.escape(name)}\b", source)
    return source.count("\n", 0, match.start()) + 1 if match else 1


def _error_column(source: str, line: int) -> int:
    """Best column for a syntax error Jinja reports by line only: the first tag that fails."""
    lines = source.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    for match in _TAG.finditer(text):
        tag = match.group()
        if tag.startswith("{{"):
            try:
                _ENVIRONMENT.parse(tag)
            except jinja2.TemplateSyntaxError:
                return match.start() + 1
        else:
            try:
                list(_ENVIRONMENT.lex(tag))
            except jinja2.TemplateSyntaxError:
                return match.start() + 1
    tags = list(_TAG.finditer(text))
    if tags:
        return tags[-1].start() + 1
    return len(text) - len(text.lstrip()) + 1


def compile_template(source: str, *, name: str | None = None) -> CompiledTemplate:
    """Parse ``source`` once; a syntax error is an ``InvalidInput`` with line and column."""
    if not source.strip():
        raise InvalidInput("the script is empty; expected the words of a voicemail", source=name)
    try:
        parsed = _ENVIRONMENT.parse(source)
        template = _ENVIRONMENT.from_string(source)
    except jinja2.TemplateSyntaxError as error:
        line = error.lineno or 1
        raise InvalidInput(
            f"template syntax error: {error.message}",
            source=name,
            line=line,
            column=_error_column(source, line),
        ) from error
    used = meta.find_undeclared_variables(parsed)
    optional = _default_only(parsed, used)
    return CompiledTemplate(source, name, frozenset(used - optional), template, optional)


def _default_only(parsed: nodes.Template, used: set[str]) -> frozenset[str]:
    """Fields every use of which goes through the ``default`` filter."""
    under_default: dict[str, int] = {}
    for node in parsed.find_all(nodes.Filter):
        if node.name in {"default", "d"} and isinstance(node.node, nodes.Name):
            under_default[node.node.name] = under_default.get(node.node.name, 0) + 1
    uses: dict[str, int] = {}
    for name_node in parsed.find_all(nodes.Name):
        if name_node.ctx == "load" and name_node.name in used:
            uses[name_node.name] = uses.get(name_node.name, 0) + 1
    return frozenset(n for n, count in under_default.items() if count == uses.get(n))


def render_template(source: str, fields: Mapping[str, str], *, name: str | None = None) -> str:
    """Render a script template with merge ``fields`` (missing or empty field = error)."""
    return compile_template(source, name=name).render(fields)


def read_script_file(path: Path) -> str:
    """A script file's text; empty, binary or non-UTF-8 files are an ``InvalidInput``."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read the script: {error.strerror}", source=str(path)) from error
    if b"\x00" in data[:8192]:
        raise InvalidInput("is a binary file, not a script; expected UTF-8 text", source=str(path))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidInput(
            f"is not UTF-8 text (byte 0x{data[error.start]:02x}); save the script as UTF-8",
            source=str(path),
            line=line,
        ) from error
    if not text.strip():
        raise InvalidInput(
            "the script is empty; expected the words of a voicemail", source=str(path)
        )
    return text
