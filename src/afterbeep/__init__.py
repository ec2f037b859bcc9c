"""afterbeep: a voicemail platform for sales teams.

The public surface is what ``__all__`` names here and in each capability package
(``afterbeep.scripts``, ``afterbeep.detect``, ``afterbeep.store`` ...). Modules whose names
start with ``_`` are private.
"""

from __future__ import annotations

from afterbeep.errors import (
    AfterbeepError,
    CarrierError,
    ComplianceBlocked,
    ConfigError,
    InvalidInput,
    MissingExtra,
)
from afterbeep.settings import Settings, load_settings

__version__ = "0.1.0"

__all__ = [
    "AfterbeepError",
    "CarrierError",
    "ComplianceBlocked",
    "ConfigError",
    "InvalidInput",
    "MissingExtra",
    "Settings",
    "__version__",
    "load_settings",
]
