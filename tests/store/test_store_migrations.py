"""Migrations: up, down and up again on both backends; models and migrations agree."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from afterbeep.errors import ConfigError, InvalidInput
from afterbeep.store import (
    Base,
    alembic_config,
    create_engine_for,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)

MODEL_TABLES = set(Base.metadata.tables)


def _tables(url: str) -> set[str]:
    engine = create_engine_for(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_then_downgrade_to_base_then_upgrade_again(empty_database_url: str) -> None:
    assert current_revision(empty_database_url) is None

    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()
    assert _tables(empty_database_url) == MODEL_TABLES | {"alembic_version"}

    downgrade(empty_database_url, "base")
    assert current_revision(empty_database_url) is None
    assert _tables(empty_database_url) <= {"alembic_version"}

    upgrade(empty_database_url)
    assert current_revision(empty_database_url) == head_revision()
    assert _tables(empty_database_url) == MODEL_TABLES | {"alembic_version"}


def test_upgrading_twice_changes_nothing(database_url: str) -> None:
    upgrade(database_url)
    assert current_revision(database_url) == head_revision()


def test_models_match_the_migrations(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert differences == [], "models and migrations differ; add a migration (docs/store.md)"


def test_migrations_form_one_line() -> None:
    # Two helpers adding a migration each from the same parent would leave two heads.
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == [head_revision()]
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None


def test_unknown_revision_is_invalid_input_naming_it(database_url: str) -> None:
    with pytest.raises(InvalidInput, match="no-such-rev") as caught:
        downgrade(database_url, "no-such-rev")
    assert caught.value.field == "revision"
    assert current_revision(database_url) == head_revision()


def test_fresh_sqlite_file_in_a_folder_that_does_not_exist_yet(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "afterbeep.db"
    upgrade(f"sqlite:///{path}")
    assert path.is_file()
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables >= MODEL_TABLES


def test_default_url_is_the_sqlite_file_in_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AFTERBEEP_DATABASE_URL", raising=False)
    monkeypatch.setenv("AFTERBEEP_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("AFTERBEEP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    upgrade()
    assert (tmp_path / "data" / "afterbeep.db").is_file()
    assert current_revision() == head_revision()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()


def test_sqlite_folder_that_cannot_be_made_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot create the folder"):
        create_engine_for(f"sqlite:///{blocker / 'store.db'}")


def test_malformed_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a SQLAlchemy URL"):
        create_engine_for("not a url")


def test_unknown_backend_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot use database URL"):
        create_engine_for("nosuchdb://host/db")
