"""Command-line shell: ``afterbeep COMMAND``. See docs/cli.md for every command.

Every module of this package registers its commands on import (see ``_app``). ``main`` turns
``AfterbeepError`` into one line on stderr and the error's exit code: 3 invalid input,
4 configuration, 5 compliance, 6 carrier; 1 is kept for "ran fine, found problems" (lint errors).
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from afterbeep.cli._app import app, err_console
from afterbeep.errors import AfterbeepError

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")


def main() -> None:
    """Entry point of the ``afterbeep`` command.

    Click's standalone mode handles usage errors (exit 2) and ``--help``; our own errors come
    through here and become one line on stderr with the error's exit code.
    """
    try:
        app()
    except AfterbeepError as error:
        err_console.print(
            f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True, markup=True
        )
        sys.exit(error.exit_code)


__all__ = ["app", "main"]
