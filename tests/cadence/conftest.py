"""Fixtures for cadence tests: a migrated SQLite database with an engine, a session and a
team; ``any_db_url`` is the shared ``database_url`` (SQLite and PostgreSQL, tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from afterbeep.store import Team, create_engine_for, make_sessionmaker


@pytest.fixture
def sqlite_db_url(sqlite_database_url: str) -> str:
    """A migrated SQLite database of this test alone."""
    return sqlite_database_url


@pytest.fixture
def any_db_url(database_url: str) -> str:
    """A migrated, empty database; one run on SQLite and one on PostgreSQL."""
    return database_url


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
