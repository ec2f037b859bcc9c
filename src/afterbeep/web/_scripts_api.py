"""Script studio API: render a script with sample merge fields and lint it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from afterbeep import scripts

router = APIRouter(prefix="/api", tags=["scripts"])

EXAMPLE_FIELDS = {
    "first_name": "Dana",
    "company": "Harbor Lane Foods",
    "rep_name": "Sam Ortiz",
    "rep_company": "Acme Routing",
    "rep_phone": "206-555-0148",
    "callback_time": "Thursday at 2",
}

EXAMPLE_SCRIPT = (
    "Hi {{ first_name }}, it's {{ rep_name }} with {{ rep_company }}. "
    "I saw {{ company }} opened a Tacoma warehouse; we cut re-routing there by a day a week "
    "for Cascade Foods. "
    "I'll try you again {{ callback_time }}. My number is {{ rep_phone }}, "
    "again {{ rep_phone }}. Thanks, {{ first_name }}."
)


class LintRequest(BaseModel):
    text: str = Field(description="The script template (merge fields as {{ name }}).")
    fields: dict[str, str] = Field(default_factory=dict, description="Merge field values.")
    strategy: str = "either"
    caller_id: str | None = None
    words_per_minute: float | None = None
    disable: list[str] = Field(default_factory=list)


@router.post("/lint")
def lint(request: LintRequest) -> dict[str, Any]:
    """Render ``text`` with ``fields`` and lint it; the JSON is the CLI's ``--format json`` shape."""
    options: dict[str, Any] = {
        "strategy": request.strategy,
        "caller_id": request.caller_id or None,
        "disable": frozenset(request.disable),
    }
    if request.words_per_minute is not None:
        options["words_per_minute"] = request.words_per_minute
    config = scripts.LintConfig(**options)
    rendered = scripts.render_template(request.text, request.fields, name="script")
    return scripts.lint_text(rendered, config, fields=request.fields, source="script").to_dict()


@router.get("/rules")
def rules() -> list[dict[str, Any]]:
    """The rule catalogue: id, severity and summary of every lint rule."""
    return [
        {"id": rule.id, "severity": rule.severity, "summary": rule.summary}
        for rule in scripts.RULES
    ]
