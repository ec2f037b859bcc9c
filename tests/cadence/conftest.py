"""Fixtures for cadence tests: migrated databases (SQLite, and PostgreSQL where asked), a team.

Reuses the throwaway-database helpers of the store tests (tests/store/_databases.py).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))

from _databases import (
    empty_all_tables,
    postgres_admin_url,
    postgres_schema,
    postgres_unavailable_reason,
    postgres_worker_database,
    skip_or_fail_without_postgres,
    sqlite_url,
)

from afterbeep.store import (
    Team,
    create_engine_for,
    head_revision,
    make_sessionmaker,
    upgrade,
)

BACKEND_PARAMS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session")
def cadence_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    url = sqlite_url(tmp_path_factory.mktemp("cadence-migrated"))
    upgrade(url)
    assert url.database is not None
    return Path(url.database)


@pytest.fixture(scope="session")
def cadence_postgres_url() -> Iterator[str]:
    admin_url = postgres_admin_url()
    reason = postgres_unavailable_reason(admin_url)
    if reason is not None:
        skip_or_fail_without_postgres(reason)
    with postgres_worker_database(admin_url) as url, postgres_schema(url) as schema_url:
        upgrade(schema_url)
        yield schema_url.render_as_string(hide_password=False)


def _sqlite_copy(template: Path, folder: Path) -> str:
    (folder / "db").mkdir(exist_ok=True)
    shutil.copyfile(template, folder / "db" / "store.db")
    return sqlite_url(folder / "db").render_as_string(hide_password=False)


@pytest.fixture
def sqlite_db_url(cadence_sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database of this test alone."""
    return _sqlite_copy(cadence_sqlite_template, tmp_path)


@pytest.fixture(params=BACKEND_PARAMS)
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database; one run on SQLite and one on PostgreSQL."""
    if request.param == "sqlite":
        yield _sqlite_copy(request.getfixturevalue("cadence_sqlite_template"), tmp_path)
        return
    url: str = request.getfixturevalue("cadence_postgres_url")
    yield url
    empty_all_tables(make_url(url), expected_revision=head_revision())


@pytest.fixture
def engine(sqlite_db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(sqlite_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    session = make_sessionmaker(engine)()
    yield session
    session.close()


@pytest.fixture
def team(session: Session) -> Team:
    team = Team(name="West")
    session.add(team)
    session.flush()
    return team
