"""Persistence for the sandbox: one `SqlStore` (`sql`) split into rooms by concept over one `Database` (`db`),
the records it speaks (`records`), its tables (`tables`) and the alembic migrations that create and upgrade
the schema (`migrations/`). docs/internals.md has the map."""

from ileti.sandbox.store.records import Refusal, RefusalReason
from ileti.sandbox.store.sql import SqlStore, open_store

__all__ = ["Refusal", "RefusalReason", "SqlStore", "open_store"]
