"""Persistence for the sandbox: the `Store` protocol (`base`), its tables (`tables`), the one SQLAlchemy Core
implementation (`sql`) and the alembic migrations that create and upgrade the schema (`migrations/`)."""

from ileti.sandbox.store.base import Refusal, Store
from ileti.sandbox.store.sql import SqlStore, open_store

__all__ = ["Refusal", "SqlStore", "Store", "open_store"]
