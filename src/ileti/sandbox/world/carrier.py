"""The carrier simulation (DESIGN.md, OQ-27): which outcome a message gets, and the loop that settles them.

A message accepted at 110 becomes due `settle_delay` seconds of sandbox time after its send time. When it is
settled, a per-number rule set through `PUT /_sandbox/carrier/rules` wins; otherwise the magic numbers decide:

| number ends in | outcome |
|---|---|
| `0001` | 112, undelivered (refunded, OQ-16) |
| `0002` | never settles: stays 110, so its order stays 113 |
| anything else | 111, delivered |

Orders follow from their messages: 113 while any is 110, then 114 (§5); 115 only through cancel.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping

from ileti.sandbox.store.records import CarrierOutcome
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.clock import Clock

__all__ = ["MAGIC_NEVER", "MAGIC_UNDELIVERED", "OUTCOMES", "Carrier", "outcome"]

log = logging.getLogger("ileti.sandbox.world.carrier")

BACKGROUND_BATCH = 100
"""Rows the background loop settles per transaction, between which requests run: about 0.4 ms of work. A
request arriving mid-batch waits for the batch; at 500 rows (about 2 ms) that wait was most of a 1,000-row
get-report page's time while the carrier settled, and smaller batches settle no slower
(docs/benchmarks.md)."""

MAGIC_UNDELIVERED = "0001"
MAGIC_NEVER = "0002"
OUTCOMES: tuple[CarrierOutcome, ...] = ("delivered", "undelivered", "never")


def outcome(number: str, rules: Mapping[str, CarrierOutcome]) -> CarrierOutcome:
    """The fate of a message to `number` (normalised): a per-number rule, else the magic suffixes."""
    rule = rules.get(number)
    if rule is not None:
        return rule
    if number.endswith(MAGIC_UNDELIVERED):
        return "undelivered"
    if number.endswith(MAGIC_NEVER):
        return "never"
    return "delivered"


class Carrier:
    """Settles due messages: on demand (`settle`) and from a background loop every `tick` seconds."""

    def __init__(
        self,
        store: SqlStore,
        clock: Clock,
        settle_delay: float,
        tick: float,
        on_events: Callable[[], None],
        shared: bool = False,
    ) -> None:
        self._store = store
        self._clock = clock
        self._shared = shared  # other processes share the store and may move its clock (shared_state.py)
        self._delay = settle_delay
        self._tick = tick
        self._on_events = on_events

    def settle(self, *, respect_delay: bool, max_batches: int | None = None) -> int:
        """Settle messages whose send time has come; with `respect_delay`, only those past `settle_delay`.

        The control API's settle ignores the delay (tests need no waiting); the background loop respects it
        and settles in small batches (`max_batches`), yielding to requests in between.
        """
        if self._shared:
            self._clock.load(self._store.clock_state())
        now = self._clock.now()
        due_by = now if respect_delay else now + self._delay
        if max_batches is None:
            settled = self._store.settlement.settle(now=now, due_by=due_by, decide=outcome)
        else:
            settled = self._store.settlement.settle(
                now=now, due_by=due_by, decide=outcome, batch_size=BACKGROUND_BATCH, max_batches=max_batches
            )
        if settled:
            self._on_events()
        return settled

    async def run(self) -> None:
        """The background loop: a pass every `tick` seconds until cancelled; a failing pass is logged."""
        while True:
            await asyncio.sleep(self._tick)
            try:
                # a batch at a time, yielding between them: settling a 50,000-message order in one go would
                # hold up every request for a second (the store call is synchronous on the event loop)
                while self.settle(respect_delay=True, max_batches=1):
                    await asyncio.sleep(0)
            except Exception:  # a background worker logs and carries on (STYLE: errors)
                log.exception("carrier pass failed")
