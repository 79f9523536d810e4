"""The inbox helpers of the control API over the store: search the messages (`q`, `after`), remove orders with
their messages and webhook events (`DELETE /_sandbox/messages`, the `max_messages` cap), and the newest
message id the waiting requests watch.

Like `views.py`, this runs on the store's own connection and statement runner. Text search folds dotted and
dotless i as contact search does (`directory.fold`); SQL's ASCII-only `lower()` cannot, so the match runs
here, over the order texts (one per order block, not per recipient), newest first, a page at a time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, tuple_

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.contacts import fold
from ileti.sandbox.store.records import InboxMessage
from ileti.sandbox.store.sql import SqlStore

__all__ = ["MessageQuery", "clear_orders", "newest_message_id", "one_time_code", "prune", "search"]

_CODE = re.compile(r"(?<![0-9])[0-9]{4,8}(?![0-9])")
_PAGE = 2000  # order texts read per round while a text search looks for matches


def one_time_code(text: str) -> str | None:
    """The first run of 4 to 8 ASCII digits standing alone in `text` (a one-time code), or None.

    A longer run (a phone number, an order id) is not a code, nor is any part of it."""
    found = _CODE.search(text)
    return None if found is None else found.group()


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """`GET /_sandbox/messages` filters; None means "any". `after` is a message id: only newer ones."""

    to: str | None = None
    order_id: int | None = None
    sender: str | None = None
    account: str | None = None
    q: str | None = None
    after: int | None = None
    limit: int = 1000


def _where(query: MessageQuery) -> list[ColumnElement[bool]]:
    m, o = t.messages, t.orders
    where: list[ColumnElement[bool]] = []
    if query.to is not None:
        where.append(m.c.number == query.to)
    if query.order_id is not None:
        where.append(m.c.order_id == query.order_id)
    if query.sender is not None:
        where.append(o.c.sender == query.sender)
    if query.account is not None:
        where.append(o.c.account_key == query.account)
    if query.after is not None:
        where.append(m.c.id > query.after)
    return where


def _messages(query: MessageQuery) -> Select[Any]:
    m, o, x = t.messages, t.orders, t.order_texts
    return (
        select(
            m.c.id,
            m.c.order_id,
            o.c.account_key,
            m.c.row,
            m.c.number,
            o.c.sender,
            x.c.text,
            x.c.encoding,
            x.c.parts,
            m.c.status,
            o.c.submit_ts,
            o.c.send_ts,
            m.c.final_ts,
            o.c.iys,
            o.c.iys_list,
            m.c.due_ts,
            o.c.cancelled,
        )  # the last four: `reasons.explain`
        .select_from(
            m.join(o, o.c.id == m.c.order_id).join(
                x, and_(x.c.order_id == m.c.order_id, x.c.block == m.c.block)
            )
        )
        .where(*_where(query))
        .order_by(m.c.id.desc())
    )


def search(store: SqlStore, query: MessageQuery) -> list[InboxMessage]:
    """Matching messages, newest first, at most `query.limit`.

    With `q`, the texts are matched first (one per order block, however many recipients share it), newest
    order first, a page at a time; then the messages of the matching blocks are read until `limit`.
    """
    if not query.q:
        return [
            InboxMessage(*row) for row in store.db.execute(_messages(query).limit(query.limit)).fetchall()
        ]
    m, o, x = t.messages, t.orders, t.order_texts
    needle = fold(query.q)
    texts = select(x.c.order_id, x.c.block, x.c.text).select_from(x.join(o, o.c.id == x.c.order_id))
    if query.order_id is not None:
        texts = texts.where(x.c.order_id == query.order_id)
    if query.sender is not None:
        texts = texts.where(o.c.sender == query.sender)
    if query.account is not None:
        texts = texts.where(o.c.account_key == query.account)
    if query.after is not None:  # orders older than the first message after `after` cannot match
        first = select(func.min(m.c.order_id)).where(m.c.id > query.after).scalar_subquery()
        texts = texts.where(x.c.order_id >= first)
    texts = texts.order_by(x.c.order_id.desc(), x.c.block.desc()).limit(_PAGE)
    found: list[InboxMessage] = []
    last: tuple[int, int] | None = None
    while len(found) < query.limit:
        page_query = (
            texts
            if last is None
            else texts.where(or_(x.c.order_id < last[0], and_(x.c.order_id == last[0], x.c.block < last[1])))
        )
        page = store.db.execute(page_query).fetchall()
        hits = [(order_id, block) for order_id, block, text in page if needle in fold(text)]
        while hits and len(found) < query.limit:
            # a block has at least one message: no more blocks at a time than messages still wanted
            # (but not too few either, since the other filters may leave a block without any)
            left = query.limit - len(found)
            chunk, hits = hits[: max(left, 50)], hits[max(left, 50) :]
            rows = store.db.execute(
                _messages(query).where(tuple_(m.c.order_id, m.c.block).in_(chunk)).limit(left)
            ).fetchall()
            found.extend(InboxMessage(*row) for row in rows)
        if len(page) < _PAGE:
            break
        last = (page[-1][0], page[-1][1])
    return found


def newest_message_id(store: SqlStore) -> int:
    """The highest message id (0 when there is none): it moves whenever a message is added."""
    row = store.db.execute(select(func.max(t.messages.c.id))).fetchone()
    return int(row[0]) if row is not None and row[0] is not None else 0


def _delete_orders(store: SqlStore, order_ids: Sequence[int]) -> int:
    """Delete these orders with their texts, messages, webhook events and attempts (inside a transaction)."""
    o, m, x, w, a = t.orders, t.messages, t.order_texts, t.webhooks, t.webhook_attempts
    removed = 0
    for start in range(0, len(order_ids), 500):  # bounded IN lists
        chunk = list(order_ids[start : start + 500])
        hooks = select(w.c.id).where(w.c.order_id.in_(chunk))
        store.db.execute(delete(a).where(a.c.webhook_id.in_(hooks)))
        store.db.execute(delete(w).where(w.c.order_id.in_(chunk)))
        removed += store.db.execute(delete(m).where(m.c.order_id.in_(chunk))).rowcount
        store.db.execute(delete(x).where(x.c.order_id.in_(chunk)))
        store.db.execute(delete(o).where(o.c.id.in_(chunk)))
    return removed


def clear_orders(store: SqlStore, account: str | None = None) -> tuple[int, int]:
    """Remove every order (or an account's), its messages and its webhook events; accounts, balances,
    blacklists, contacts and consents stay. Returns (orders, messages) removed."""
    o = t.orders
    with store.db.transaction(accounts=False):
        store.db.lock_accounts(None if account is None else [account])  # the store's lock order (carrier)
        query = select(o.c.id)
        if account is not None:
            query = query.where(o.c.account_key == account)
        ids = [row[0] for row in store.db.execute(query).fetchall()]
        return len(ids), _delete_orders(store, ids)


def prune(store: SqlStore, max_messages: int) -> tuple[int, int]:
    """Keep at most `max_messages` messages: remove the oldest orders beyond that (whole orders, so an order
    never loses some of its messages). Returns (orders, messages) removed.

    Cheap when nothing is due: the spread of message ids bounds their number (two index lookups); only past
    it does one index range of `max_messages` entries find the newest message over the cap.
    """
    m = t.messages
    low, high = store.db.execute(select(func.min(m.c.id), func.max(m.c.id))).fetchone() or (None, None)
    if low is None or high - low + 1 <= max_messages:
        return 0, 0
    with store.db.transaction(accounts=False):
        over = store.db.execute(
            select(m.c.order_id).order_by(m.c.id.desc()).offset(max_messages).limit(1)
        ).fetchone()
        if over is None:
            return 0, 0
        o = t.orders
        old = select(o.c.account_key).where(o.c.id <= over[0]).distinct()
        store.db.lock_accounts([row[0] for row in store.db.execute(old).fetchall()])  # the store's lock order
        ids = [row[0] for row in store.db.execute(select(o.c.id).where(o.c.id <= over[0])).fetchall()]
        return len(ids), _delete_orders(store, ids)
