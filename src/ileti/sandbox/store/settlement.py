"""Settlement: the carrier's pass over due messages (final status, order counters, refunds of undelivered
parts, webhook events), and the per-number carrier rules it reads (`Settlement`, on the store's `Database`).

Which outcome a message gets is not decided here: the caller passes `decide` (the carrier simulation,
`world/carrier.outcome`), so the store never imports the world that drives it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from sqlalchemy import ARRAY, Text, any_, bindparam, delete, insert, select, update

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.accounts import Accounts
from ileti.sandbox.store.db import Database, Sql
from ileti.sandbox.store.orders import DELIVERED, UNDELIVERED, Orders
from ileti.sandbox.store.outbox import Outbox
from ileti.sandbox.store.records import Account, CarrierOutcome

__all__ = ["Decide", "Settlement"]

Decide = Callable[[str, Mapping[str, CarrierOutcome]], CarrierOutcome]
"""(number, per-number rules) -> the message's outcome ("never" leaves it at 110 for good)."""

SETTLE_BATCH = 20_000
_SETTLE_LOCK = 7_110_002  # PostgreSQL advisory lock key: one settlement pass at a time across workers


class Settlement:
    """Settles due messages of every account; keeps the carrier rules."""

    def __init__(self, db: Database, accounts: Accounts, orders: Orders, outbox: Outbox) -> None:
        self._db = db
        self._accounts = accounts
        self._orders = orders
        self._outbox = outbox
        self._sql_settle: tuple[Sql, ...] | None = None
        self._sql_rules = db.compile(select(t.carrier_rules.c.number, t.carrier_rules.c.outcome))

    def settle(
        self,
        *,
        now: float,
        due_by: float,
        decide: Decide,
        batch_size: int = SETTLE_BATCH,
        max_batches: int | None = None,
    ) -> int:
        """Settle every 110 row due by `due_by`: final status, order counters, refunds, webhook events.

        `decide(number, rules)` picks the outcome (`carrier.outcome`); "never" leaves the row at 110 for
        good. Returns how many rows became final. Runs in batches of `batch_size` rows, one transaction each;
        with `max_batches` it stops after that many, so a caller on the event loop can yield in between.
        """
        db = self._db
        if self._sql_settle is None:
            self._sql_settle = self._statements()
        pick, finalize, park, count, refunded, start, pick_keys, pick_of = self._sql_settle
        settled = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with db.transaction(accounts=False):
                if db.postgres:
                    # one settlement pass at a time over all workers: each row settles once. Then the lock
                    # order of the store (`Database.lock_accounts`): the accounts of the batch first, in key
                    # order, and only then the batch, read again under those locks, so a cancel that got in
                    # first is seen and one that comes later waits
                    db.advisory_lock(_SETTLE_LOCK)
                    params = {"due_by": due_by, "limit": batch_size}
                    keys = [row[0] for row in db.run(pick_keys, params).fetchall()]
                    if not keys:
                        return settled
                    db.lock_accounts(keys)
                    batch = db.run(pick_of, {**params, "keys": keys}).fetchall()
                else:
                    batch = db.run(pick, {"due_by": due_by, "limit": batch_size}).fetchall()
                if not batch:
                    if db.postgres:
                        continue  # the rows went (cancelled, deleted) between the two reads: look again
                    return settled
                rules = self.carrier_rules()
                finals: list[dict[str, Any]] = []
                parked: list[dict[str, Any]] = []
                per_order: dict[int, list[int]] = {}  # order id -> [delivered, undelivered, dparts, uparts]
                # order id -> account key, billing, part price, charged parts
                orders: dict[int, tuple[str, str, float, int]] = {}
                events: dict[int, list[tuple[int, str, str, int]]] = {}
                taken: set[int] = set()  # orders whose sending has started (no cancel from now on)
                for mid, oid, number, parts, block, account_key, billing, price, charged in batch:
                    taken.add(oid)
                    result = decide(number, rules)
                    if result == "never":
                        parked.append({"i": mid})
                        continue
                    ok = result == "delivered"
                    finals.append({"i": mid, "s": DELIVERED if ok else UNDELIVERED, "f": now})
                    counts = per_order.get(oid)
                    if counts is None:
                        counts = per_order[oid] = [0, 0, 0, 0]
                        orders[oid] = (account_key, billing, price, charged)
                    counts[0 if ok else 1] += 1
                    counts[2 if ok else 3] += parts
                    event = "delivered" if ok else "undelivered"
                    events.setdefault(oid, []).append((mid, event, number, block))
                db.many(finalize, finals)
                db.many(park, parked)
                db.many(
                    count,
                    [
                        {"oid": oid, "d": d, "u": u, "dp": dp, "n": d + u}
                        for oid, (d, u, dp, _) in per_order.items()
                    ],
                )
                db.many(start, [{"oid": oid} for oid in taken if oid not in per_order])
                accounts: dict[str, Account | None] = {}
                for oid, (_, _, _, uparts) in per_order.items():
                    account_key, billing, price, charged = orders[oid]
                    if charged and uparts:
                        # undelivered messages are free (OQ-16)
                        db.run(refunded, {"oid": oid, "n": uparts})
                        self._orders.refund(account_key, billing, uparts, price)
                    if account_key not in accounts:
                        accounts[account_key] = self._accounts.get(account_key)
                    account = accounts[account_key]
                    if account is not None and account.webhook_url:
                        texts = self._orders.texts(oid)
                        self._outbox.queue_events(
                            account,
                            oid,
                            [(mid, ev, num, texts[blk]) for mid, ev, num, blk in events[oid]],
                            now,
                        )
                settled += len(finals)
        return settled

    def _statements(self) -> tuple[Sql, ...]:
        m, o = t.messages, t.orders
        compile_ = self._db.compile
        # each row with what its order's refund needs: no statement per order to look that up
        due = (
            select(
                m.c.id,
                m.c.order_id,
                m.c.number,
                m.c.parts,
                m.c.block,
                o.c.account_key,
                o.c.billing,
                o.c.part_price,
                o.c.charged_parts,
            )
            .join(o, o.c.id == m.c.order_id)
            .where(m.c.due_ts.isnot(None), m.c.due_ts <= bindparam("due_by"))
            .order_by(m.c.due_ts, m.c.id)
            .limit(bindparam("limit", SETTLE_BATCH))
        )
        batch_keys = due.subquery()
        return (
            compile_(due),
            compile_(
                update(m)
                .where(m.c.id == bindparam("i"))
                .values(status=bindparam("s"), due_ts=None, final_ts=bindparam("f"))
            ),
            compile_(update(m).where(m.c.id == bindparam("i")).values(due_ts=None)),
            compile_(
                update(o)
                .where(o.c.id == bindparam("oid"))
                .values(
                    delivered=o.c.delivered + bindparam("d"),
                    undelivered=o.c.undelivered + bindparam("u"),
                    waiting=o.c.waiting - bindparam("n"),
                    delivered_parts=o.c.delivered_parts + bindparam("dp"),
                    started=True,
                )
            ),
            compile_(
                update(o)
                .where(o.c.id == bindparam("oid"))
                .values(refunded_parts=o.c.refunded_parts + bindparam("n"))
            ),
            compile_(update(o).where(o.c.id == bindparam("oid")).values(started=True)),
            # PostgreSQL: the accounts of the next batch, then that batch restricted to them (`settle`)
            compile_(select(batch_keys.c.account_key).distinct()),
            compile_(due.where(o.c.account_key == any_(bindparam("keys", type_=ARRAY(Text))))),
        )

    # ------------------------------------------------------------------------------------------ carrier rules

    def carrier_rules(self) -> dict[str, CarrierOutcome]:
        """Per-number outcomes set through `PUT /_sandbox/carrier/rules` (they win over the magic numbers)."""
        rows = self._db.run(self._sql_rules)
        return {number: cast(CarrierOutcome, outcome) for number, outcome in rows}

    def set_carrier_rules(self, rules: Mapping[str, CarrierOutcome]) -> None:
        with self._db.transaction():
            self._db.execute(delete(t.carrier_rules))
            if rules:
                sql = self._db.compile(
                    insert(t.carrier_rules).values(number=bindparam("n"), outcome=bindparam("o"))
                )
                self._db.many(sql, [{"n": n, "o": v} for n, v in rules.items()])
