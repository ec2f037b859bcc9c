"""Alembic environment: runs afterbeep's migrations against the URL in the Alembic config.

Called by ``afterbeep.store.upgrade``/``downgrade`` (and by ``alembic`` itself if pointed at
this folder). Online mode only: migrations always run on a live connection, opened with the
same engine rules as the application (SQLite foreign keys, WAL). SQLite gets batch mode so
later ALTERs work there too.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.dialects import postgresql
from sqlalchemy.pool import NullPool

from afterbeep.store._engine import create_engine_for
from afterbeep.store._types import UTCDateTime
from afterbeep.store.models import Base

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy types, so revisions never import models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, postgresql.JSONB):
        # The default rendering names ``Text`` without importing it.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB()"
    return False


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = create_engine_for(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                render_item=render_item,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("afterbeep's migrations run online only: give a database URL")
run_migrations()
