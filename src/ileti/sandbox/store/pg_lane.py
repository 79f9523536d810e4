"""A PostgreSQL connection with a thread of its own, so that its round trips do not block the event loop.

The store's own connection is synchronous: while it waits for the server, the worker's event loop waits
too, no request is read and no batch grows. A lane is a second connection to the same database, used only
from its one thread: `await lane.run(work)` runs `work(connection)` there and lets the loop go on meanwhile
(psycopg releases the GIL while it waits for the server). The send-sms group commit (`group_commit.py`) and
the shared-state read before each request (`shared.py`) each have one.

What runs on a lane is a transaction that finishes without the event loop: it cannot wait for a lock held
by the store's connection, which the loop blocks on, forever (the loop's transactions never wait for the
lane: the lane does not need the loop to commit).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ileti.sandbox.store.db import Database

__all__ = ["PgLane", "lane_of"]

T = TypeVar("T")


class PgLane:
    """One connection (opened on first use, reopened after it broke) and the one thread that uses it."""

    def __init__(self, db: str, name: str) -> None:
        self._db = db
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"ileti-pg-{name}")
        self._connection: Any = None  # a `PgConnection`, touched only by the lane's thread
        self._lock = threading.Lock()

    async def run(self, work: Callable[[Any], T]) -> T:
        """`work(psycopg_connection)` on the lane's thread (autocommit; `work` writes its own `BEGIN`)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._call, work)

    def _call(self, work: Callable[[Any], T]) -> T:
        from ileti.sandbox.store.postgres import PgConnection

        with self._lock:
            if self._connection is None or self._connection.raw.closed:
                self._connection = PgConnection(self._db)
            connection = self._connection
        return work(connection.raw)

    def close(self) -> None:
        """Wait for the work under way, then close the connection."""
        self._executor.shutdown(wait=True)
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def lane_of(db: Database, name: str) -> PgLane | None:
    """The database's lane called `name` on PostgreSQL (opened on first use, closed with the database);
    None on SQLite, whose statements cost the CPU they take and have nothing to wait for off the loop."""
    if not db.postgres:
        return None
    from ileti.sandbox.store.postgres import PgConnection

    connection = db.connection
    assert isinstance(connection, PgConnection)
    return connection.lane(name)
