"""The two quick ways `db.migrate` brings a store to the newest schema without alembic (start-up time).

- A store already at the newest revision (`SCHEMA_HEAD`) needs nothing: `at_head` reads `alembic_version`
  with one query.
- A new SQLite file gets `sqlite_schema.sql`: the dump (`sqlite3.Connection.iterdump`) of a file the
  migrations have just built, so the same statements alembic ran, its `alembic_version` row and the rows the
  migrations insert. It runs in one `BEGIN IMMEDIATE` transaction, only on a file with no table at all.

Everything else (PostgreSQL, an older store) goes through alembic. Importing alembic and running the
migrations on a new file takes a few tenths of a second, more than the rest of `ileti serve`'s start
(docs/benchmarks.md). tests/sandbox/store/test_startup.py checks that the snapshot is exactly what the
migrations build; after adding a migration, set `SCHEMA_HEAD` and regenerate the snapshot:

    python -c "from ileti.sandbox.store import schema; schema.write_snapshot()"
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError

__all__ = [
    "SCHEMA_HEAD",
    "SNAPSHOT",
    "at_head",
    "create_new_sqlite",
    "migrated_sqlite_dump",
    "statements",
    "write_snapshot",
]

SCHEMA_HEAD = "0006"
"""The newest migration's revision."""

SNAPSHOT = Path(__file__).with_name("sqlite_schema.sql")


def at_head(engine: Engine) -> bool:
    """Whether the store's schema is already the newest one."""
    try:
        with engine.connect() as connection:
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    except DBAPIError:  # no such table: a new store
        return False
    return list(versions) == [SCHEMA_HEAD]


def statements(script: str) -> list[str]:
    """The complete SQL statements of `script`, one per item (a trigger's body stays with its trigger)."""
    found: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"an incomplete statement at the end: {pending[:80]!r}")
    return found


def create_new_sqlite(path: str) -> bool:
    """Build the newest schema from the snapshot if the SQLite file `path` has no table yet; whether it did.

    The write lock is taken before looking, so of two processes creating one file, one builds it and the
    other finds it built.
    """
    body = [s for s in statements(SNAPSHOT.read_text()) if s not in ("BEGIN TRANSACTION;", "COMMIT;")]
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA busy_timeout=5000")
        connection.execute("PRAGMA journal_mode=WAL")  # as the migrations' engine sets it, before any table
        connection.execute("BEGIN IMMEDIATE")
        try:
            if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                connection.rollback()
                return False
            for statement in body:
                connection.execute(statement)
            connection.commit()
        except BaseException:
            if connection.in_transaction:
                connection.rollback()
            raise
        return True
    finally:
        connection.close()


def migrated_sqlite_dump() -> str:
    """The dump of a new SQLite file after alembic's migrations: what `sqlite_schema.sql` must hold."""
    from ileti.sandbox.store.db import upgrade

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "schema.db"
        engine = create_engine(f"sqlite:///{path}")
        try:
            with engine.connect() as setup:
                setup.exec_driver_sql("PRAGMA journal_mode=WAL")
            upgrade(engine)
        finally:
            engine.dispose()
        connection = sqlite3.connect(path)
        try:
            return "\n".join(connection.iterdump()) + "\n"
        finally:
            connection.close()


def write_snapshot() -> None:
    """Regenerate `sqlite_schema.sql` after adding a migration."""
    SNAPSHOT.write_text(migrated_sqlite_dump())
