"""Alembic migrations run from Python: upgrade, downgrade, current and head revisions.

The migration scripts ship inside the package (``afterbeep/store/migrations``), so an
installed afterbeep can build or upgrade its own database with no ``alembic.ini``. Must not
import anything above the store.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from afterbeep.errors import ConfigError, InvalidInput
from afterbeep.store._engine import create_engine_for, display_url, parse_database_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic ``Config`` for afterbeep's migrations and ``url`` (default: the settings')."""
    parsed = parse_database_url(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    # Revision files must be importable module names (mypy checks them): no leading digit.
    config.set_main_option("file_template", "rev_%%(rev)s_%%(slug)s")
    # ConfigParser interpolates '%': URLs with escaped characters need it doubled.
    config.set_main_option(
        "sqlalchemy.url", parsed.render_as_string(hide_password=False).replace("%", "%%")
    )
    return config


def head_revision() -> str:
    """The newest revision the shipped migrations know."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = script.get_current_head()
    if head is None:  # pragma: no cover - the package always ships at least one revision
        raise ConfigError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def _run(url: str | URL | None, action: str, revision: str) -> None:
    config = alembic_config(url)
    try:
        if action == "upgrade":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)
    except CommandError as error:
        raise InvalidInput(f"cannot {action} to {revision!r}: {error}", field="revision") from error
    except OperationalError as error:
        raise ConfigError(
            f"cannot {action} database {display_url(url)}: {error.orig or error}"
        ) from error


def upgrade(url: str | URL | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` (default: the settings') up to ``revision``."""
    _run(url, "upgrade", revision)


def downgrade(url: str | URL | None, revision: str) -> None:
    """Migrate the database at ``url`` down to ``revision`` (``"base"`` empties it)."""
    _run(url, "downgrade", revision)


def current_revision(url: str | URL | None = None) -> str | None:
    """The revision the database is at, or None when it has never been migrated.

    Reading never creates anything: a SQLite file that does not exist yet is simply at None.
    """
    parsed = parse_database_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        database = parsed.database or ""
        if not database.startswith("file:") and not Path(database).expanduser().exists():
            return None
    engine = create_engine_for(parsed)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as error:
        raise ConfigError(
            f"cannot read database {display_url(url)}: {error.orig or error}"
        ) from error
    finally:
        engine.dispose()
