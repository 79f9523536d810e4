"""Crash safety (DESIGN.md: "a 200 from send-sms means the order is committed"): steady send-sms load on
an `ileti serve` process, SIGKILL to it and its workers mid-load, a restart on the same store, and then every
order that was answered 200 is there with all its recipient rows, and every counter agrees with the rows."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from .harness import Account, Control, ServeProcess, audit, envelope, order

LOADERS = 4
BALANCE = 10_000_000


def _numbers(loader: int, i: int) -> list[str]:
    # mostly small orders, and every tenth a large one, so the kill can land inside a long transaction
    count = 300 if i % 10 == 9 else 1 + i % 5
    return [
        f"53{loader}{i:05d}{k % 100:02d}" if count < 100 else f"54{loader}{i:04d}{k:03d}"
        for k in range(count)
    ]


class Load:
    """`LOADERS` threads sending distinct orders as fast as they are answered; keeps those answered 200."""

    def __init__(self, url: str, account: Account) -> None:
        self.url = url
        self.account = account
        self.acked: list[tuple[int, list[str]]] = []
        self.errors = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(LOADERS)]

    def _run(self, loader: int) -> None:
        with httpx.Client(base_url=self.url, timeout=30.0) as http:
            i = 0
            while not self._stop.is_set():
                numbers = _numbers(loader, i)
                body = envelope(self.account, "order", order(f"Yük {loader}-{i}", numbers))
                i += 1
                try:
                    response = http.post(
                        "/v1/send-sms/json", content=body, headers={"Content-Type": "application/json"}
                    )
                except httpx.TransportError:  # the server is dead: nothing was promised for this one
                    with self._lock:
                        self.errors += 1
                    time.sleep(0.01)
                    continue
                if response.status_code == 200:
                    order_id = int(response.json()["response"]["order"]["id"])
                    with self._lock:
                        self.acked.append((order_id, numbers))

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acked) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.acked) >= count, f"only {len(self.acked)} orders answered before the kill"

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)


@pytest.mark.parametrize("workers", [1, 2], ids=["1w", "2w"])
def test_every_order_answered_200_survives_sigkill(store_db: str, tmp_path: Path, workers: int) -> None:
    # the carrier settles in the background too, so the kill can also interrupt a settlement
    server = ServeProcess(store_db, tmp_path / "serve.log", workers=workers, settle_delay=0.2)
    server.start()
    try:
        setup = Control(server.url)
        account = setup.account("crash-test", balance={"sms": BALANCE})
        setup.close()
        load = Load(server.url, account)
        load.start()
        try:
            load.wait_for(150)
            server.kill()  # mid-load: requests are in flight on every loader
            time.sleep(0.2)
        finally:
            load.stop()
        assert load.errors > 0, "the kill should have interrupted requests in flight"

        server.start()
        check = Control(server.url)
        try:
            for order_id, numbers in load.acked:
                report, rows = check.report_numbers(account, order_id)
                assert report["total"] == len(numbers), (order_id, report)
                assert rows == [f"+90{n}" for n in numbers], order_id
        finally:
            check.close()
    finally:
        server.stop()
    result = audit(store_db, {account.key: BALANCE})
    assert result.problems == []
    assert result.orders >= len(load.acked)  # more when an order committed but its answer was lost
