"""Inbox helpers of the control API: `GET /_sandbox/messages` with `q`, `after` and `wait`, the one-time code
of every message, `DELETE /_sandbox/messages`, and the `max_messages` cap.

`wait` holds a request until a matching message exists. The waiting requests of an app share one
`MessageWatch`: a single task that reads the newest message id every `events.POLL_SECONDS` (as often as one
inbox event stream reads its marker) while anyone waits, and wakes them all when it moves; each then runs its
own query once. A store shared by several workers works the same way, since the id is read from the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from starlette.requests import Request

from ileti import phone
from ileti.sandbox.api.params import query_int
from ileti.sandbox.context import services_of
from ileti.sandbox.control.base import _find, control
from ileti.sandbox.control.operations import Op, Param, integer, operations
from ileti.sandbox.errors import ControlError
from ileti.sandbox.inbox.events import POLL_SECONDS, _shutdown_probe
from ileti.sandbox.store import inbox_tools
from ileti.sandbox.store.inbox_tools import MessageQuery, one_time_code
from ileti.sandbox.store.records import InboxMessage
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world import reasons
from ileti.times import format_timestamp

__all__ = ["MAX_WAIT_SECONDS", "MessageWatch", "find_messages", "message_json", "parse_query", "prune_loop"]

log = logging.getLogger("ileti.sandbox.control.messages")

MAX_WAIT_SECONDS = 30.0
MAX_LIMIT = 100_000
PRUNE_SECONDS = 1.0  # how often the `max_messages` cap is checked


def message_json(m: InboxMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "order_id": m.order_id,
        "account": m.account_key,
        "row": m.row,
        "to": m.to,
        "sender": m.sender,
        "text": m.text,
        "code": one_time_code(m.text),
        "encoding": m.encoding,
        "parts": m.parts,
        "status": m.status,
        "submitted_at": format_timestamp(m.submit_ts),
        "send_at": format_timestamp(m.send_ts),
        "final_at": None if m.final_ts is None else format_timestamp(m.final_ts),
    }


def parse_query(params: Mapping[str, str]) -> tuple[MessageQuery, float]:
    """The filters and the wait (seconds, 0 = answer at once) of `GET /_sandbox/messages`."""
    to = params.get("to")
    q = params.get("q")
    if q is not None and len(q) > 1000:
        raise ControlError(422, "q must be at most 1000 characters")
    raw_wait = params.get("wait")
    wait = 0.0
    if raw_wait is not None:
        try:
            wait = float(raw_wait)
        except ValueError:
            wait = -1.0
        if not 0 <= wait <= MAX_WAIT_SECONDS:  # NaN fails this too
            raise ControlError(422, f"wait must be a number of seconds from 0 to {MAX_WAIT_SECONDS:g}")
    query = MessageQuery(
        to=(phone.try_normalize(to) or to) if to else None,
        order_id=query_int(params, "order_id"),
        sender=params.get("sender"),
        account=params.get("account"),
        q=q or None,
        after=query_int(params, "after"),
        limit=min(query_int(params, "limit") or 1000, MAX_LIMIT),
    )
    return query, wait


class MessageWatch:
    """Tells waiting requests when a message was added: one poller per app, running only while needed."""

    def __init__(self, store: SqlStore, interval: float = POLL_SECONDS) -> None:
        self._store = store
        self._interval = interval
        self._marker = 0
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiters = 0
        self.polls = 0  # store reads so far (the tests check the poller is shared)

    def snapshot(self) -> int:
        """The newest message id as the watch knows it; read before a query, then `wait_past` it. Starts the
        poller (reading the store once) when it is not running."""
        if self._task is None or self._task.done():
            self._marker = inbox_tools.newest_message_id(self._store)
            self._task = asyncio.get_running_loop().create_task(self._run(), name="ileti-message-watch")
        return self._marker

    async def wait_past(self, seen: int, timeout: float) -> bool:
        """Wait until the newest message id is not `seen`, at most `timeout` seconds; whether it moved."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        self._waiters += 1
        try:
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: self._marker != seen)
            return self._marker != seen
        finally:
            self._waiters -= 1

    def close(self) -> None:
        """Stop the poller (the app is shutting down)."""
        if self._task is not None:
            self._task.cancel()

    async def _run(self) -> None:
        idle = 0
        while idle < 2:  # ends a moment after the last waiter left; `snapshot` starts it again
            await asyncio.sleep(self._interval)
            try:
                marker = inbox_tools.newest_message_id(self._store)
            except Exception:  # a background poller logs and carries on (STYLE: errors)
                log.exception("message watch poll failed")
                continue
            self.polls += 1
            if marker != self._marker:
                self._marker = marker
                if self._changed is not None:
                    async with self._changed:
                        self._changed.notify_all()
            idle = 0 if self._waiters else idle + 1


async def find_messages(
    store: SqlStore,
    watch: Callable[[], MessageWatch],
    query: MessageQuery,
    wait: float,
    closing: Callable[[], bool],
) -> list[InboxMessage]:
    """The matching messages; with `wait`, held until there is one, the time is up or the server stops."""
    if not wait:
        return inbox_tools.search(store, query)
    deadline = time.monotonic() + wait
    watcher = watch()
    while True:
        seen = watcher.snapshot()
        found = inbox_tools.search(store, query)
        left = deadline - time.monotonic()
        if found or left <= 0 or closing():
            return found
        if not store.postgres:
            # nothing up to `seen` matched, so from now on only newer messages can. (Not on PostgreSQL: there
            # a lower id may commit after a higher one, so "up to `seen`" may still grow.)
            query = dataclasses.replace(query, after=max(query.after or 0, seen))
        # in slices, so a server shutting down is noticed
        await watcher.wait_past(seen, min(left, 4 * POLL_SECONDS))


async def prune_loop(store: SqlStore, max_messages: int, interval: float = PRUNE_SECONDS) -> None:
    """The `max_messages` cap: every `interval` seconds, when messages were added, remove the oldest orders
    beyond it."""
    checked = -1  # the newest message id at the last check
    while True:
        await asyncio.sleep(interval)
        try:
            newest = inbox_tools.newest_message_id(store)
            if newest == checked:
                continue
            orders, messages = inbox_tools.prune(store, max_messages)
            checked = newest
            if orders:
                log.debug("pruned %d orders (%d messages) past max_messages", orders, messages)
        except Exception:  # a background worker logs and carries on (STYLE: errors)
            log.exception("pruning past max_messages failed")


def _message_watch(request: Request) -> MessageWatch:
    """The app's one `MessageWatch` (made on first use), which every waiting request shares."""
    state = request.app.state
    watch: MessageWatch | None = getattr(state, "message_watch", None)
    if watch is None:
        watch = state.message_watch = MessageWatch(services_of(request).store)
    return watch


@operations(
    Op(
        "GET",
        "the inbox, newest first, each message with its one-time `code` and why it is where it is",
        query=(
            Param("to", "recipient number"),
            Param("order_id", "an order id", integer()),
            Param("sender", "sender ID"),
            Param("account", "account key"),
            Param("limit", "at most this many (default 1000)", integer()),
            Param(
                "q",
                "the text contains it (case-insensitive; dotted and dotless i are one letter)",
                {"type": "string", "maxLength": 1000},
            ),
            Param("after", "a message id: only newer messages", integer()),
            Param(
                "wait",
                "seconds: when nothing matches yet, hold the answer until something does or the time is up",
                {"type": "number", "minimum": 0, "maximum": MAX_WAIT_SECONDS},
            ),
        ),
    )
)
@control
async def list_messages(request: Request) -> Any:
    """The inbox, newest first; filters to, order_id, sender, account, q, after, limit; `wait` holds the
    answer until something matches (`py`)."""
    services = services_of(request)
    query, wait = parse_query(request.query_params)
    rows = await find_messages(
        services.store, lambda: _message_watch(request), query, wait, _shutdown_probe(request)
    )
    why = reasons.explain(
        services.store, rows, now=services.clock.now(), settle_delay=services.settings.settle_delay
    )
    return {"messages": [{**message_json(m), "reason": reason} for m, reason in zip(rows, why, strict=True)]}


@operations(
    Op(
        "DELETE",
        "remove the orders, their messages and webhook events; accounts, balances, blacklists, contacts "
        "and consents stay",
        query=(Param("account", "only this account's orders"),),
    )
)
@control
async def clear_messages(request: Request) -> Any:
    """Remove the orders (all, or one account's), their messages and webhook events; the rest stays."""
    services = services_of(request)
    account = request.query_params.get("account")
    if account is not None:
        _find(services, account)
    orders, removed = inbox_tools.clear_orders(services.store, account)
    return {"deleted": {"orders": orders, "messages": removed}}
