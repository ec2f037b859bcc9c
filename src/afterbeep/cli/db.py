"""``afterbeep db``: create, upgrade, inspect and downgrade the database (thin over the store).

Each command takes ``--url`` (default: the settings' database, a SQLite file in ``data_dir``).
"""

from __future__ import annotations

import typer

from afterbeep.cli._app import app, console

db_app = typer.Typer(
    help="The database: migrate it to the newest schema, show or roll back its revision.",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

URL_OPTION = typer.Option(
    None, "--url", help="SQLAlchemy URL; default: database_url from the settings."
)


@db_app.command("upgrade")
def upgrade_command(
    revision: str = typer.Argument("head", help="Target revision."),
    url: str | None = URL_OPTION,
) -> None:
    """Create the database or migrate it up to REVISION (default: the newest)."""
    from afterbeep.store import current_revision, display_url, upgrade

    upgrade(url, revision)
    console.print(f"{display_url(url)} is at revision {current_revision(url)}", highlight=False)


@db_app.command("current")
def current_command(url: str | None = URL_OPTION) -> None:
    """Print the database's revision and whether it is the newest."""
    from afterbeep.store import current_revision, display_url, head_revision

    current = current_revision(url)
    head = head_revision()
    state = "up to date" if current == head else f"newest is {head}; run: afterbeep db upgrade"
    console.print(
        f"{display_url(url)}: revision {current or 'none (empty)'} ({state})", highlight=False
    )


@db_app.command("downgrade")
def downgrade_command(
    revision: str = typer.Argument(..., help="Target revision, or 'base' to remove every table."),
    url: str | None = URL_OPTION,
) -> None:
    """Migrate the database down to REVISION."""
    from afterbeep.store import current_revision, display_url, downgrade

    downgrade(url, revision)
    current = current_revision(url)
    console.print(f"{display_url(url)} is at revision {current or 'none (empty)'}", highlight=False)
