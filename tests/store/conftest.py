"""Store tests open the shared databases (tests/conftest.py) with an engine and a session;
both run once per backend, as ``database_url`` does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from afterbeep.store import create_engine_for, make_sessionmaker


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
