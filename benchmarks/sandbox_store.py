"""Benchmark: what one send-sms order costs inside the store, statement by statement (no server, no HTTP).

    python benchmarks/sandbox_store.py [--batch 8] [--orders 8000] [--fill 30000] [--key-digits 32]
    python benchmarks/sandbox_store.py --postgres-url "$ILETI_TEST_POSTGRES_URL"   # the same on PostgreSQL

Fills a fresh SQLite store with `--fill` one-recipient orders, then places `--orders` more through
`Orders.place_many` in group-commit batches of `--batch`, timing every statement it runs on the DB-API
connection. Prints the process CPU time per order and the wall time per order of each statement (COMMIT
includes the checkpoints SQLite runs inside commits). `--key-digits` sets the length of the 451 duplicate
key in hex digits (64 was the first SHA-256 key; 32 is the current 128-bit key), and
`--background-checkpoints` checkpoints from a thread as `ileti serve` does, to compare the two.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ileti.sandbox.store.records import Account, NewBlock, NewOrder, PlaceOrder
from ileti.sandbox.store.sql import SqlStore, open_store


class TimedConnection:
    """The store's DB-API connection, timing each statement by its first words."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.stats: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def _timed(self, name: str, call: Any, *args: Any) -> Any:
        started = time.perf_counter()
        result = call(*args)
        entry = self.stats[" ".join(name.split())[:60]]
        entry[0] += 1
        entry[1] += time.perf_counter() - started
        return result

    def execute(self, sql: str, *args: Any) -> Any:
        return self._timed(sql, self.connection.execute, sql, *args)

    def executemany(self, sql: str, *args: Any) -> Any:
        return self._timed("(many) " + sql, self.connection.executemany, sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)


def order(i: int, key_digits: int) -> PlaceOrder:
    key = hashlib.sha256(str(i).encode()).hexdigest()[:key_digits]
    block = NewBlock(f"text {i}", "GSM-7", 1, [f"+90530{i % 10**7:07d}"], [True])
    new = NewOrder("k" * 32, "BENCH", 0, None, 1000.0 + i / 1000, 1000.0 + i / 1000, key, [block], 1)
    return PlaceOrder(new, 1000.0 + i / 1000, 0.0, 2.0, 0.05)


def place(store: SqlStore, start: int, count: int, batch: int, key_digits: int) -> None:
    for first in range(start, start + count, batch):
        store.orders.place_many([order(i, key_digits) for i in range(first, first + batch)])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--orders", type=int, default=8000)
    parser.add_argument("--fill", type=int, default=30000)
    parser.add_argument("--key-digits", type=int, default=32)
    parser.add_argument("--background-checkpoints", action="store_true")
    parser.add_argument("--postgres-url", help="a PostgreSQL server to create a fresh database on instead")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "s.db")
        if args.postgres_url:
            sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
            from tests.scale.postgres import create_database

            db = create_database(args.postgres_url, prefix="ileti_bench")
        store = open_store(db, background_checkpoints=args.background_checkpoints)
        try:
            store.accounts.create(Account(key="k" * 32, hash="h", senders=["BENCH"], balance_sms=10**12))
            place(store, 0, args.fill, args.batch, args.key_digits)
            timed = TimedConnection(store.db.connection)  # a benchmark looks inside
            store.db.connection = timed
            started, wall = time.process_time(), time.perf_counter()
            place(store, args.fill, args.orders, args.batch, args.key_digits)
            cpu, wall = time.process_time() - started, time.perf_counter() - wall
        finally:
            store.close()
            if args.postgres_url:
                from tests.scale.postgres import drop_database

                drop_database(args.postgres_url, db)
    print(
        f"batches of {args.batch}, {args.key_digits}-digit duplicate key: "
        f"{cpu / args.orders * 1e6:.1f} µs CPU per order (with the timing itself), "
        f"{wall / args.orders * 1e6:.1f} µs wall per order"
    )
    for name, (calls, seconds) in sorted(timed.stats.items(), key=lambda item: -item[1][1]):
        print(f"{seconds / args.orders * 1e6:7.1f} µs/order {int(calls):7d} calls  {name}")


if __name__ == "__main__":
    main()
