"""In-process checks of the store's own invariants (the API-level behaviour is tested over a socket)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from pathlib import Path

from ileti.sandbox.store import tables as t
from ileti.sandbox.store import views
from ileti.sandbox.store.records import Account, NewBlock, NewOrder, PlaceOrder, Refusal, RefusalReason
from ileti.sandbox.store.sql import open_store
from ileti.sandbox.world.carrier import outcome
from ileti.wire import json_codec


def test_account_fields_follow_the_table_columns() -> None:
    # SqlStore builds Account positionally from a row (it runs on every request)
    assert [f.name for f in dataclasses.fields(Account)] == [c.name for c in t.accounts.columns]


def _order(text: str, numbers: list[str]) -> NewOrder:
    block = NewBlock(text, "GSM-7", 1, numbers, [True] * len(numbers))
    return NewOrder(
        account_key="k",
        sender="S",
        iys=0,
        iys_list=None,
        submit_ts=1000.0,
        send_ts=1000.0,
        fingerprint=text,
        blocks=[block],
        charged_parts=len(numbers),
    )


def test_group_commit_checks_each_order_against_the_ones_before_it(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    try:
        store.accounts.create(Account(key="k", hash="h", balance_sms=3))
        batch = [
            PlaceOrder(order, 1000.0, 400.0, 2.0, 0.05)
            for order in (
                _order("a", ["+905301234567"]),
                _order("a", ["+905301234567"]),  # 451 inside the batch
                _order("b", ["+905301234567", "+905301234568", "+905301234569"]),  # 402: 2 credits left
                _order("c", ["+905301234567", "+905301234568"]),
            )
        ]
        results = store.orders.place_many(batch)
        assert isinstance(results[0], int)
        assert isinstance(results[3], int)
        assert [r.reason for r in results[1:3] if isinstance(r, Refusal)] == [
            RefusalReason.DUPLICATE,
            RefusalReason.BALANCE,
        ]
        account = store.accounts.get("k")
        assert account is not None
        assert account.balance_sms == 0
        assert [store.orders.get("k", r) is not None for r in results if isinstance(r, int)] == [True, True]
    finally:
        store.close()


def test_settlement_in_bounded_batches_settles_each_message_once(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    try:
        store.accounts.create(Account(key="k", hash="h", balance_sms=100))
        numbers = [f"+90530123{i:03d}5" for i in range(7)]  # no magic suffix: all deliverable
        [order_id] = store.orders.place_many([PlaceOrder(_order("batch", numbers), 1000.0, 400.0, 2.0, 0.05)])
        assert isinstance(order_id, int)
        steps = []
        while settled := store.settlement.settle(
            now=1010.0, due_by=1010.0, decide=outcome, batch_size=3, max_batches=1
        ):
            steps.append(settled)
        assert steps == [3, 3, 1]  # the background carrier yields to requests between such steps
        order = store.orders.get("k", order_id)
        assert order is not None
        assert (order.waiting, order.delivered) == (0, 7)
    finally:
        store.close()


def test_account_cache_sees_every_change_made_here_or_by_another_connection(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    here = open_store(path)
    other = open_store(path)  # another worker or process on the same file
    try:
        here.accounts.create(Account(key="k", hash="h", senders=["OLD"], balance_sms=5))
        assert (account := here.accounts.cached("k")) is not None
        assert account.senders == ["OLD"]
        assert here.accounts.cached_blacklist("k") == frozenset()
        assert here.accounts.cached("k") is account  # served from the cache while nothing changed

        here.accounts.update("k", {"senders": ["NEW"]})  # a change through this store
        assert (account := here.accounts.cached("k")) is not None
        assert account.senders == ["NEW"]

        other.accounts.update("k", {"senders": ["OTHER"], "hash": "h2"})  # a change it did not make itself
        assert (account := here.accounts.cached("k")) is not None
        assert (account.senders, account.hash) == (["OTHER"], "h2")
        other.accounts.add_blacklist("k", ["+905301234567"], 1.0)
        here.accounts.cached("k")  # each request authenticates first; that notices the other connection
        assert here.accounts.cached_blacklist("k") == frozenset({"+905301234567"})
        here.accounts.clear_blacklist("k")  # a blacklist write empties the cache it is kept in
        assert here.accounts.cached_blacklist("k") == frozenset()

        other.accounts.delete("k")
        assert here.accounts.cached("k") is None
    finally:
        here.close()
        other.close()


def test_orders_keep_the_account_cache_but_the_balance_is_read_fresh(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"))
    try:
        store.accounts.create(Account(key="k", hash="h", balance_sms=3))
        cached = store.accounts.cached("k")
        store.orders.place_many([PlaceOrder(_order("a", ["+905301234567"]), 1000.0, 400.0, 2.0, 0.05)])
        assert store.accounts.cached("k") is cached  # an order changes no cached field
        fresh = store.accounts.get("k")
        assert fresh is not None
        assert fresh.balance_sms == 2
    finally:
        store.close()


def test_background_checkpoints_copy_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    running = set(threading.enumerate())  # other tests' servers may have checkpoint threads of their own
    store = open_store(str(path), background_checkpoints=True)
    [checkpointer] = [
        thread
        for thread in threading.enumerate()
        if thread not in running and thread.name == "ileti-wal-checkpoint"
    ]
    try:
        store.accounts.create(Account(key="k", hash="h", balance_sms=10**6))
        before = path.stat().st_size
        for i in range(300):  # far below the commits' own checkpoint threshold: only the thread copies
            store.orders.place_many(
                [PlaceOrder(_order(f"t{i}", [f"+9053012{i:05d}"]), 1000.0, 400.0, 2.0, 0.05)]
            )
        deadline = time.monotonic() + 10
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > before
    finally:
        store.close()
    assert not checkpointer.is_alive()
    with sqlite3.connect(path) as connection:  # everything acknowledged is in the file
        assert connection.execute("SELECT count(*) FROM orders").fetchone() == (300,)


def test_the_outbox_queues_the_contract_body_in_event_order(tmp_path: Path) -> None:
    """The §6 body comes from the core's one builder (`wire.webhook.webhook_payload`), fields in the
    contract's order; `accepted` for every row first, then the at-once `undelivered` (OQ-21)."""
    store = open_store(str(tmp_path / "s.db"))
    try:
        store.accounts.create(Account(key="k", hash="h", balance_sms=10, webhook_url="http://127.0.0.1:9/h"))
        block = NewBlock("Merhaba ş", "UCS-2", 1, ["+905301234567", "bad"], [True, False])
        order = dataclasses.replace(_order("x", []), blocks=[block], charged_parts=1)
        order_id = store.orders.place(
            order, now=1000.0, duplicate_since=400.0, settle_delay=2.0, part_price=0.05
        )
        rows = views.webhook_rows(store, views.Filters(), oldest_first=True)
        first, second = (row["message_id"] for row in rows[:2])
        assert [row["payload"] for row in rows] == [
            f'{{"report":{{"id":{first},"packet_id":{order_id},"status":"accepted","to":"+905301234567",'
            '"body":"Merhaba ş"}}',
            f'{{"report":{{"id":{second},"packet_id":{order_id},"status":"accepted","to":"bad",'
            '"body":"Merhaba ş"}}',
            f'{{"report":{{"id":{second},"packet_id":{order_id},"status":"undelivered","to":"bad",'
            '"body":"Merhaba ş"}}',
        ]
        store.settlement.settle(now=1010.0, due_by=1010.0, decide=lambda _number, _rules: "undelivered")
        last = views.webhook_rows(store, views.Filters())[0]  # newest first
        assert json_codec.loads(last["payload"])["report"] == {
            "id": first,
            "packet_id": order_id,
            "status": "undelivered",
            "to": "+905301234567",
            "body": "Merhaba ş",
        }
        account = store.accounts.get("k")
        assert account is not None
        assert account.balance_sms == 10  # the undelivered part came back (OQ-16)
    finally:
        store.close()
