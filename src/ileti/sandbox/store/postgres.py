"""PostgreSQL for the store: its URLs, and a connection that makes psycopg answer the few DB-API calls
`SqlStore` makes on SQLite's connection (`execute`, `executemany`, a cursor's `fetchone`, `fetchall`,
`rowcount` and `lastrowid`).

    >>> is_postgres("postgresql://ileti:secret@db.internal/ileti")     # what `ileti serve --db` accepts
    True

`SqlStore` compiles its statements with SQLAlchemy's psycopg dialect and runs them here, in autocommit mode
with explicit `BEGIN`/`COMMIT` (its `_tx`), exactly as it runs them on SQLite. What only PostgreSQL needs
(row locks, advisory locks, `ON CONFLICT`) is decided in `sql.py` from the dialect; this module only connects.
psycopg prepares a statement on the server after a few executions, so the hot path runs prepared.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ileti.sandbox.store.pg_lane import PgLane

__all__ = [
    "SCHEMES",
    "DbConnection",
    "DbCursor",
    "PgConnection",
    "engine_url",
    "is_postgres",
    "libpq_url",
    "redacted",
]

SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
"""The URL forms `--db` takes for PostgreSQL (anything else is a SQLite file path)."""


def is_postgres(db: str) -> bool:
    return db.startswith(SCHEMES)


def redacted(db: str) -> str:
    """`db` fit to print: a PostgreSQL URL's password replaced by `***`."""
    if not is_postgres(db):
        return db
    scheme, _, rest = db.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not at or ":" not in credentials:
        return db
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{location}"


def libpq_url(db: str) -> str:
    """The URL for psycopg/libpq: `postgresql://…` (SQLAlchemy's `+psycopg` driver suffix removed)."""
    return "postgresql://" + db.split("://", 1)[1]


def engine_url(db: str) -> str:
    """The URL for SQLAlchemy (migrations): always the psycopg 3 driver."""
    return "postgresql+psycopg://" + db.split("://", 1)[1]


class DbCursor(Protocol):
    """What the store reads from a cursor: sqlite3's, or `PgCursor`."""

    @property
    def rowcount(self) -> int: ...
    @property
    def lastrowid(self) -> int | None: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class DbConnection(Protocol):
    """What the store calls on its connection: sqlite3's, or `PgConnection`."""

    def execute(self, sql: str, parameters: Any = ..., /) -> DbCursor: ...
    def executemany(self, sql: str, parameters: Any, /) -> Any: ...
    def close(self) -> None: ...


class PgCursor:
    """A psycopg cursor with sqlite3's `lastrowid`: the id the last INSERT took from its sequence."""

    __slots__ = ("_connection", "_cursor")

    def __init__(self, cursor: Any, connection: Any) -> None:
        self._cursor = cursor
        self._connection = connection

    @property
    def rowcount(self) -> int:
        count: int = self._cursor.rowcount
        return count

    @property
    def lastrowid(self) -> int | None:
        # read only right after an INSERT into a table with a serial id, as sqlite3's attribute is
        row = self._connection.execute("SELECT lastval()").fetchone()
        return None if row is None else int(row[0])

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        rows: list[Any] = self._cursor.fetchall()
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)


def _nul_safe_text(base: Any) -> Any:
    """A str dumper that writes U+FFFD for NUL, which PostgreSQL text cannot hold (SQLite stores it)."""
    from psycopg.adapt import Dumper

    class NulSafeText(Dumper):
        def __init__(self, cls: type, context: Any = None) -> None:
            super().__init__(cls, context)
            self._inner = base(cls, context)
            self.oid = self._inner.oid

        def dump(self, obj: str) -> Any:
            if "\x00" in obj:
                obj = obj.replace("\x00", "\ufffd")
            return self._inner.dump(obj)

    return NulSafeText


class PgConnection:
    """One psycopg connection in autocommit mode; the store writes `BEGIN`/`COMMIT` itself."""

    def __init__(self, db: str) -> None:
        import psycopg
        from psycopg.adapt import PyFormat

        self._db = db
        self._lanes: dict[str, PgLane] = {}
        self._connection = psycopg.connect(libpq_url(db), autocommit=True)
        adapters = self._connection.adapters
        adapters.register_dumper(str, _nul_safe_text(adapters.get_dumper(str, PyFormat.TEXT)))

    @property
    def raw(self) -> Any:
        """The psycopg connection itself (for its pipeline mode: `pg_orders`)."""
        return self._connection

    def execute(self, sql: str, parameters: Mapping[str, Any] | None = None, /) -> PgCursor:
        return PgCursor(self._connection.execute(sql, parameters), self._connection)

    def executemany(self, sql: str, parameters: Sequence[Mapping[str, Any]], /) -> None:
        if parameters:
            with self._connection.cursor() as cursor:
                cursor.executemany(sql, parameters)

    def lane(self, name: str) -> PgLane:
        """This database's connection with a thread of its own called `name` (`pg_lane`), opened on first
        use and closed with this connection."""
        lane = self._lanes.get(name)
        if lane is None:
            from ileti.sandbox.store.pg_lane import PgLane

            lane = self._lanes[name] = PgLane(self._db, name)
        return lane

    def close(self) -> None:
        for lane in self._lanes.values():
            lane.close()
        self._lanes.clear()
        self._connection.close()
