"""Cadence: multichannel sequences in each prospect's local time, within the law.

Owns prospects import, segments and sequences, the planner, promised call-backs, channels,
the worker, and the compliance engine (jurisdiction rules as data, decisions with the rules
that applied, and their audit log). Depends on the store and the shared core only; carriers
are reached through the small ``TextSender`` protocol, never imported.

Modules: ``compliance`` (rules, engine), ``audit`` (database facts, audit log), ``dnc``
(do-not-call lists).
"""

from __future__ import annotations

from afterbeep.cadence.audit import check_number, check_prospect, record_decision
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

__all__ = [
    "AppliedRule",
    "ComplianceEngine",
    "Decision",
    "History",
    "Rule",
    "Target",
    "check_number",
    "check_prospect",
    "default_engine",
    "import_dnc",
    "load_rules",
    "opt_out_deadline",
    "record_decision",
    "record_opt_out",
]
