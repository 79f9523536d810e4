"""In-process checks of the store's own invariants (the API-level behaviour is tested over a socket)."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
import time
from pathlib import Path

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.base import Account, NewBlock, NewOrder, Refusal, RefusalReason
from ileti.sandbox.store.sql import PlaceOrder, open_store
from ileti.sandbox.world.webhooks import render_webhook


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
    store = open_store(str(tmp_path / "s.db"), webhook_renderer=render_webhook)
    try:
        store.create_account(Account(key="k", hash="h", balance_sms=3))
        batch = [
            PlaceOrder(order, 1000.0, 400.0, 2.0, 0.05)
            for order in (
                _order("a", ["+905301234567"]),
                _order("a", ["+905301234567"]),  # 451 inside the batch
                _order("b", ["+905301234567", "+905301234568", "+905301234569"]),  # 402: 2 credits left
                _order("c", ["+905301234567", "+905301234568"]),
            )
        ]
        results = store.place_orders(batch)
        assert isinstance(results[0], int)
        assert isinstance(results[3], int)
        assert [r.reason for r in results[1:3] if isinstance(r, Refusal)] == [
            RefusalReason.DUPLICATE,
            RefusalReason.BALANCE,
        ]
        account = store.get_account("k")
        assert account is not None
        assert account.balance_sms == 0
        assert [store.get_order("k", r) is not None for r in results if isinstance(r, int)] == [True, True]
    finally:
        store.close()


def test_settlement_in_bounded_batches_settles_each_message_once(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"), webhook_renderer=render_webhook)
    try:
        store.create_account(Account(key="k", hash="h", balance_sms=100))
        numbers = [f"+90530123{i:03d}5" for i in range(7)]  # no magic suffix: all deliverable
        [order_id] = store.place_orders([PlaceOrder(_order("batch", numbers), 1000.0, 400.0, 2.0, 0.05)])
        assert isinstance(order_id, int)
        steps = []
        while settled := store.settle(now=1010.0, due_by=1010.0, batch_size=3, max_batches=1):
            steps.append(settled)
        assert steps == [3, 3, 1]  # the background carrier yields to requests between such steps
        order = store.get_order("k", order_id)
        assert order is not None
        assert (order.waiting, order.delivered) == (0, 7)
    finally:
        store.close()


def test_account_cache_sees_every_change_made_here_or_by_another_connection(tmp_path: Path) -> None:
    path = str(tmp_path / "s.db")
    here = open_store(path, webhook_renderer=render_webhook)
    other = open_store(path, webhook_renderer=render_webhook)  # another worker or process on the same file
    try:
        here.create_account(Account(key="k", hash="h", senders=["OLD"], balance_sms=5))
        assert (account := here.cached_account("k")) is not None
        assert account.senders == ["OLD"]
        assert here.cached_blacklist("k") == frozenset()
        assert here.cached_account("k") is account  # served from the cache while nothing changed

        here.update_account("k", {"senders": ["NEW"]})  # a change through this store
        assert (account := here.cached_account("k")) is not None
        assert account.senders == ["NEW"]

        other.update_account("k", {"senders": ["OTHER"], "hash": "h2"})  # a change it did not make itself
        assert (account := here.cached_account("k")) is not None
        assert (account.senders, account.hash) == (["OTHER"], "h2")
        other.add_blacklist("k", ["+905301234567"], 1.0)
        here.cached_account("k")  # each request authenticates first; that notices the other connection
        assert here.cached_blacklist("k") == frozenset({"+905301234567"})
        here.directory.forget_account("k")  # directory writes go through the same transactions
        assert here.cached_blacklist("k") == frozenset()

        other.delete_account("k")
        assert here.cached_account("k") is None
    finally:
        here.close()
        other.close()


def test_orders_keep_the_account_cache_but_the_balance_is_read_fresh(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "s.db"), webhook_renderer=render_webhook)
    try:
        store.create_account(Account(key="k", hash="h", balance_sms=3))
        cached = store.cached_account("k")
        store.place_orders([PlaceOrder(_order("a", ["+905301234567"]), 1000.0, 400.0, 2.0, 0.05)])
        assert store.cached_account("k") is cached  # an order changes no cached field
        fresh = store.get_account("k")
        assert fresh is not None
        assert fresh.balance_sms == 2
    finally:
        store.close()


def test_background_checkpoints_copy_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    running = set(threading.enumerate())  # other tests' servers may have checkpoint threads of their own
    store = open_store(str(path), webhook_renderer=render_webhook, background_checkpoints=True)
    [checkpointer] = [
        thread
        for thread in threading.enumerate()
        if thread not in running and thread.name == "ileti-wal-checkpoint"
    ]
    try:
        store.create_account(Account(key="k", hash="h", balance_sms=10**6))
        before = path.stat().st_size
        for i in range(300):  # far below the commits' own checkpoint threshold: only the thread copies
            store.place_orders([PlaceOrder(_order(f"t{i}", [f"+9053012{i:05d}"]), 1000.0, 400.0, 2.0, 0.05)])
        deadline = time.monotonic() + 10
        while path.stat().st_size <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > before
    finally:
        store.close()
    assert not checkpointer.is_alive()
    with sqlite3.connect(path) as connection:  # everything acknowledged is in the file
        assert connection.execute("SELECT count(*) FROM orders").fetchone() == (300,)
