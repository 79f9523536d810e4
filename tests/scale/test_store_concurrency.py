"""The store's promises under concurrency, on SQLite and PostgreSQL, without HTTP in between: many connections
(one store object each, as several workers have) place, settle and claim at once.

- identical orders: exactly one is placed, the rest are refused as duplicates (451);
- orders against one balance: never more than it covers, the rest refused for balance (402);
- settlement: each due message is settled by exactly one of the racing connections;
- webhook jobs: each is claimed by exactly one connection.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from ileti.sandbox.store import views
from ileti.sandbox.store.records import Account, NewBlock, NewOrder, PlaceOrder, Refusal
from ileti.sandbox.store.sql import SqlStore, open_store
from ileti.sandbox.world.carrier import outcome

from .harness import audit

T = TypeVar("T")
KEY = "store-test"
NOW = 1_800_000_000.0  # a fixed sandbox time: the store takes time as an argument


def _open(db: str) -> SqlStore:
    return open_store(db)


@pytest.fixture
def store(store_db: str) -> Iterator[SqlStore]:
    opened = _open(store_db)
    yield opened
    opened.close()


def _account(store: SqlStore, sms: int, webhook_url: str | None = None) -> None:
    store.accounts.create(
        Account(
            key=KEY, hash="h", balance_sms=sms, senders=["LOADTEST"], webhook_url=webhook_url, created_ts=NOW
        )
    )


def _order(text: str, numbers: list[str], fingerprint: str) -> NewOrder:
    block = NewBlock(text=text, encoding="GSM-7", parts=1, numbers=numbers, deliverable=[True] * len(numbers))
    return NewOrder(
        account_key=KEY,
        sender="LOADTEST",
        iys=0,
        iys_list=None,
        submit_ts=NOW,
        send_ts=NOW,
        fingerprint=fingerprint,
        blocks=[block],
        charged_parts=len(numbers),
    )


def _race(db: str, count: int, work: Callable[[SqlStore, int], T]) -> list[T | Refusal]:
    """Run `work(store, i)` for i in range(count), each on its own connection, released together."""
    stores = [_open(db) for _ in range(count)]
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def one(i: int) -> None:
        barrier.wait(timeout=60)
        try:
            results[i] = work(stores[i], i)
        except Refusal as refusal:
            results[i] = refusal

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for opened in stores:
            opened.close()
    return results


def _place(order: NewOrder) -> Callable[[SqlStore, int], int]:
    def work(store: SqlStore, _: int) -> int:
        return store.orders.place(
            order, now=NOW, duplicate_since=NOW - 600, settle_delay=2.0, part_price=0.05
        )

    return work


def _outcomes(results: list[Any]) -> Counter[str]:
    return Counter(r.reason.value if isinstance(r, Refusal) else "placed" for r in results)


def test_identical_orders_on_50_connections_place_exactly_one(store: SqlStore, store_db: str) -> None:
    _account(store, sms=1000)
    results = _race(store_db, 50, _place(_order("aynı", ["+905301234567", "+905307654321"], "same")))
    assert _outcomes(results) == {"placed": 1, "duplicate": 49}
    assert store.accounts.get(KEY).balance_sms == 998  # type: ignore[union-attr]
    assert audit(store_db, {KEY: 1000}).problems == []


def test_orders_on_many_connections_never_overdraw_the_balance(store: SqlStore, store_db: str) -> None:
    _account(store, sms=25)

    def work(opened: SqlStore, i: int) -> int:
        numbers = [f"+90530{i:07d}", f"+90531{i:07d}"]  # 2 credits each: 12 fit, the 13th does not
        return _place(_order(f"sipariş {i}", numbers, f"fp-{i}"))(opened, i)

    results = _race(store_db, 40, work)
    assert _outcomes(results) == {"placed": 12, "balance": 28}
    assert store.accounts.get(KEY).balance_sms == 1  # type: ignore[union-attr]
    assert audit(store_db, {KEY: 25}).problems == []


def test_racing_settlements_settle_each_message_once(store: SqlStore, store_db: str) -> None:
    _account(store, sms=100_000, webhook_url="http://127.0.0.1:9/hook")
    rows = 0
    for i in range(40):
        numbers = [f"+90532{i:05d}{k + 10:02d}" for k in range(25)] + [f"+90533{i:03d}0001"]  # 1 undelivered
        _place(_order(f"toplu {i}", numbers, f"bulk-{i}"))(store, i)
        rows += len(numbers)

    results = _race(
        store_db, 6, lambda opened, _: opened.settlement.settle(now=NOW + 5, due_by=NOW + 5, decide=outcome)
    )
    assert sum(r for r in results if isinstance(r, int)) == rows
    assert audit(store_db, {KEY: 100_000}).problems == []
    events = Counter(
        (job["message_id"], job["event"])
        for job in views.webhook_rows(store, views.Filters(), limit=1_000_000)
    )
    assert [event for event, n in events.items() if n > 1] == []
    assert Counter(event for _, event in events) == {
        "accepted": rows,
        "delivered": rows - 40,
        "undelivered": 40,
    }


def test_racing_webhook_claims_never_share_a_job(store: SqlStore, store_db: str) -> None:
    _account(store, sms=100_000, webhook_url="http://127.0.0.1:9/hook")
    for i in range(30):
        _place(_order(f"kanca {i}", [f"+90534{i:05d}{k + 10:02d}" for k in range(10)], f"hook-{i}"))(store, i)
    store.settlement.settle(now=NOW + 5, due_by=NOW + 5, decide=outcome)
    jobs = 30 * 10 * 2  # `accepted`, then `delivered`, per message

    def drain(opened: SqlStore, _: int) -> list[int]:
        claimed: list[int] = []
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 1.0:
            batch = opened.outbox.claim(time.time(), 7)
            if batch:
                idle_since = time.monotonic()
            for job in batch:
                claimed.append(job.id)
                opened.outbox.record_attempt(
                    job,
                    at=time.time(),
                    http_status=200,
                    error=None,
                    duration_ms=1.0,
                    next_ts=None,
                    delivered=True,
                )
        return claimed

    results = _race(store_db, 4, drain)
    claims = Counter(job for claimed in results if isinstance(claimed, list) for job in claimed)
    assert [job for job, n in claims.items() if n > 1] == []
    assert len(claims) == jobs
    assert not store.outbox.has_pending()


def test_workers_account_caches_follow_each_others_changes(store_db: str) -> None:
    """Two workers' stores on one database: each sees the other's account and blacklist changes at its next
    request (the version `SharedReader` reads), and orders, which change only balances, keep the cache."""
    from ileti.sandbox.store.shared import SharedReader

    here, there = _open(store_db), _open(store_db)
    try:
        here.accounts.shared = there.accounts.shared = True
        request = SharedReader(here).read  # what `SharedState` does before every request of this worker
        _account(there, sms=10)
        request()
        assert (cached := here.accounts.cached(KEY)) is not None
        assert cached.senders == ["LOADTEST"]
        assert here.accounts.cached_blacklist(KEY) == frozenset()

        there.orders.place_many(
            [PlaceOrder(_order("a", ["+905301234567"], "fp-a"), NOW, NOW - 600, 2.0, 0.05)]
        )
        request()
        assert here.accounts.cached(KEY) is cached  # a balance change leaves the cache alone

        there.accounts.update(KEY, {"senders": ["OTHER"], "webhook_url": "http://127.0.0.1:9/hook"})
        assert here.accounts.cached(KEY) is cached  # not before its next request ...
        request()
        assert (cached := here.accounts.cached(KEY)) is not None  # ... and then at once
        assert (cached.senders, cached.webhook_url) == (["OTHER"], "http://127.0.0.1:9/hook")

        there.accounts.add_blacklist(KEY, ["+905301234567", "+905301234568"], NOW)
        request()
        assert here.accounts.cached_blacklist(KEY) == frozenset({"+905301234567", "+905301234568"})
        there.accounts.clear_blacklist(KEY)
        request()
        assert here.accounts.cached_blacklist(KEY) == frozenset()

        there.accounts.delete(KEY)
        request()
        assert here.accounts.cached(KEY) is None
    finally:
        here.close()
        there.close()


def test_the_version_triggers_watch_every_cached_account_column() -> None:
    """Migration 0004 lists the account columns whose change bumps the version: all but the balances."""
    import importlib.util
    from pathlib import Path

    from ileti.sandbox.store import tables
    from ileti.sandbox.store.db import MIGRATIONS

    path = MIGRATIONS / "versions" / "0004_accounts_version.py"
    spec = importlib.util.spec_from_file_location("m0004", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    columns = {column.name for column in tables.accounts.columns} - {"balance_amount", "balance_sms"}
    assert set(module.CACHED_COLUMNS) == columns
    assert isinstance(MIGRATIONS, Path)
