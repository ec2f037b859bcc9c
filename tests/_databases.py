"""Throwaway databases for tests, on SQLite and on PostgreSQL, safe under pytest-xdist.

Plain functions (no pytest fixtures here) so any conftest can build fixtures from them:

* SQLite: one file per test under ``tmp_path``.
* PostgreSQL: one database per xdist worker (``afterbeep_test_<worker>_<pid>_<random>``),
  created through the admin URL (``AFTERBEEP_TEST_POSTGRES_URL``, default the local ``test``
  database) and dropped at the end of the session; inside it, one schema per test, selected by
  ``search_path`` in the URL, so every test starts empty and nothing touches the shared
  ``test`` database's own tables.

When PostgreSQL cannot be reached, PostgreSQL tests are skipped with the reason, except on CI
(``CI=true``), where that is a failure.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

POSTGRES_URL_ENV = "AFTERBEEP_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def postgres_admin_url() -> URL:
    """The PostgreSQL server to test against (a database we may connect to and create from)."""
    return make_url(os.environ.get(POSTGRES_URL_ENV) or DEFAULT_POSTGRES_URL)


def postgres_unavailable_reason(admin_url: URL) -> str | None:
    """Why ``admin_url`` cannot be used (unreachable, or not allowed to create databases)."""
    engine = sa.create_engine(admin_url, poolclass=NullPool, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            can_create = connection.execute(
                sa.text("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")
            ).scalar()
    except Exception as error:  # any driver or network failure means: not available
        cause = getattr(error, "orig", None) or error
        first_line = str(cause).strip().splitlines()[0] if str(cause).strip() else repr(cause)
        return f"PostgreSQL at {admin_url.render_as_string()} is not reachable: {first_line}"
    finally:
        engine.dispose()
    if not can_create:
        return f"the role in {admin_url.render_as_string()} may not create databases"
    return None


def skip_or_fail_without_postgres(reason: str) -> None:
    """Skip the test, or fail it on CI, where PostgreSQL tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}; set {POSTGRES_URL_ENV}", pytrace=False)
    pytest.skip(f"{reason} (set {POSTGRES_URL_ENV} to test PostgreSQL)")


def _admin_execute(admin_url: URL, statement: str) -> None:
    engine = sa.create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@contextmanager
def postgres_worker_database(admin_url: URL, worker: str | None = None) -> Iterator[URL]:
    """A fresh, uniquely named database for one test process; dropped (forcibly) on exit."""
    worker = worker or os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"afterbeep_test_{worker}_{os.getpid()}_{secrets.token_hex(3)}".lower()
    _admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name)
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_schema(database_url: URL) -> Iterator[URL]:
    """An empty schema in ``database_url``; the URL returned makes it the only search_path."""
    schema = f"t_{secrets.token_hex(6)}"
    _admin_execute(database_url, f'CREATE SCHEMA "{schema}"')
    try:
        yield database_url.update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        _admin_execute(database_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def sqlite_url(folder: os.PathLike[str] | str, name: str = "store.db") -> URL:
    """A SQLite file URL in ``folder`` (the folder need not exist yet)."""
    return make_url(f"sqlite:///{os.fspath(folder)}/{name}")


def empty_all_tables(database_url: URL, *, expected_revision: str) -> None:
    """Delete every row of a migrated PostgreSQL schema, so the next test can reuse it.

    Much faster than migrating a fresh schema per test (and than TRUNCATE, for a few rows).
    Refuses (fails the test run) when the schema is no longer at ``expected_revision``: a test
    that migrates must use an empty database of its own instead.
    """
    engine = sa.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            revision = connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar()
            if revision != expected_revision:
                raise AssertionError(
                    f"a test left the shared migrated schema at revision {revision!r}; "
                    "tests that migrate must use empty_database_url"
                )
            for table in _tables_children_first(connection, database_url):
                connection.execute(sa.text(f'DELETE FROM "{table}"'))
    finally:
        engine.dispose()


_DELETE_ORDER: dict[str, list[str]] = {}


def _tables_children_first(connection: sa.Connection, database_url: URL) -> list[str]:
    key = database_url.render_as_string(hide_password=False)
    if key not in _DELETE_ORDER:
        metadata = sa.MetaData()
        metadata.reflect(connection)
        _DELETE_ORDER[key] = [
            table.name
            for table in reversed(metadata.sorted_tables)
            if table.name != "alembic_version"
        ]
    return _DELETE_ORDER[key]
