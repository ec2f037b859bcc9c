"""Lazy imports of heavy optional dependencies, with an error that names the extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from afterbeep.errors import MissingExtra


def require(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise ``MissingExtra`` naming the extra that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtra(module, extra) from error
