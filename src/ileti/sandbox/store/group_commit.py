"""Group commit for send-sms: many concurrent orders, one transaction.

A commit writes every page the transaction touched to the WAL (orders, texts, messages, their indexes, the
account row), so one order per commit costs most of a send's time. Requests that arrive together instead
queue their order here; a flush scheduled with `call_soon` runs after every request that is ready in this
loop iteration has queued its own, places the whole batch in one transaction (`Orders.place_many`), and
only then resolves each request's future. A 200 is still only sent after its order is committed. On
PostgreSQL the batch goes from a connection of its own, off the event loop (`GroupCommit`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence

from ileti.sandbox.store.pg_lane import lane_of
from ileti.sandbox.store.pg_orders import place_batch_in_one_trip
from ileti.sandbox.store.records import NewOrder, PlaceOrder, Refusal
from ileti.sandbox.store.sql import SqlStore

__all__ = ["GroupCommit"]

_MAX_BATCH = 256  # bounds the time one flush holds the event loop


class GroupCommit:
    """`await place(...)` returns the order id or raises `Refusal`, like `Orders.place`.

    On PostgreSQL a batch goes to the server from a connection with a thread of its own (`pg_lane`), one
    batch at a time: while one is in flight the event loop goes on reading requests, whose orders make the
    next batch. (On SQLite a commit costs the CPU it takes; there is nothing to wait for off the loop.)
    """

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._pending: list[tuple[PlaceOrder, asyncio.Future[int]]] = []
        self._scheduled = False
        self._lane = lane_of(store.db, "orders")
        self._task: asyncio.Task[None] | None = None  # the flush on the lane, while one runs

    async def place(
        self, order: NewOrder, *, now: float, duplicate_since: float, settle_delay: float, part_price: float
    ) -> int:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._pending.append((PlaceOrder(order, now, duplicate_since, settle_delay, part_price), future))
        if not self._scheduled:
            self._scheduled = True
            if self._lane is None:
                loop.call_soon(self._flush)
            else:
                self._task = loop.create_task(self._flush_off_loop())
        return await future

    def _next_batch(self) -> list[tuple[PlaceOrder, asyncio.Future[int]]]:
        batch, self._pending = self._pending[:_MAX_BATCH], self._pending[_MAX_BATCH:]
        return batch

    def _flush(self) -> None:
        self._scheduled = False
        while self._pending:
            batch = self._next_batch()
            try:
                results = self._store.orders.place_many([item for item, _ in batch])
            except Exception as exc:  # noqa: BLE001 -- the batch rolled back: each of its requests fails (503)
                _fail(batch, exc)
                continue
            _resolve(batch, results)

    async def _flush_off_loop(self) -> None:
        """Place batches on the lane until none is pending; `place` starts this when none runs."""
        assert self._lane is not None
        try:
            while self._pending:
                batch = self._next_batch()
                items = [item for item, _ in batch]
                try:
                    results = await self._lane.run(functools.partial(place_batch_in_one_trip, batch=items))
                    deferred = [position for position, result in enumerate(results) if result is None]
                    if deferred:  # accounts with a webhook URL: the store queues their events with the orders
                        placed = self._store.orders.place_many([items[position] for position in deferred])
                        for position, result in zip(deferred, placed, strict=True):
                            results[position] = result
                except Exception as exc:  # noqa: BLE001 -- the batch rolled back: each of its requests fails (503)
                    _fail(batch, exc)
                    continue
                except BaseException:  # cancelled (shutting down): the batch may still commit; no 200 for it
                    for _, future in batch:
                        future.cancel()
                    raise
                _resolve(batch, results)
        finally:
            self._scheduled = False


def _fail(batch: list[tuple[PlaceOrder, asyncio.Future[int]]], exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)


def _resolve(
    batch: list[tuple[PlaceOrder, asyncio.Future[int]]], results: Sequence[int | Refusal | None]
) -> None:
    for (_, future), result in zip(batch, results, strict=True):
        if future.done():  # the request was cancelled (client gone); its order stands
            continue
        assert result is not None
        if isinstance(result, Refusal):
            future.set_exception(result)
        else:
            future.set_result(result)
