"""Fixtures every test folder may use: real databases, migrated or empty.

``empty_database_url`` is an empty database of the test's own (a SQLite file, or a
PostgreSQL schema); ``database_url`` is a database migrated to head with no rows, and
``sqlite_database_url`` the same on SQLite alone. Tests using the parametrised ones run once
per backend; the PostgreSQL run carries the ``postgres`` marker. Migrating is done once per
test process: SQLite tests get a copy of a migrated file, PostgreSQL tests share one migrated
schema that is emptied after each test (so a test that migrates must use
``empty_database_url``). The throwaway-database helpers are in ``_databases.py``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from _databases import (
    empty_all_tables,
    postgres_admin_url,
    postgres_schema,
    postgres_unavailable_reason,
    postgres_worker_database,
    skip_or_fail_without_postgres,
    sqlite_url,
)
from afterbeep.store import head_revision, upgrade

BACKEND_PARAMS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def postgres_database_url() -> Iterator[str]:
    """A database of this test process on the test PostgreSQL server (skip if none)."""
    admin_url = postgres_admin_url()
    reason = postgres_unavailable_reason(admin_url)
    if reason is not None:
        skip_or_fail_without_postgres(reason)
    with postgres_worker_database(admin_url) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=BACKEND_PARAMS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test alone, as a URL string; one run per backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "db").render_as_string(hide_password=False)
        return
    database_url: str = request.getfixturevalue("postgres_database_url")
    with postgres_schema(make_url(database_url)) as url:
        yield url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head, copied by each test that wants one."""
    url = sqlite_url(tmp_path_factory.mktemp("migrated"))
    upgrade(url)
    assert url.database is not None
    return Path(url.database)


@pytest.fixture(scope="session")
def migrated_postgres_url(postgres_database_url: str) -> Iterator[str]:
    """One schema of this test process, migrated to head once."""
    with postgres_schema(make_url(postgres_database_url)) as url:
        upgrade(url)
        yield url.render_as_string(hide_password=False)


@pytest.fixture(params=BACKEND_PARAMS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the newest revision with no rows; one run per backend."""
    if request.param == "sqlite":
        yield _sqlite_copy(request.getfixturevalue("migrated_sqlite_template"), tmp_path)
        return
    url: str = request.getfixturevalue("migrated_postgres_url")
    yield url
    empty_all_tables(make_url(url), expected_revision=head_revision())


def _sqlite_copy(template: Path, folder: Path) -> str:
    (folder / "db").mkdir(exist_ok=True)
    shutil.copyfile(template, folder / "db" / "store.db")
    return sqlite_url(folder / "db").render_as_string(hide_password=False)


@pytest.fixture
def sqlite_database_url(migrated_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test alone."""
    return _sqlite_copy(migrated_sqlite_template, tmp_path)
