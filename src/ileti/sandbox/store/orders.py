"""Orders: placing them (the 451 duplicate check and the 402 charge, atomic with the write), cancelling,
reading one, its report rows, and an account's orders between two times (`Orders`, on the store's
`Database`).

The 402 charge: `Orders._place` takes what `billing.reserve` says from the balance with one conditional UPDATE
(`balance >= cost`), inside the order's transaction; no row changed means 402 and nothing is written. The
refunds of undelivered parts (`refund`) are applied here too, by cancel and by settlement.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import chain, repeat
from typing import Any, cast

from sqlalchemy import and_, bindparam, func, insert, select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.accounts import Accounts
from ileti.sandbox.store.db import Database
from ileti.sandbox.store.outbox import Outbox
from ileti.sandbox.store.postgres import PgConnection
from ileti.sandbox.store.records import NewOrder, OrderRecord, PlaceOrder, Refusal, RefusalReason
from ileti.sandbox.world.billing import recorded_unit, refund, reserve

__all__ = ["ORDER_COLUMNS", "Orders", "order_from_row"]

WAITING, DELIVERED, UNDELIVERED = 110, 111, 112  # ileti.codes.MessageStatus, as plain ints for the driver
_MAX_ROW = 2**31 - 1  # past any row number of an order (PostgreSQL's INTEGER)

ORDER_COLUMNS = (
    t.orders.c.id,
    t.orders.c.account_key,
    t.orders.c.sender,
    t.orders.c.submit_ts,
    t.orders.c.send_ts,
    t.orders.c.cancelled,
    t.orders.c.total,
    t.orders.c.waiting,
    t.orders.c.delivered,
    t.orders.c.undelivered,
    t.orders.c.delivered_parts,
    t.orders.c.billing,
    t.orders.c.part_price,
)


_SQLITE_INSERT_MESSAGE = (
    'INSERT INTO messages (order_id, "row", block, number, status, parts, due_ts, final_ts) '
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


def _message_rows(
    order_id: int,
    start: int,
    block: int,
    numbers: Sequence[str],
    deliverable: Sequence[bool],
    parts: int,
    due: float,
    now: float,
) -> Iterable[tuple[Any, ...]]:
    """The message rows of one block, numbered from `start`: waiting until `due`, or undelivered at `now`."""
    if all(deliverable):  # the usual case: no tuple is built in Python, sqlite3 reads the zip
        n = len(numbers)
        return zip(
            repeat(order_id, n), range(start, start + n), repeat(block, n), numbers,
            repeat(WAITING, n), repeat(parts, n), repeat(due, n), repeat(None, n), strict=True,
        )  # fmt: skip
    return (
        (order_id, start + i, block, number, WAITING, parts, due, None)
        if ok
        else (order_id, start + i, block, number, UNDELIVERED, parts, None, now)
        for i, (number, ok) in enumerate(zip(numbers, deliverable, strict=True))
    )


def order_from_row(row: Sequence[Any]) -> OrderRecord:
    record = OrderRecord(*row)
    record.cancelled = bool(record.cancelled)
    return record


class Orders:
    """Every account's orders with their texts and message rows."""

    def __init__(self, db: Database, accounts: Accounts, outbox: Outbox) -> None:
        self._db = db
        self.accounts = accounts  # the account of an order with a webhook URL
        self.outbox = outbox  # its events
        c = db.compile
        o, m, a = t.orders, t.messages, t.accounts
        # hot path: send-sms, get-report
        self._sql_duplicate = c(
            select(o.c.id)
            .where(
                o.c.account_key == bindparam("account_key"),
                o.c.fingerprint == bindparam("fingerprint"),
                o.c.submit_ts > bindparam("since"),
            )
            .limit(1)
        )
        self._sql_charge_sms = c(
            update(a)
            .where(a.c.key == bindparam("k"), a.c.balance_sms >= bindparam("cost"))
            .values(balance_sms=a.c.balance_sms - bindparam("cost"))
        )
        self._sql_charge_tl = c(
            update(a)
            .where(a.c.key == bindparam("k"), a.c.balance_amount >= bindparam("cost") - 1e-9)
            .values(balance_amount=db.round6(a.c.balance_amount - bindparam("cost")))
        )
        self._sql_refund_sms = c(
            update(a)
            .where(a.c.key == bindparam("k"))
            .values(balance_sms=a.c.balance_sms + bindparam("amount"))
        )
        self._sql_refund_tl = c(
            update(a)
            .where(a.c.key == bindparam("k"))
            .values(balance_amount=db.round6(a.c.balance_amount + bindparam("amount")))
        )
        # RETURNING rather than lastrowid: on PostgreSQL that saves a round trip per order
        self._sql_insert_order = c(
            insert(o)
            .values({col.name: bindparam(col.name) for col in o.columns if col.name != "id"})
            .returning(o.c.id)
        )
        self._sql_insert_text = c(
            insert(t.order_texts).values({col.name: bindparam(col.name) for col in t.order_texts.columns})
        )
        self._sql_insert_message = c(
            insert(m).values(
                order_id=bindparam("o"),
                row=bindparam("r"),
                block=bindparam("b"),
                number=bindparam("n"),
                status=bindparam("s"),
                parts=bindparam("p"),
                due_ts=bindparam("d"),
                final_ts=bindparam("f"),
            )
        )
        self._sql_order = c(
            select(*ORDER_COLUMNS).where(
                o.c.id == bindparam("id"), o.c.account_key == bindparam("account_key")
            )
        )
        self._sql_rows = c(
            select(m.c.number, m.c.status)
            .where(
                m.c.order_id == bindparam("order_id"), m.c.row >= bindparam("lo"), m.c.row < bindparam("hi")
            )
            .order_by(m.c.row)
        )
        # FOR UPDATE (PostgreSQL; SQLite holds its write lock already): one account's orders are checked for
        # 451 and 402 one at a time, whichever worker takes them
        self._sql_order_account = c(
            select(a.c.billing, a.c.webhook_url).where(a.c.key == bindparam("key")).with_for_update()
        )

    # ------------------------------------------------------------------------------------------ placing

    def place(
        self, order: NewOrder, *, now: float, duplicate_since: float, settle_delay: float, part_price: float
    ) -> int:
        """Check 451 and 402 and write the order with all its rows, in one transaction (OQ-7, OQ-16).

        Raises `Refusal(DUPLICATE)` or `Refusal(BALANCE)`; nothing is written then.
        """
        with self._db.transaction(accounts=False):
            return self._place(
                order,
                now=now,
                duplicate_since=duplicate_since,
                settle_delay=settle_delay,
                part_price=part_price,
                payers={},
            )

    def place_many(self, batch: Sequence[PlaceOrder]) -> list[int | Refusal]:
        """Group commit: place several orders in one transaction, in order, each checked as if alone.

        Each order sees the ones before it (a duplicate inside the batch is 451). A refused order writes
        nothing and does not affect the others; an unexpected error rolls the whole batch back and raises.
        """
        db = self._db
        if db.postgres and not db.in_transaction:  # two round trips per batch (`pg_orders`)
            from ileti.sandbox.store.pg_orders import place_batch

            return place_batch(self, cast(PgConnection, db.connection).raw, batch)
        results: list[int | Refusal] = []
        # an account's billing and webhook URL, read once per batch: nothing else can change them until the
        # transaction ends (SQLite's write lock; PostgreSQL's row locks below)
        payers: dict[str, tuple[str, str | None] | None] = {}
        with db.transaction(accounts=False):
            if len(batch) > 1:
                db.lock_accounts({item.order.account_key for item in batch})
            for item in batch:
                try:
                    results.append(
                        self._place(
                            item.order,
                            now=item.now,
                            duplicate_since=item.duplicate_since,
                            settle_delay=item.settle_delay,
                            part_price=item.part_price,
                            payers=payers,
                        )
                    )
                except Refusal as refusal:
                    results.append(refusal)
        return results

    def _place(
        self,
        order: NewOrder,
        *,
        now: float,
        duplicate_since: float,
        settle_delay: float,
        part_price: float,
        payers: dict[str, tuple[str, str | None] | None],
    ) -> int:
        run = self._db.run
        if order.account_key in payers:
            payer = payers[order.account_key]
        else:
            row = run(self._sql_order_account, {"key": order.account_key}).fetchone()
            payer = payers[order.account_key] = None if row is None else (row[0], row[1])
        if payer is None:
            raise Refusal(RefusalReason.NOT_FOUND)
        account_billing, webhook_url = payer
        duplicate = run(
            self._sql_duplicate,
            {
                "account_key": order.account_key,
                "fingerprint": order.fingerprint,
                "since": duplicate_since,
            },
        ).fetchone()
        if duplicate is not None:
            raise Refusal(RefusalReason.DUPLICATE, order_id=duplicate[0])
        if order.charged_parts:
            # the 402 charge: taken only if the balance covers it, in this transaction
            charge = self._sql_charge_tl if account_billing == "tl" else self._sql_charge_sms
            cost = reserve(account_billing, order.charged_parts, part_price)
            if run(charge, {"k": order.account_key, "cost": cost}).rowcount != 1:
                raise Refusal(RefusalReason.BALANCE)
        total = sum(len(block.numbers) for block in order.blocks)
        deliverable = sum(sum(block.deliverable) for block in order.blocks)
        order_id = cast(
            int,
            run(
                self._sql_insert_order,
                {
                    "account_key": order.account_key,
                    "sender": order.sender,
                    "iys": order.iys,
                    "iys_list": order.iys_list,
                    "submit_ts": order.submit_ts,
                    "send_ts": order.send_ts,
                    "cancelled": False,
                    "total": total,
                    "waiting": deliverable,
                    "delivered": 0,
                    "undelivered": total - deliverable,
                    "delivered_parts": 0,
                    "charged_parts": order.charged_parts,
                    "refunded_parts": 0,
                    "billing": account_billing,
                    "part_price": recorded_unit(account_billing, part_price, order.charged_parts),
                    "fingerprint": order.fingerprint,
                    "started": order.send_ts <= order.submit_ts,  # an immediate order is sending at once
                },
            ).fetchone()[0],
        )
        due = order.send_ts + settle_delay
        rows: list[Iterable[tuple[Any, ...]]] = []
        start = 0
        for index, block in enumerate(order.blocks):
            run(
                self._sql_insert_text,
                {
                    "order_id": order_id,
                    "block": index,
                    "text": block.text,
                    "encoding": block.encoding,
                    "parts": block.parts,
                },
            )
            rows.append(
                _message_rows(order_id, start, index, block.numbers, block.deliverable, block.parts, due, now)
            )
            start += len(block.numbers)
        self._insert_messages(chain.from_iterable(rows))
        if webhook_url:
            account = self.accounts.get(order.account_key)
            assert account is not None
            self.outbox.queue_order_events(account, order_id, order, now)
        return order_id

    def _insert_messages(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """An order's message rows, as (order_id, row, block, number, status, parts, due_ts, final_ts).

        On SQLite positional tuples streamed into `executemany`: a dict of named parameters per row cost a
        50,000-recipient order about a tenth of its time (docs/benchmarks.md)."""
        if self._db.postgres:
            self._db.many(self._sql_insert_message, [dict(zip("orbnspdf", row, strict=True)) for row in rows])
        else:
            self._db.connection.executemany(_SQLITE_INSERT_MESSAGE, rows)

    # -------------------------------------------------------------------------------------- cancel, refund

    def cancel(self, account_key: str, order_id: int, now: float) -> None:
        """Cancel a scheduled order whose sending has not started: rows 112, all refunded (§4.2, OQ-16,
        OQ-33).

        Decided on the order's state, not on times alone: it must be scheduled (its send time was later
        than its submission), not cancelled, not yet taken by the carrier (`started`) and not yet due on
        the sandbox clock. Otherwise `Refusal(NOT_FOUND)` (455) and nothing changes. Moving the clock back
        after settling therefore cannot cancel, and refund, a finished order a second time.
        """
        o, m = t.orders, t.messages
        execute = self._db.execute
        with self._db.transaction(accounts=False):
            self._db.lock_accounts([account_key])  # the lock order: the account, then its order and rows
            row = execute(
                select(
                    o.c.submit_ts,
                    o.c.send_ts,
                    o.c.cancelled,
                    o.c.started,
                    o.c.charged_parts,
                    o.c.refunded_parts,
                    o.c.billing,
                    o.c.part_price,
                ).where(o.c.id == order_id, o.c.account_key == account_key)
            ).fetchone()
            if row is None:
                raise Refusal(RefusalReason.NOT_FOUND)
            submit_ts, send_ts, cancelled, started, charged, refunded, account_billing, price = row
            if cancelled or started or send_ts <= submit_ts or send_ts <= now:
                raise Refusal(RefusalReason.NOT_FOUND)
            waiting = execute(
                select(m.c.id, m.c.number, m.c.block)
                .where(m.c.order_id == order_id, m.c.status == WAITING)
                .order_by(m.c.id)
            ).fetchall()
            execute(
                update(m)
                .where(m.c.order_id == order_id, m.c.status == WAITING)
                .values(status=UNDELIVERED, due_ts=None, final_ts=now)
            )
            execute(
                update(o)
                .where(o.c.id == order_id)
                .values(
                    cancelled=True,
                    undelivered=o.c.undelivered + o.c.waiting,
                    waiting=0,
                    refunded_parts=charged,
                )
            )
            self.refund(account_key, account_billing, charged - refunded, price)
            account = self.accounts.get(account_key)
            if account is not None and account.webhook_url and waiting:
                texts = self.texts(order_id)
                self.outbox.queue_events(
                    account,
                    order_id,
                    [(mid, "undelivered", number, texts[block]) for mid, number, block in waiting],
                    now,
                )

    def refund(self, account_key: str, account_billing: str, parts: int, part_price: float) -> None:
        """Give `parts` undelivered parts back at the order's part price (`billing.refund`), inside the
        caller's transaction."""
        amount = refund(account_billing, parts, part_price)
        if amount:
            sql = self._sql_refund_tl if account_billing == "tl" else self._sql_refund_sms
            self._db.run(sql, {"k": account_key, "amount": amount})

    # ------------------------------------------------------------------------------------------ reading

    def texts(self, order_id: int) -> dict[int, str]:
        """Block number -> text of an order."""
        rows = self._db.execute(
            select(t.order_texts.c.block, t.order_texts.c.text).where(t.order_texts.c.order_id == order_id)
        )
        return dict(rows)

    def get(self, account_key: str, order_id: int) -> OrderRecord | None:
        row = self._db.run(self._sql_order, {"id": order_id, "account_key": account_key}).fetchone()
        return None if row is None else order_from_row(row)

    def report_rows(self, order_id: int, offset: int, limit: int) -> list[tuple[str, int]]:
        # rows are numbered 0..total-1 in the order, so a page is a range scan of (order_id, row)
        if offset >= _MAX_ROW:  # no order has that many rows, and PostgreSQL's `row` is a 32-bit integer
            return []
        cursor = self._db.run(
            self._sql_rows, {"order_id": order_id, "lo": offset, "hi": min(offset + limit, _MAX_ROW)}
        )
        return cast(list[tuple[str, int]], cursor.fetchall())

    def between(
        self, account_key: str, start: float, end: float, offset: int, limit: int
    ) -> tuple[int, list[OrderRecord]]:
        """(how many orders the account submitted in [start, end), this page of them oldest first)."""
        o = t.orders
        where = and_(o.c.account_key == account_key, o.c.submit_ts >= start, o.c.submit_ts < end)
        count = self._db.execute(select(func.count()).select_from(o).where(where)).fetchone()
        rows = self._db.execute(
            select(*ORDER_COLUMNS).where(where).order_by(o.c.submit_ts, o.c.id).offset(offset).limit(limit)
        ).fetchall()
        return (count[0] if count else 0), [order_from_row(row) for row in rows]
