"""Database fixtures for store tests, parametrised over SQLite and PostgreSQL.

``empty_database_url`` is an empty database of the test's own (a SQLite file, or a
PostgreSQL schema); ``database_url`` is a database migrated to head with no rows;
``engine`` and ``session`` open it. Tests using them run once per backend; the PostgreSQL run
carries the ``postgres`` marker. Migrating is done once per test process: SQLite tests get a
copy of a migrated file, PostgreSQL tests share one migrated schema that is emptied after
each test (so a test that migrates must use ``empty_database_url``). The helpers live in
``_databases.py`` so these fixtures can move to the top-level conftest.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _databases import (
    empty_all_tables,
    postgres_admin_url,
    postgres_schema,
    postgres_unavailable_reason,
    postgres_worker_database,
    skip_or_fail_without_postgres,
    sqlite_url,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from afterbeep.store import create_engine_for, head_revision, make_sessionmaker, upgrade

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
        template: Path = request.getfixturevalue("migrated_sqlite_template")
        (tmp_path / "db").mkdir()
        shutil.copyfile(template, tmp_path / "db" / "store.db")
        yield sqlite_url(tmp_path / "db").render_as_string(hide_password=False)
        return
    url: str = request.getfixturevalue("migrated_postgres_url")
    yield url
    empty_all_tables(make_url(url), expected_revision=head_revision())


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    session = make_sessionmaker(engine)()
    yield session
    session.close()
