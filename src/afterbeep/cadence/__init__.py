"""Cadence: multichannel sequences in each prospect's local time, within the law.

Owns prospects import, segments and sequences, the planner, promised call-backs, channels,
the worker, and the compliance engine (jurisdiction rules as data, decisions with the rules
that applied, and their audit log). Depends on the store and the shared core only; carriers
are reached through the small ``TextSender`` protocol, never imported.

Modules: ``compliance`` (rules, engine), ``audit`` (database facts, audit log), ``dnc``
(do-not-call lists), ``prospects`` (CSV import), ``sequences`` (segments, steps),
``planner``, ``callbacks`` (promised call-backs), ``channels``, ``worker``, ``explain``,
``celery_app`` (the ``[celery]`` extra).
"""

from __future__ import annotations

from afterbeep.cadence.audit import check_number, check_prospect, record_decision
from afterbeep.cadence.callbacks import find_promise, kept_on_time, record_promise
from afterbeep.cadence.channels import (
    ManualTask,
    SmtpEmail,
    TextMessage,
    TextSender,
    TouchHandler,
    TouchJob,
    default_handlers,
)
from afterbeep.cadence.compliance import (
    AppliedRule,
    ComplianceEngine,
    Decision,
    History,
    Rule,
    Target,
    default_engine,
    load_rules,
)
from afterbeep.cadence.dnc import import_dnc, opt_out_deadline, record_opt_out
from afterbeep.cadence.explain import explain_prospect, find_prospect
from afterbeep.cadence.planner import PlannerSettings, PlanReport, plan
from afterbeep.cadence.prospects import ImportReport, import_prospects
from afterbeep.cadence.sequences import (
    DEFAULT_TOUCH_TARGETS,
    StepCondition,
    StepSpec,
    create_sequence,
    default_steps,
    load_touch_targets,
    validate_steps,
)
from afterbeep.cadence.worker import run_due, run_forever, run_touch

__all__ = [
    "DEFAULT_TOUCH_TARGETS",
    "AppliedRule",
    "ComplianceEngine",
    "Decision",
    "History",
    "ImportReport",
    "ManualTask",
    "PlanReport",
    "PlannerSettings",
    "Rule",
    "SmtpEmail",
    "StepCondition",
    "StepSpec",
    "Target",
    "TextMessage",
    "TextSender",
    "TouchHandler",
    "TouchJob",
    "check_number",
    "check_prospect",
    "create_sequence",
    "default_engine",
    "default_handlers",
    "default_steps",
    "explain_prospect",
    "find_promise",
    "find_prospect",
    "import_dnc",
    "import_prospects",
    "kept_on_time",
    "load_rules",
    "load_touch_targets",
    "opt_out_deadline",
    "plan",
    "record_decision",
    "record_opt_out",
    "record_promise",
    "run_due",
    "run_forever",
    "run_touch",
    "validate_steps",
]
