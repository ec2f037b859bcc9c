"""Docs meta-test: every rule has a fresh generated page and a row in docs/lint.md's table."""

from __future__ import annotations

import re
from pathlib import Path

from afterbeep.scripts import RULES
from afterbeep.scripts.docs import render_rule_docs, render_rule_table

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_every_rule_page_exists_and_is_fresh() -> None:
    stale = []
    for name, text in render_rule_docs().items():
        page = DOCS / "rules" / name
        if not page.exists() or page.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, (
        f"missing or stale rule pages {stale}; run: python -m afterbeep.scripts.docs docs/rules"
    )


def test_no_page_for_a_rule_that_does_not_exist() -> None:
    pages = {page.name for page in (DOCS / "rules").glob("*.md")}
    extra = sorted(pages - set(render_rule_docs()))
    assert not extra, f"pages for unknown rules in docs/rules: {extra}"


def test_every_rule_is_in_the_lint_docs_table() -> None:
    table = set(re.findall(r"^\| \[`([a-z.-]+)`\]", (DOCS / "lint.md").read_text(), re.M))
    missing = [rule.id for rule in RULES if rule.id not in table]
    assert not missing, f"rules missing from docs/lint.md's table: {missing}"


def test_the_rule_table_in_lint_docs_is_current() -> None:
    text = (DOCS / "lint.md").read_text()
    assert render_rule_table() in text, (
        "docs/lint.md's rule table is stale; paste afterbeep.scripts.docs.render_rule_table()"
    )
