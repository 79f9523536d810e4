"""Group commit for send-sms: many concurrent orders, one SQLite transaction.

A commit writes every page the transaction touched to the WAL (orders, texts, messages, their indexes, the
account row), so one order per commit costs most of a send's time. Requests that arrive together instead
queue their order here; a flush scheduled with `call_soon` runs after every request that is ready in this
loop iteration has queued its own, places the whole batch in one transaction (`SqlStore.place_orders`), and
only then resolves each request's future. A 200 is still only sent after its order is committed.
"""

from __future__ import annotations

import asyncio

from ileti.sandbox.store.records import NewOrder, PlaceOrder, Refusal
from ileti.sandbox.store.sql import SqlStore

__all__ = ["GroupCommit"]

_MAX_BATCH = 256  # bounds the time one flush holds the event loop


class GroupCommit:
    """`await place(...)` returns the order id or raises `Refusal`, like `SqlStore.place_order`."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._pending: list[tuple[PlaceOrder, asyncio.Future[int]]] = []
        self._scheduled = False

    async def place(
        self, order: NewOrder, *, now: float, duplicate_since: float, settle_delay: float, part_price: float
    ) -> int:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append((PlaceOrder(order, now, duplicate_since, settle_delay, part_price), future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        self._scheduled = False
        while self._pending:
            batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
            try:
                results = self._store.orders.place_many([item for item, _ in batch])
            except Exception as exc:  # noqa: BLE001 -- the batch rolled back: each of its requests fails (503)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():  # the request was cancelled (client gone); its order stands
                    continue
                if isinstance(result, Refusal):
                    future.set_exception(result)
                else:
                    future.set_result(result)
