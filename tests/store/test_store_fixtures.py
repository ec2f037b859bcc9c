"""The test-database helpers themselves: PostgreSQL absence skips, or fails on CI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from _databases import postgres_unavailable_reason, skip_or_fail_without_postgres
from afterbeep.errors import ConfigError
from afterbeep.store import current_revision, upgrade

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


def test_an_unreachable_server_is_reported_with_its_address() -> None:
    reason = postgres_unavailable_reason(make_url(UNREACHABLE))
    assert reason is not None
    assert "127.0.0.1:1" in reason


def test_without_postgres_tests_skip_locally_and_fail_on_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="not reachable"):
        skip_or_fail_without_postgres("PostgreSQL is not reachable")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        skip_or_fail_without_postgres("PostgreSQL is not reachable")


def test_an_unreachable_database_is_a_config_error_naming_it_without_password() -> None:
    url = "postgresql+psycopg://postgres:hunter2@127.0.0.1:1/nothing"
    with pytest.raises(ConfigError, match=re.escape("127.0.0.1:1/nothing")) as caught:
        upgrade(url)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ConfigError, match="cannot read database"):
        current_revision(url)


def test_reading_the_revision_of_a_missing_sqlite_file_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "store.db"
    assert current_revision(f"sqlite:///{path}") is None
    assert not path.parent.exists()
