"""Engines and sessions: one place that knows how to open a database URL.

SQLite (the default: a file under ``data_dir``) gets foreign keys switched on, WAL journaling
and a busy timeout on every connection, and the file's folder is created. PostgreSQL is
reached by URL (``postgresql+psycopg://user@host/db``) through the ``[postgres]`` extra.
Must not know the models' contents or anything above the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from afterbeep._optional import require
from afterbeep.errors import ConfigError
from afterbeep.settings import load_settings

SQLITE_BUSY_TIMEOUT_MS = 5000


def default_database_url() -> str:
    """The URL from the settings: ``database_url``, else the SQLite file in ``data_dir``."""
    return load_settings().resolved_database_url


def parse_database_url(url: str | URL | None) -> URL:
    """``url`` (or the settings' URL when None) parsed; a malformed one is a ``ConfigError``."""
    if url is None:
        url = default_database_url()
    if isinstance(url, URL):
        return url
    try:
        return make_url(url)
    except ArgumentError as error:
        raise ConfigError(f"database URL {url!r} is not a SQLAlchemy URL: {error}") from error


def display_url(url: str | URL | None) -> str:
    """The URL with any password hidden, for messages."""
    return parse_database_url(url).render_as_string(hide_password=True)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def create_engine_for(url: str | URL | None = None, **engine_options: Any) -> Engine:
    """An engine for ``url`` (default: the settings' URL), ready for afterbeep's rules.

    SQLite: the parent folder of the database file is created; every connection enforces
    foreign keys, uses WAL and waits up to 5 s for a lock. PostgreSQL: needs the
    ``[postgres]`` extra (psycopg). ``engine_options`` go to ``sqlalchemy.create_engine``.
    """
    parsed = parse_database_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = _sqlite_file(parsed)
        if path is not None:
            folder = path.expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConfigError(
                    f"cannot create the folder {folder} for database {display_url(parsed)}: "
                    f"{error.strerror or error}"
                ) from error
    elif backend == "postgresql" and parsed.get_driver_name() == "psycopg":
        require("psycopg", "postgres")
    try:
        engine = sa.create_engine(parsed, **engine_options)
    except (ArgumentError, NoSuchModuleError) as error:
        raise ConfigError(
            f"cannot use database URL {display_url(parsed)}: {error}; "
            "use sqlite:///path/to/file.db or postgresql+psycopg://user@host/db"
        ) from error
    if backend == "sqlite":
        is_file = _sqlite_file(parsed) is not None
        event.listen(engine, "connect", _sqlite_pragmas(wal=is_file))
    return engine


def _sqlite_pragmas(*, wal: bool) -> Any:
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            if wal:
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    return on_connect


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on an exception."""
    session = make_sessionmaker(engine)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
