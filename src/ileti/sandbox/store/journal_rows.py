"""The request journal's SQL (`sandbox/journal.py` holds the logic). Like `views.py` and `shared.py`, it runs
on the store's own connection and statement runner.

One row of `journal` holds a batch of entries (all the calls a worker answered since its last flush) as a
JSON array: one insert per batch rather than per call keeps the journal's cost to a send-sms small
(docs/benchmarks.md). Entry ids come from one counter in `meta` (`journal_last_id`), taken in the same
transaction as the insert (`UPDATE … RETURNING`, which also serialises the workers of a shared store), so ids
are consecutive across workers, never reused (a reset or `DELETE /_sandbox/requests` leaves the counter), and
the newest `keep` entries are exactly those with an id above `last_id - keep`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from sqlalchemy import BigInteger, Text, bindparam, cast, delete, insert, select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.sql import SqlStore

__all__ = ["LAST_ID_META", "JournalRows"]

LAST_ID_META = "journal_last_id"  # created by migration 0005


class JournalRows:
    """The `journal` table of one store: batches of encoded entries."""

    def __init__(self, store: SqlStore) -> None:
        j, m = t.journal, t.meta
        self._store = store
        c = store.db.compile
        self._sql_take_ids = c(
            update(m)
            .where(m.c.name == LAST_ID_META)
            .values(value=cast(cast(m.c.value, BigInteger) + bindparam("n"), Text))
            .returning(m.c.value)
        )
        self._sql_insert = c(
            insert(j).values(
                first_id=bindparam("first_id"), count=bindparam("count"), entries=bindparam("entries")
            )
        )
        self._sql_last_id = c(select(m.c.value).where(m.c.name == LAST_ID_META))
        self._sql_prune = c(delete(j).where(j.c.first_id + j.c.count <= bindparam("floor") + 1))
        self._sql_newest = c(
            select(j.c.first_id, j.c.count, j.c.entries)
            .where(j.c.first_id + j.c.count > bindparam("floor") + 1)
            .order_by(j.c.first_id.desc())
        )

    def insert(self, entries: Sequence[bytes]) -> int:
        """Store one batch of encoded entries (each a JSON array); the id of its last entry."""
        store = self._store
        with store.db.transaction(accounts=False):
            last = int(store.db.run(self._sql_take_ids, {"n": len(entries)}).fetchone()[0])
            first = last - len(entries) + 1
            store.db.run(
                self._sql_insert,
                {
                    "first_id": first,
                    "count": len(entries),
                    "entries": (b"[" + b",".join(entries) + b"]").decode(),
                },
            )
        return last

    def last_id(self) -> int:
        row = self._store.db.run(self._sql_last_id).fetchone()
        return 0 if row is None else int(row[0])

    def prune(self, keep: int) -> None:
        """Delete the batches whose entries are all older than the newest `keep`."""
        store = self._store
        with store.db.transaction(accounts=False):
            last = int(store.db.run(self._sql_last_id).fetchone()[0])
            store.db.run(self._sql_prune, {"floor": last - keep})

    def clear(self) -> int:
        """Delete every batch; how many entries went."""
        store = self._store
        j = t.journal
        with store.db.transaction(accounts=False):
            row = store.db.execute(select(j.c.count)).fetchall()
            store.db.execute(delete(j))
        return sum(count for (count,) in row)

    def newest(self, keep: int) -> Iterator[tuple[int, list[Any]]]:
        """(id, entry) of the newest `keep` entries, newest first, decoding one batch at a time."""
        floor = self.last_id() - keep
        for first_id, _count, entries in self._store.db.run(self._sql_newest, {"floor": floor}).fetchall():
            batch = orjson.loads(entries)
            for index in range(len(batch) - 1, -1, -1):
                entry_id = first_id + index
                if entry_id <= floor:
                    break
                yield entry_id, batch[index]
