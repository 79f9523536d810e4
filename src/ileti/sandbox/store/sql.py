"""The store: one `SqlStore` on SQLite or PostgreSQL, a facade of rooms split by concept over one `Database`.

| room | module | what |
|---|---|---|
| `store.db` | `db.py` | the connection, statement runner, transactions, lock order, open and migrate |
| `store.accounts` | `accounts.py` | accounts, the account cache, every blacklist query and write |
| `store.orders` | `orders.py` | placing orders (451 and the 402 charge), cancel, one order, report rows |
| `store.settlement` | `settlement.py` | the carrier's pass over due messages, the carrier rules |
| `store.outbox` | `outbox.py` | webhook events: queueing, claiming, attempts |
| `store.contacts` | `contacts.py` | groups, contacts, custom fields |
| `store.consents` | `consents.py` | İYS consents and state |

The lists the inbox and the control API show are in `views.py`, the records every room speaks in `records.py`,
the arithmetic of billing in `world/billing.py`. What is left here is the store as a whole: the clock row,
`meta`, emptiness, reset and the lifecycle.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from sqlalchemy import delete, insert, select

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.accounts import Accounts
from ileti.sandbox.store.consents import Consents
from ileti.sandbox.store.contacts import Contacts
from ileti.sandbox.store.db import Database, open_database
from ileti.sandbox.store.orders import Orders
from ileti.sandbox.store.outbox import Outbox
from ileti.sandbox.store.settlement import Settlement
from ileti.sandbox.world.clock import ClockState

__all__ = ["SqlStore", "open_store"]


def open_store(path: str, *, synchronous: str = "NORMAL", background_checkpoints: bool = False) -> SqlStore:
    """Open (creating and migrating if needed) the store: a SQLite file `path`, or a `postgresql://` URL
    (`db.open_database`)."""
    return SqlStore(
        open_database(path, synchronous=synchronous, background_checkpoints=background_checkpoints)
    )


class SqlStore:
    """The sandbox's persistence: its rooms (see the module doc) and what belongs to the store as a whole."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.accounts = Accounts(db)
        self.outbox = Outbox(db)
        self.orders = Orders(db, self.accounts, self.outbox)
        self.settlement = Settlement(db, self.accounts, self.orders, self.outbox)
        self.contacts = Contacts(db)
        self.consents = Consents(db)

    @property
    def postgres(self) -> bool:
        return self.db.postgres

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Several store calls as one transaction (the seed file): all of them are committed, or, when the
        block raises, none. The calls' own transactions join it."""
        with self.db.transaction():
            yield

    # ------------------------------------------------------------------------------------------ clock, meta

    def clock_state(self) -> ClockState:
        row = self.db.execute(
            select(t.clock.c.mode, t.clock.c.offset, t.clock.c.frozen_at).where(t.clock.c.id == 1)
        )
        found = row.fetchone()
        return ClockState() if found is None else ClockState(found[0], found[1], found[2])

    def set_clock_state(self, state: ClockState) -> None:
        with self.db.transaction():
            self.db.execute(delete(t.clock))
            self.db.execute(
                insert(t.clock).values(id=1, mode=state.mode, offset=state.offset, frozen_at=state.frozen_at)
            )

    def get_meta(self, name: str) -> str | None:
        row = self.db.execute(select(t.meta.c.value).where(t.meta.c.name == name)).fetchone()
        return None if row is None else cast(str, row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self.db.transaction():
            self.db.execute(delete(t.meta).where(t.meta.c.name == name))
            self.db.execute(insert(t.meta).values(name=name, value=value))

    # ------------------------------------------------------------------------------------------ lifecycle

    def is_empty(self) -> bool:
        return (
            self.db.execute(select(t.accounts.c.key).limit(1)).fetchone() is None
            and self.db.execute(select(t.orders.c.id).limit(1)).fetchone() is None
        )

    def reset(self) -> None:
        """Delete every row except `meta` (which remembers the demo account's credentials)."""
        with self.db.transaction():
            self.db.lock_accounts(None)
            for table in t.metadata.sorted_tables:
                if table is not t.meta:
                    self.db.execute(delete(table))

    def ping(self) -> bool:
        return self.db.ping()

    def close(self) -> None:
        self.db.close()
