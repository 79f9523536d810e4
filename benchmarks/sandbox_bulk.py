"""Benchmark: a 50,000-recipient send-sms order (the documented per-request maximum) and 1,000-row get-report
pages of such an order, against `ileti serve` in another process.

    python benchmarks/sandbox_bulk.py [--orders 5] [--pages 50]

Times are wall-clock at the client over a real socket, so they include JSON encoding, the transfer and the
server's commit: a 200 means the order and its 50,000 rows are committed. The server is stopped however the
run ends, SIGTERM and Ctrl-C included (`child_processes.py`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child_processes import exit_on_signals, spawn, stop
from sandbox_send import free_port, serve_command, wait_ready

from ileti.testing import http_client

RECIPIENTS = 50_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5)
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    exit_on_signals()
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = spawn(serve_command(Path(tmp) / "bulk.db", port), stdout=subprocess.DEVNULL)
        try:
            wait_ready(base + "/readyz", server)
            run(base, args.orders, args.pages)
        finally:
            stop(server)


def run(base: str, orders: int, pages: int) -> None:
    account = httpx.post(
        base + "/_sandbox/accounts", json={"senders": ["BULK"], "balance": {"sms": 10**9}}
    ).json()
    auth = {"key": account["key"], "hash": account["hash"]}
    numbers = [f"+9053{i:08d}" for i in range(RECIPIENTS)]
    send_times: list[float] = []
    order_ids: list[str] = []
    with http_client(base) as http:
        http.timeout = httpx.Timeout(60.0)
        for n in range(orders):
            body = orjson.dumps(
                {
                    "request": {
                        "authentication": auth,
                        "order": {
                            "sender": "BULK",
                            "iys": "0",
                            "message": {"text": f"toplu mesaj {n}", "receipents": {"number": numbers}},
                        },
                    }
                }
            )
            started = time.perf_counter()
            response = http.post(
                "/v1/send-sms/json", content=body, headers={"Content-Type": "application/json"}
            )
            send_times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
            order_ids.append(response.json()["response"]["order"]["id"])

        def report(order_id: str, page: int) -> dict[str, Any]:
            response = http.post(
                "/v1/get-report/json",
                json={
                    "request": {
                        "authentication": auth,
                        "order": {"id": order_id, "page": str(page), "rowCount": "1000"},
                    }
                },
            )
            assert response.status_code == 200, response.text
            order: dict[str, Any] = response.json()["response"]["order"]
            return order

        first = report(order_ids[0], 1)
        assert first["total"] == RECIPIENTS
        assert len(first["message"]) == 1000
        # the pages are read while the carrier settles these orders, the worst time for them: wait until it
        # has begun (the settle delay is 2 s of sandbox time), and check afterwards that it had not finished
        deadline = time.monotonic() + 30
        while report(order_ids[0], 1)["delivered"] == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        page_times: list[float] = []
        rng = random.Random(7)
        for _ in range(pages):
            page = rng.randint(1, RECIPIENTS // 1000)
            started = time.perf_counter()
            order = report(rng.choice(order_ids), page)
            page_times.append(time.perf_counter() - started)
            assert len(order["message"]) == 1000
        waiting = sum(report(order_id, 1)["waiting"] for order_id in order_ids)
    print(
        f"send-sms with {RECIPIENTS:,} recipients, accepted and committed: "
        f"median {statistics.median(send_times) * 1000:.0f} ms, max {max(send_times) * 1000:.0f} ms "
        f"({orders} orders)"
    )
    page_times.sort()
    print(
        f"get-report page of 1,000 rows from a {RECIPIENTS:,}-recipient order: "
        f"median {statistics.median(page_times) * 1000:.1f} ms, "
        f"p95 {page_times[int(len(page_times) * 0.95) - 1] * 1000:.1f} ms ({pages} pages, read while the "
        f"carrier settled the orders: {waiting:,} of {orders * RECIPIENTS:,} messages still waiting after "
        f"the last page)"
    )


if __name__ == "__main__":
    main()
