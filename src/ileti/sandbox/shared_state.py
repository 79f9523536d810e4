"""Several workers over one store (`ileti serve --workers N`, or several machines on one PostgreSQL database).

Everything a worker decides from is in the store, except two things each process would otherwise keep for
itself: the clock (a copy of the store's clock row, `clock.py`) and the fault rules (`faults.py`). When the
store is shared, the fault rules live in the store too (`SharedFaults`), and `SharedState` reads the clock row
and the rules (one statement, `store/shared.py`) before every request, as the carrier does before every pass.
So a clock moved or a fault injected through any worker holds for all of them, and a counted fault is used up
once in total. Row locks, advisory locks and leases in `store/` make each message settle once and each
webhook job go out from one worker.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from ileti.sandbox.api.faults import FaultRule, Faults, choose, rule_from_dict
from ileti.sandbox.settings import Settings
from ileti.sandbox.store import shared
from ileti.sandbox.store.postgres import is_postgres
from ileti.sandbox.store.sql import SqlStore

__all__ = ["SharedFaults", "SharedState", "is_shared"]


def is_shared(settings: Settings) -> bool:
    """Whether other processes may use this store too: several workers, or PostgreSQL (other machines)."""
    return settings.workers > 1 or is_postgres(settings.db)


class SharedFaults(Faults):
    """Fault rules kept in the store: set through any worker, seen by all, counted uses taken atomically."""

    def __init__(self, store: SqlStore) -> None:
        super().__init__()
        self._store = store

    def load(self, raw: str | None) -> None:
        """Adopt the rules read from the store (`SharedState`, before each request)."""
        self._rules = [] if raw is None else [rule_from_dict(rule) for rule in orjson.loads(raw)]

    def replace(self, body: Any) -> None:
        super().replace(body)
        shared.save_faults(self._store, [rule.as_dict() for rule in self._rules])

    def clear(self) -> None:
        super().clear()
        shared.save_faults(self._store, [])

    def take(self, endpoint: str) -> FaultRule | None:
        # the common case reads nothing more: no rule here matches this endpoint
        matching = [rule for rule in self._rules if rule.matches(endpoint)]
        if not matching:
            return None
        if all(rule.times is None for rule in matching):
            # nothing to use up: the rules read before this request decide, without a transaction
            index = choose(matching, endpoint, self._rng.random)
            return None if index is None else matching[index]
        taken = shared.take_fault(self._store, endpoint, self._rng.random)
        return None if taken is None else rule_from_dict(taken)

    def refresh(self) -> None:
        self.load(self._store.get_meta(shared.FAULTS_META))


class SharedState:
    """ASGI middleware: before each HTTP request, adopt the clock and the fault rules the store holds."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._reader: shared.SharedReader | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            services = getattr(scope["app"].state, "services", None)
            if services is not None and services.ready:
                if self._reader is None:
                    self._reader = shared.SharedReader(services.store)
                clock, faults = await self._reader.read_soon()
                services.clock.load(clock)
                if isinstance(services.faults, SharedFaults):
                    services.faults.load(faults)
        await self.app(scope, receive, send)
