"""One lock order for every transaction that touches accounts (PostgreSQL, two workers).

A send-sms batch locks its accounts in key order; the carrier's refunds used to update the same rows in the
order of the messages they settled, and PostgreSQL aborted one side of the circle: a whole batch of valid
sends answered 503. Eight senders over two accounts, every number ending in 0001 (undelivered, so every
settlement refunds), reproduced it within two seconds. Now every send must be a 200, the log must hold no
deadlock and no traceback, and the books must balance.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import new_store
from .harness import Account, Control, ServeProcess, audit, order
from .postgres import drop_database

SENDERS = 8
SECONDS = 4.0
CREDITS = 1_000_000


@pytest.fixture
def served(tmp_path: Path, postgres_server: str | None) -> Iterator[ServeProcess]:
    db = new_store("postgresql", tmp_path, postgres_server)
    server = ServeProcess(db, tmp_path / "serve.log", workers=2, settle_delay=0.05)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if postgres_server is not None:
            drop_database(postgres_server, db)


def test_sends_and_refunds_over_two_accounts_never_deadlock(served: ServeProcess) -> None:
    control = Control(served.url)
    accounts = [control.account(key, balance={"sms": CREDITS}) for key in ("lock-a", "lock-b")]
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + SECONDS

    def sender(index: int) -> None:
        caller = Control(served.url)
        sent = 0
        try:
            while time.monotonic() < deadline:
                account: Account = accounts[(index + sent) % 2]
                numbers = [f"53{index}{sent % 10}{n:02d}0001" for n in range(3)]
                status, body = caller.api(
                    account, "send-sms", "order", order(f"kilit {index}/{sent}", numbers)
                )
                sent += 1
                with lock:
                    statuses[status] += 1
                    if status != 200:
                        failures.append(f"{status} {body}")
        finally:
            caller.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    control("POST", "/_sandbox/carrier/settle", {})
    control.close()

    assert failures[:3] == [], statuses
    assert statuses[200] > 100, statuses
    log = served.log.read_text(errors="replace")
    assert "deadlock" not in log.lower()
    assert "Traceback" not in log
    result = audit(served.db, {account.key: CREDITS for account in accounts})
    assert result.problems == []
    assert result.orders == statuses[200]
