"""Engines and sessions: commit on success, roll back on error, passwords never printed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from afterbeep.store import Team, display_url, session_scope


def _team_names(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(sa.select(Team.name).order_by(Team.name)))


def test_session_scope_commits_when_the_block_ends(engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(Team(name="West"))
    assert _team_names(engine) == ["West"]


def test_session_scope_rolls_back_on_an_exception(engine: Engine) -> None:
    def add_then_fail() -> None:
        with session_scope(engine) as session:
            session.add(Team(name="West"))
            session.flush()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        add_then_fail()
    assert _team_names(engine) == []


def test_display_url_hides_the_password() -> None:
    shown = display_url("postgresql+psycopg://afterbeep:s3cret@db.internal:5432/afterbeep")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://afterbeep:***@db.internal:5432/afterbeep"
