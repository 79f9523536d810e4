"""The quick ways to the newest schema (`store/schema.py`) build exactly what the migrations build, and a
start of the sandbox imports neither alembic nor aiohttp unless it needs them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from ileti.sandbox.store import schema
from ileti.sandbox.store.db import MIGRATIONS, migrate


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _dump(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump()) + "\n"
    finally:
        connection.close()


def _migrate(path: Path) -> None:
    engine = create_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
    finally:
        engine.dispose()


def test_schema_head_is_the_newest_migration() -> None:
    assert ScriptDirectory.from_config(_config()).get_heads() == [schema.SCHEMA_HEAD]


def test_the_snapshot_is_what_the_migrations_build() -> None:
    assert schema.SNAPSHOT.read_text() == schema.migrated_sqlite_dump(), (
        "sqlite_schema.sql is stale: regenerate it with schema.write_snapshot()"
    )


def test_a_new_file_gets_the_migrated_schema_without_alembic(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    _migrate(db)
    assert _dump(db) == schema.migrated_sqlite_dump()
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        version = connection.execute("SELECT value FROM meta WHERE name = 'accounts_version'").fetchone()
        assert version == ("0",)


def test_an_older_store_is_still_upgraded_by_the_migrations(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0003")
        with engine.begin() as connection:
            connection.exec_driver_sql("INSERT INTO meta (name, value) VALUES ('kept', 'yes')")
        assert not schema.at_head(engine)
        migrate(engine)
        assert schema.at_head(engine)
    finally:
        engine.dispose()
    with sqlite3.connect(db) as connection:
        triggers = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone()
        assert triggers == (6,)  # migration 0004's
        assert connection.execute("SELECT value FROM meta WHERE name = 'kept'").fetchone() == ("yes",)


def test_the_snapshot_is_not_applied_to_a_file_that_has_tables(tmp_path: Path) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE mine (x INTEGER)")
    assert schema.create_new_sqlite(str(db)) is False
    with sqlite3.connect(db) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    assert names == ["mine"]


def test_a_start_imports_neither_alembic_nor_aiohttp(tmp_path: Path) -> None:
    script = """
import sys
from ileti.sandbox.app import open_services, prepare
from ileti.sandbox.serving import serve
from ileti.sandbox.settings import Settings
settings = Settings.from_env({"db": sys.argv[1]})
assert (prepare(settings) is not None) == (sys.argv[2] == "new")  # the demo account of a new store
open_services(settings).store.close()
loaded = sorted({name.split(".")[0] for name in sys.modules} & {"alembic", "aiohttp"})
assert not loaded, loaded
"""
    for state in ("new", "up to date"):
        result = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path / "s.db"), state],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
