"""Read-only views of the store, the one home of its lists: conversations per number, orders with their
counters across accounts, the webhook log (the inbox and `GET /_sandbox/webhooks`), and a cheap "has anything
changed?" marker.

SQLAlchemy Core over `tables.py`, run through the store's public statement runner `store.db` (so the dialect
and the one connection stay the store's business). Nothing here writes. Rows come back as plain dicts with
times as float epoch seconds; the inbox and the control API format them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, ColumnElement, FromClause, and_, case, exists, func, select

from ileti.codes import MessageStatus
from ileti.sandbox.store import tables as t
from ileti.sandbox.store.sql import SqlStore
from ileti.sandbox.world.billing import order_price

__all__ = [
    "RECENT_WINDOW",
    "Filters",
    "change_marker",
    "order_rows",
    "overview",
    "thread_rows",
    "webhook_rows",
]


RECENT_WINDOW = 5000  # newest messages scanned for the conversation list before counting
_IN_CHUNK = 500  # ids per IN list (SQLite binds each one as a parameter)


@dataclass(frozen=True, slots=True)
class Filters:
    """What the inbox narrows every view by; None means "any".

    `number` is matched as a digit substring ("0001" finds every number ending in it), `sender` exactly,
    `order_id` and `account` exactly.
    """

    number: str | None = None
    sender: str | None = None
    order_id: int | None = None
    account: str | None = None


def _fetch(store: SqlStore, statement: ClauseElement) -> Sequence[Sequence[Any]]:
    # the store compiles for its dialect and runs on its connection; views add no second connection
    return store.db.execute(statement).fetchall()


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _message_filters(f: Filters) -> list[ColumnElement[bool]]:
    m, o = t.messages, t.orders
    where: list[ColumnElement[bool]] = []
    if f.number:
        where.append(m.c.number.contains(_digits(f.number) or f.number, autoescape=True))
    if f.sender is not None:
        where.append(o.c.sender == f.sender)
    if f.order_id is not None:
        where.append(m.c.order_id == f.order_id)
    if f.account is not None:
        where.append(o.c.account_key == f.account)
    return where


def change_marker(store: SqlStore) -> str:
    """A short string that changes whenever something the inbox shows changes.

    New orders move the highest order id; settling, parking ("never") and cancelling take rows out of the
    carrier's due set; webhook events and attempts move their highest ids; the clock row is included so a
    clock change shows up. Each part is an index lookup (the due count reads the partial due index), so the
    page's event stream can poll it twice a second from every worker.
    """
    o, m, w, a, c = t.orders, t.messages, t.webhooks, t.webhook_attempts, t.clock
    statement = select(
        select(func.max(o.c.id)).scalar_subquery(),
        select(func.count()).select_from(m).where(m.c.due_ts.isnot(None)).scalar_subquery(),
        select(func.max(w.c.id)).scalar_subquery(),
        select(func.max(a.c.id)).scalar_subquery(),
        select(func.count()).select_from(t.accounts).scalar_subquery(),
        select(c.c.mode).where(c.c.id == 1).scalar_subquery(),
        select(c.c.offset + c.c.frozen_at).where(c.c.id == 1).scalar_subquery(),
        select(func.max(t.journal.c.first_id)).scalar_subquery(),  # the request journal (Requests view)
    )
    rows = _fetch(store, statement)
    return "-".join("" if value is None else str(value) for value in rows[0])


def _messages_for(filters: Filters) -> FromClause:
    """`messages`, joined to `orders` only when a filter needs an order column (the join costs a lookup per
    message)."""
    m, o = t.messages, t.orders
    return m.join(o, o.c.id == m.c.order_id) if filters.sender is not None or filters.account else m


def _recent_numbers(store: SqlStore, filters: Filters, limit: int) -> list[str] | None:
    """The `limit` most recently messaged numbers, read from the newest `RECENT_WINDOW` messages only; None
    when the window is full and holds fewer numbers (older numbers may then be missing)."""
    m = t.messages
    recent = _fetch(
        store,
        select(m.c.number)
        .select_from(_messages_for(filters))
        .where(*_message_filters(filters))
        .order_by(m.c.id.desc())
        .limit(RECENT_WINDOW),
    )
    numbers = list(dict.fromkeys(row[0] for row in recent))[:limit]
    return None if len(numbers) < limit and len(recent) == RECENT_WINDOW else numbers


def thread_rows(store: SqlStore, filters: Filters, *, limit: int = 200) -> list[dict[str, Any]]:
    """One row per recipient number, newest activity first: the count and the last message's details.

    Grouping every message by number sorts the whole table (about 0.3 s at 100,000 messages, on the event
    loop); so the numbers are picked from the newest messages first and only theirs are counted.
    """
    m, o, x = t.messages, t.orders, t.order_texts
    numbers = _recent_numbers(store, filters, limit)
    if numbers == []:
        return []
    grouped = (
        select(
            m.c.number,
            func.count().label("count"),
            func.max(m.c.id).label("last_id"),
            func.sum(case((m.c.status == int(MessageStatus.WAITING), 1), else_=0)).label("waiting"),
        )
        .select_from(_messages_for(filters))
        .where(*_message_filters(filters), *([] if numbers is None else [m.c.number.in_(numbers)]))
        .group_by(m.c.number)
        .order_by(func.max(m.c.id).desc())
        .limit(limit)
    )
    groups = _fetch(store, grouped)
    if not groups:
        return []
    last_ids = [row[2] for row in groups]
    details = {
        row[0]: row[1:]
        for row in _fetch(
            store,
            select(m.c.id, o.c.sender, x.c.text, m.c.status, o.c.submit_ts, o.c.send_ts)
            .select_from(
                m.join(o, o.c.id == m.c.order_id).join(
                    x, and_(x.c.order_id == m.c.order_id, x.c.block == m.c.block)
                )
            )
            .where(m.c.id.in_(last_ids)),
        )
    }
    threads = []
    for number, count, last_id, waiting in groups:
        sender, text, status, submit_ts, send_ts = details[last_id]
        threads.append(
            {
                "number": number,
                "count": count,
                "waiting": int(waiting or 0),
                "last_id": last_id,
                "last_sender": sender,
                "last_text": text,
                "last_status": status,
                "last_submit_ts": submit_ts,
                "last_send_ts": send_ts,
            }
        )
    return threads


def order_rows(store: SqlStore, filters: Filters, *, limit: int = 200) -> list[dict[str, Any]]:
    """Orders newest first, across accounts, with their counters, first text and number of texts."""
    o, x, m = t.orders, t.order_texts, t.messages
    first_text = select(x.c.text).where(x.c.order_id == o.c.id, x.c.block == 0).scalar_subquery()
    texts = select(func.count()).select_from(x).where(x.c.order_id == o.c.id).scalar_subquery()
    query = select(
        o.c.id,
        o.c.account_key,
        o.c.sender,
        o.c.iys,
        o.c.iys_list,
        o.c.submit_ts,
        o.c.send_ts,
        o.c.cancelled,
        o.c.total,
        o.c.waiting,
        o.c.delivered,
        o.c.undelivered,
        o.c.delivered_parts,
        o.c.part_price,
        o.c.billing,
        first_text.label("text"),
        texts.label("texts"),
    )
    if filters.sender is not None:
        query = query.where(o.c.sender == filters.sender)
    if filters.order_id is not None:
        query = query.where(o.c.id == filters.order_id)
    if filters.account is not None:
        query = query.where(o.c.account_key == filters.account)
    if filters.number:
        pattern = _digits(filters.number) or filters.number
        query = query.where(
            exists(
                select(m.c.id).where(m.c.order_id == o.c.id, m.c.number.contains(pattern, autoescape=True))
            )
        )
    rows = _fetch(store, query.order_by(o.c.id.desc()).limit(limit))
    columns = (
        "id",
        "account",
        "sender",
        "iys",
        "iys_list",
        "submit_ts",
        "send_ts",
        "cancelled",
        "total",
        "waiting",
        "delivered",
        "undelivered",
        "delivered_parts",
        "part_price",
        "billing",
        "text",
        "texts",
    )
    out = []
    for row in rows:
        item = dict(zip(columns, row, strict=True))
        item["cancelled"] = bool(item["cancelled"])
        item["price"] = order_price(
            item.pop("delivered_parts"), item.pop("part_price")
        )  # OQ-11, as get-report
        out.append(item)
    return out


def webhook_rows(
    store: SqlStore, filters: Filters, *, limit: int = 200, oldest_first: bool = False
) -> list[dict[str, Any]]:
    """Webhook deliveries, newest first (the inbox) or oldest first (`GET /_sandbox/webhooks`), each with its
    attempts oldest first. `payload` is the JSON text exactly as posted."""
    w, a, o = t.webhooks, t.webhook_attempts, t.orders
    query = select(
        w.c.id,
        w.c.account_key,
        w.c.order_id,
        w.c.message_id,
        w.c.event,
        w.c.url,
        w.c.payload,
        w.c.state,
        w.c.attempts,
        w.c.created_ts,
    )
    if filters.order_id is not None:
        query = query.where(w.c.order_id == filters.order_id)
    if filters.account is not None:
        query = query.where(w.c.account_key == filters.account)
    if filters.sender is not None:
        query = query.where(
            exists(select(o.c.id).where(o.c.id == w.c.order_id, o.c.sender == filters.sender))
        )
    if filters.number:
        # the recipient is only inside the JSON payload; match the digits there (`"to": "+905…"`)
        pattern = _digits(filters.number) or filters.number
        query = query.where(w.c.payload.contains(pattern, autoescape=True))
    rows = _fetch(store, query.order_by(w.c.id if oldest_first else w.c.id.desc()).limit(limit))
    if not rows:
        return []
    attempts: dict[int, list[dict[str, Any]]] = {}
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), _IN_CHUNK):  # a bounded IN list per statement
        for webhook_id, attempt, at_ts, status, error, duration in _fetch(
            store,
            select(a.c.webhook_id, a.c.attempt, a.c.at_ts, a.c.http_status, a.c.error, a.c.duration_ms)
            .where(a.c.webhook_id.in_(ids[start : start + _IN_CHUNK]))
            .order_by(a.c.webhook_id, a.c.attempt),
        ):
            attempts.setdefault(webhook_id, []).append(
                {
                    "attempt": attempt,
                    "at_ts": at_ts,
                    "http_status": status,
                    "error": error,
                    "duration_ms": duration,
                }
            )
    columns = (
        "id",
        "account",
        "order_id",
        "message_id",
        "event",
        "url",
        "payload",
        "state",
        "attempts",
        "created_ts",
    )
    return [{**dict(zip(columns, row, strict=True)), "log": attempts.get(row[0], [])} for row in rows]


def overview(store: SqlStore) -> dict[str, Any]:
    """Totals and the choices for the filter lists: accounts and the senders that have been used."""
    o, m = t.orders, t.messages
    ((orders, messages, waiting, webhooks),) = _fetch(
        store,
        select(
            select(func.count()).select_from(o).scalar_subquery(),
            select(func.count()).select_from(m).scalar_subquery(),
            select(func.count()).select_from(m).where(m.c.due_ts.isnot(None)).scalar_subquery(),
            select(func.count()).select_from(t.webhooks).scalar_subquery(),
        ),
    )
    senders = [row[0] for row in _fetch(store, select(o.c.sender).distinct().order_by(o.c.sender).limit(500))]
    accounts = [row[0] for row in _fetch(store, select(t.accounts.c.key).order_by(t.accounts.c.created_ts))]
    return {
        "orders": orders,
        "messages": messages,
        "pending": waiting,
        "webhooks": webhooks,
        "senders": senders,
        "accounts": accounts,
    }
