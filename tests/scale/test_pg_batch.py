"""PostgreSQL places a group-commit batch in one statement per order (`store/pg_orders.py`); SQLite runs the
statement-by-statement path. The same batch must leave the same rows on both: every refusal, both billings,
several blocks, rows refused at once, webhooks, and a text PostgreSQL cannot store as it is (NUL)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.group_commit import GroupCommit
from ileti.sandbox.store.records import Account, NewBlock, NewOrder, PlaceOrder, Refusal
from ileti.sandbox.store.sql import SqlStore, open_store

from .conftest import new_store
from .postgres import drop_database


def _order(
    key: str,
    fingerprint: str,
    blocks: list[NewBlock],
    charged: int,
    *,
    send_ts: float = 1000.0,
    iys_list: str | None = None,
) -> PlaceOrder:
    new = NewOrder(
        account_key=key,
        sender="S",
        iys=1 if iys_list else 0,
        iys_list=iys_list,
        submit_ts=1000.0,
        send_ts=send_ts,
        fingerprint=fingerprint,
        blocks=blocks,
        charged_parts=charged,
    )
    return PlaceOrder(new, 1000.0, 400.0, 2.0, 0.05)


def _block(text: str, numbers: list[str], deliverable: list[bool] | None = None, parts: int = 1) -> NewBlock:
    return NewBlock(text, "GSM-7", parts, numbers, deliverable or [True] * len(numbers))


BATCH = [
    _order("sms", "a", [_block("bir", ["+905301234567"])], 1),
    _order("sms", "a", [_block("bir", ["+905301234567"])], 1),  # 451 inside the batch
    _order(
        "sms",
        "b",
        [
            _block("iki", ["+905301234567", "+905301234568"], [True, False], parts=2),
            _block("üç\x00", ["+905301234569"]),
        ],
        3,
        send_ts=5000.0,
        iys_list="BIREYSEL",
    ),
    _order("sms", "c", [_block("çok", ["+905301234567"] * 3)], 3),  # 402: one credit left
    _order("tl", "d", [_block("tl", ["+905301234567", "bad"], [True, False])], 1),
    _order("tl", "e", [_block("tl", ["+905301234567"] * 40)], 40),  # 402 on the amount
    _order("apitest", "f", [_block("deneme", ["+905301234567"])], 0),  # nothing charged
    _order("nobody", "g", [_block("yok", ["+905301234567"])], 1),  # no such account
    _order("hooked", "h", [_block("kanca", ["+905301234567", "x"], [True, False])], 1),
]


async def _place_together(store: SqlStore, batch: list[PlaceOrder]) -> list[Any]:
    """The batch's orders as concurrent send-sms requests place them: one group commit."""
    orders = GroupCommit(store)

    async def place(item: PlaceOrder) -> Any:
        try:
            return await orders.place(
                item.order,
                now=item.now,
                duplicate_since=item.duplicate_since,
                settle_delay=item.settle_delay,
                part_price=item.part_price,
            )
        except Refusal as refusal:
            return refusal.reason

    return await asyncio.gather(*(place(item) for item in batch))


def _place(db: str, *, together: bool = False) -> tuple[list[Any], dict[str, list[tuple[Any, ...]]]]:
    store: SqlStore = open_store(db)
    try:
        store.accounts.create(Account(key="sms", hash="h", balance_sms=5))
        store.accounts.create(Account(key="tl", hash="h", billing="tl", balance_amount=1.0))
        store.accounts.create(Account(key="apitest", hash="h", balance_sms=0))
        store.accounts.create(
            Account(key="hooked", hash="h", balance_sms=9, webhook_url="http://127.0.0.1:9/")
        )
        if together:
            results = asyncio.run(_place_together(store, BATCH))
        else:
            results = [r.reason if isinstance(r, Refusal) else r for r in store.orders.place_many(BATCH)]
        tables = {}
        for table in (t.orders, t.order_texts, t.messages, t.webhooks):
            rows = store.db.execute(select(table)).fetchall()
            # booleans: PostgreSQL's true, SQLite's 1
            tables[table.name] = sorted(
                tuple(int(v) if isinstance(v, bool) else v for v in row) for row in rows
            )
        tables["accounts"] = sorted(
            (a.key, a.balance_sms, round(a.balance_amount, 6)) for a in store.accounts.all()
        )
        return results, tables
    finally:
        store.close()


@pytest.mark.parametrize("together", [False, True], ids=["place_many", "group_commit"])
def test_the_pipelined_batch_writes_what_the_portable_path_writes(
    tmp_path: Path, postgres_server: str | None, together: bool
) -> None:
    """`Orders.place_many` runs `pg_orders.place_batch`; the group commit, off the event loop on a
    connection of its own, `place_batch_in_one_trip`, and the orders of the account with a webhook URL
    through the store."""
    lite_results, lite = _place(str(tmp_path / "s.db"))
    db = new_store("postgresql", tmp_path, postgres_server)
    try:
        pg_results, pg = _place(db, together=together)
    finally:
        assert postgres_server is not None
        drop_database(postgres_server, db)
    assert pg_results == lite_results
    assert [type(r).__name__ for r in pg_results].count("int") == 5
    # PostgreSQL text holds no NUL: U+FFFD instead, as for every other parameter
    lite["order_texts"] = [
        tuple(v.replace("\x00", "\ufffd") if isinstance(v, str) else v for v in row)
        for row in lite["order_texts"]
    ]
    for name, rows in lite.items():
        assert pg[name] == rows, name
    assert len(pg["webhooks"]) == 3  # accepted twice, undelivered once, in the same transaction
