"""The store's database: the one connection, the public statement runner every room of the store uses, the
transaction and lock order, and opening and migrating a SQLite file or a PostgreSQL database.

Statements are built with SQLAlchemy Core from `tables.py` and compiled once per dialect (`compile`); they
then run on the DB-API connection directly (`run`, `many`). That keeps the per-request cost of a send at a few
microseconds per statement (SQLAlchemy's `Connection.execute` adds tens), which 3,000 sends/s needs. A
statement off the hot paths is compiled and run in one call (`execute`). Everything dialect-specific (pragmas,
`BEGIN IMMEDIATE`, row and advisory locks, `ON CONFLICT`) is decided here from `postgres`.

The database is used from one event loop thread: each transaction is synchronous and short, so there is no
thread hop per request and no interleaving inside a transaction. With WAL and `synchronous=NORMAL` a committed
transaction survives a process crash (kill -9); `FULL` also survives a power cut (`sqlite_synchronous`).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, cast

from sqlalchemy import ClauseElement, Engine, Numeric, Table, create_engine, func, select
from sqlalchemy import cast as sql_cast
from sqlalchemy import event as sa_event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import BindTyping
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import Insert

from ileti.sandbox.store import schema
from ileti.sandbox.store import tables as t
from ileti.sandbox.store.postgres import DbConnection, DbCursor, PgConnection, engine_url, is_postgres

__all__ = ["Database", "Sql", "WalCheckpointer", "migrate", "open_database"]

log = logging.getLogger("ileti.sandbox.store")

MIGRATIONS = Path(__file__).with_name("migrations")
_WAL_SAFETY_PAGES = 50_000  # with background checkpoints, a commit checkpoints only past this (about 200 MB)
_MIGRATION_LOCK = 7_110_001  # PostgreSQL advisory lock key: one migration at a time


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (idempotent).

    A store already at the newest revision, or a new SQLite file, gets there without alembic (`schema.py`:
    importing alembic and migrating is most of a start-up, docs/benchmarks.md).
    """
    if schema.at_head(engine):
        return
    database = engine.url.database
    new_file = engine.dialect.name == "sqlite" and database not in (None, "", ":memory:")
    if new_file and schema.create_new_sqlite(str(database)):
        return
    upgrade(engine)


def upgrade(engine: Engine) -> None:
    """Run alembic's migrations up to the newest (on PostgreSQL under an advisory lock)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # workers and machines starting together on one database: one migrates, the others wait
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(
    path: str, *, synchronous: str = "NORMAL", background_checkpoints: bool = False
) -> Database:
    """Open (creating and migrating if needed) a SQLite file `path`, or a `postgresql://` URL.

    `background_checkpoints` (SQLite; what a long-running server wants): copy the write-ahead log back into
    the database file from a thread of its own (`WalCheckpointer`) instead of inside every thousandth commit.
    """
    if is_postgres(path):
        pg_engine = create_engine(engine_url(path), poolclass=NullPool)
        migrate(pg_engine)
        pg_engine.dispose()
        # statements are compiled without `%(id)s::INTEGER` casts: psycopg sends each value with its own type,
        # so an id from the wire too large for its column finds no row instead of failing the cast (a 503)
        compiler = create_engine(engine_url(path), poolclass=NullPool)
        compiler.dialect.bind_typing = BindTyping.NONE
        return Database(PgConnection(path), compiler)
    engine = create_engine(f"sqlite:///{path}", paramstyle="named")

    @sa_event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=5000")

    migrate(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA synchronous={'FULL' if synchronous == 'FULL' else 'NORMAL'}")
    connection.execute("PRAGMA busy_timeout=5000")
    checkpointer = None
    if background_checkpoints:
        # the commits themselves then checkpoint only if the thread falls far behind (a safety net)
        connection.execute(f"PRAGMA wal_autocheckpoint={_WAL_SAFETY_PAGES}")
        checkpointer = WalCheckpointer(path)
    return Database(connection, engine, checkpointer)


class WalCheckpointer:
    """Checkpoints a SQLite database in WAL mode from a thread, every `interval` seconds.

    By default the commit that takes the write-ahead log past 1,000 pages copies them into the database file
    and syncs it, on the event loop: a stall of milliseconds every few hundred orders, and about a tenth of
    a send's time in all. A PASSIVE checkpoint on a connection of its own does the same work beside the
    writer (SQLite releases the GIL while it runs), and the writer starts the log over once it has been
    copied. Durability is unchanged: a commit is durable in the log already (`synchronous`).
    """

    def __init__(self, path: str, interval: float = 0.1) -> None:
        self._connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ileti-wal-checkpoint", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # busy or gone for a moment: the next pass (or the safety net) catches up
                log.warning("WAL checkpoint failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._connection.close()


class Sql(NamedTuple):
    """A compiled statement: its SQL text and the values of the constants it binds (LIMIT 1 …)."""

    text: str
    defaults: dict[str, Any]


class Database:
    """One DB-API connection (sqlite3's, or `PgConnection`) with the statement runner and the transactions."""

    def __init__(
        self, connection: DbConnection, engine: Engine, checkpointer: WalCheckpointer | None = None
    ) -> None:
        self.connection = connection
        self._in_tx = False
        self._checkpointer = checkpointer
        self._dialect = engine.dialect
        self.postgres = engine.dialect.name == "postgresql"
        # SQLite: IMMEDIATE takes the one write lock up front. PostgreSQL: row locks (`FOR UPDATE` on the
        # account in `Orders.place`) and advisory locks serialise what must be serial; the rest is parallel
        self._begin = "BEGIN" if self.postgres else "BEGIN IMMEDIATE"
        # called when a transaction that may have changed an account or a blacklist ends (`Accounts`' cache)
        self.accounts_changed: Callable[[], None] = lambda: None

    # ------------------------------------------------------------------------------------------ statements

    def compile(self, statement: ClauseElement) -> Sql:
        """Compile once for this dialect; run the result with `run` or `many`, as often as needed."""
        compiled = cast(
            SQLCompiler, statement.compile(dialect=self._dialect, compile_kwargs={"render_postcompile": True})
        )
        # constants (LIMIT 1, literal values) become defaults; named `bindparam`s are the caller's to fill
        named = {bind.key for bind in compiled.binds.values() if not bind.unique}
        defaults = {name: value for name, value in compiled.params.items() if name not in named}
        return Sql(str(compiled), defaults)

    def run(self, sql: Sql, params: Mapping[str, Any] | None = None) -> DbCursor:
        values = {**sql.defaults, **params} if params is not None else sql.defaults
        return self.connection.execute(sql.text, values)

    def many(self, sql: Sql, rows: Sequence[Mapping[str, Any]]) -> None:
        if sql.defaults:
            rows = [{**sql.defaults, **row} for row in rows]
        self.connection.executemany(sql.text, rows)

    def execute(self, statement: ClauseElement, params: Mapping[str, Any] | None = None) -> DbCursor:
        """Compile and run a statement that is not on a hot path."""
        return self.run(self.compile(statement), params)

    def round6(self, value: Any) -> Any:
        """`round(value, 6)` in SQL (PostgreSQL rounds only numeric to a number of places, not double)."""
        return func.round(sql_cast(value, Numeric) if self.postgres else value, 6)

    def insert_ignore(self, table: Table) -> Insert:
        """`INSERT … ON CONFLICT DO NOTHING` in this dialect."""
        dialect_insert = postgresql.insert if self.postgres else sqlite.insert
        return dialect_insert(table).on_conflict_do_nothing()

    def advisory_lock(self, key: int) -> None:
        """PostgreSQL: hold the advisory lock `key` until the transaction ends (nothing on SQLite, whose write
        lock is held already)."""
        if self.postgres:
            self.connection.execute(f"SELECT pg_advisory_xact_lock({int(key)})")

    # ------------------------------------------------------------------------------------------ transactions

    @property
    def in_transaction(self) -> bool:
        return self._in_tx

    @contextmanager
    def transaction(self, *, accounts: bool = True) -> Iterator[None]:
        """One transaction; a transaction opened inside it joins it (the outer one commits or rolls back).

        Unless the caller says it changes no account field but the balance (`accounts=False`: orders,
        settlement, webhooks), the account cache is emptied when it ends (`accounts_changed`).
        """
        if self._in_tx:
            yield
            return
        # SQLite: IMMEDIATE takes the write lock up front, so checks and writes see one consistent state
        self.connection.execute(self._begin)
        self._in_tx = True
        try:
            yield
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        finally:
            self._in_tx = False
            if accounts:
                self.accounts_changed()
        self.connection.execute("COMMIT")

    def lock_accounts(self, keys: Iterable[str] | None) -> None:
        """PostgreSQL: lock these accounts' rows (None: every account) in key order, first thing in a
        transaction that changes more than one account or an account and its orders.

        The lock order of the store: every transaction that touches account rows takes them this way before
        any other row lock, so two transactions never wait for each other in a circle (a send batch against
        the carrier's refunds, a cancel, an account's deletion or a reset). SQLite needs nothing: its write
        lock, taken by `BEGIN IMMEDIATE`, already serialises every writing transaction.
        """
        if not self.postgres:
            return
        a = t.accounts
        query = select(a.c.key).order_by(a.c.key).with_for_update()
        if keys is not None:
            wanted = sorted(set(keys))
            if not wanted:
                return
            query = query.where(a.c.key.in_(wanted))
        self.execute(query).fetchall()

    # ------------------------------------------------------------------------------------------ lifecycle

    def data_version(self) -> int:
        """SQLite's `PRAGMA data_version`: changes whenever another connection commits."""
        return cast(int, self.connection.execute("PRAGMA data_version").fetchone()[0])

    def ping(self) -> bool:
        return bool(self.connection.execute("SELECT 1").fetchone() == (1,))

    def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.connection.close()
