"""The schema the migrations build is exactly the one `tables.py` describes, on both stores.

`tables.py` is what every statement is compiled from, and the migrations are what a real store runs; a column
added to one and forgotten in the other would only show up as a failing statement at run time.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from ileti.sandbox.store import tables
from ileti.sandbox.store.db import migrate
from ileti.sandbox.store.postgres import engine_url


def _engine(store_db: str) -> sqlalchemy.Engine:
    if store_db.startswith("postgresql://"):
        return sqlalchemy.create_engine(engine_url(store_db))
    return sqlalchemy.create_engine(f"sqlite:///{store_db}")


def _differences(engine: sqlalchemy.Engine) -> list[Any]:
    # Types are compared on SQLite only: on PostgreSQL, migration 0003 deliberately widens tables.py's
    # VARCHAR(n) and INTEGER columns to TEXT and BIGINT (see its docstring); tables, columns, nullability
    # and indexes are compared on both.
    compare_type = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": compare_type})
        return list(compare_metadata(context, tables.metadata))


def test_migrated_schema_equals_tables(store_db: str) -> None:
    engine = _engine(store_db)
    try:
        migrate(engine)
        differences = _differences(engine)
    finally:
        engine.dispose()
    assert differences == [], f"the migrations and tables.py disagree: {differences}"


def test_the_comparison_sees_a_missing_table(store_db: str) -> None:
    engine = _engine(store_db)
    try:
        migrate(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE carrier_rules")
        differences = _differences(engine)
    finally:
        engine.dispose()
    assert [d for d in differences if d[0] == "add_table" and d[1].name == "carrier_rules"]
