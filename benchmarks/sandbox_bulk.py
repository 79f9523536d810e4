"""Benchmark: a 50,000-recipient send-sms order (the documented per-request maximum) and 1,000-row get-report
pages of such an order, against `ileti serve` in another process.

    python benchmarks/sandbox_bulk.py [--orders 5] [--pages 50]

Each measurement alternates with its floor, measured in the same run: for an order, orjson decoding of
the same body, `executemany` of its 50,000 rows into a table shaped and indexed like the sandbox's
`messages` and the commit, in plain sqlite3 on a file in the same directory with the same
WAL/synchronous=NORMAL settings; for a page, the same 1,000 rows selected by index and encoded with orjson
(no HTTP), and an HTTP floor: a bare ASGI app on uvicorn (`sandbox_bare_page.py`) answering a pre-encoded
page of the sandbox over the same client.

Times are wall-clock at the client over a real socket, so they include JSON encoding, the transfer and the
server's commit: a 200 means the order and its 50,000 rows are committed. The server is stopped however the
run ends, SIGTERM and Ctrl-C included (`child_processes.py`).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
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

    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = spawn(serve_command(Path(tmp) / "bulk.db", port), stdout=subprocess.DEVNULL)
        try:
            wait_ready(base + "/readyz", server)
            run(base, Path(tmp), args.orders, args.pages)
        finally:
            stop(server)


FLOOR_SCHEMA = """
CREATE TABLE messages (
    id INTEGER NOT NULL PRIMARY KEY, order_id INTEGER NOT NULL, "row" INTEGER NOT NULL,
    block INTEGER NOT NULL,
    number VARCHAR(32) NOT NULL, status INTEGER NOT NULL, parts INTEGER NOT NULL, due_ts FLOAT, final_ts FLOAT
);
CREATE INDEX ix_messages_due ON messages (due_ts) WHERE due_ts IS NOT NULL;
CREATE UNIQUE INDEX ix_messages_order_row ON messages (order_id, "row");
"""


def floor_database(tmp: Path) -> sqlite3.Connection:
    """Plain sqlite3 on a file next to the sandbox's, with its messages table, indexes and pragmas."""
    connection = sqlite3.connect(tmp / "floor.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.executescript(FLOOR_SCHEMA)
    return connection


def floor_order(connection: sqlite3.Connection, body: bytes, order_id: int) -> float:
    """The order's floor: decode the body, insert its rows, commit."""
    started = time.perf_counter()
    numbers = orjson.loads(body)["request"]["order"]["message"]["receipents"]["number"]
    due = time.time() + 2
    connection.execute("BEGIN")
    connection.executemany(
        'INSERT INTO messages (order_id, "row", block, number, status, parts, due_ts) '
        "VALUES (?, ?, 0, ?, 110, 1, ?)",
        [(order_id, row, number, due) for row, number in enumerate(numbers, 1)],
    )
    connection.execute("COMMIT")
    return time.perf_counter() - started


def floor_page(connection: sqlite3.Connection, order_id: int, page: int) -> float:
    """The page's floor: select its 1,000 rows by index and encode them."""
    started = time.perf_counter()
    rows = connection.execute(
        "SELECT id, number, status, parts, final_ts FROM messages "
        'WHERE order_id = ? AND "row" BETWEEN ? AND ? ORDER BY "row"',
        (order_id, (page - 1) * 1000 + 1, page * 1000),
    ).fetchall()
    body = orjson.dumps(
        {"message": [{"id": r[0], "number": r[1], "status": r[2], "parts": r[3], "at": r[4]} for r in rows]}
    )
    assert len(rows) == 1000
    assert body
    return time.perf_counter() - started


def bare_page_server(page_body: bytes, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn serving `page_body` from a bare ASGI app (the HTTP floor of a page)."""
    page_file = tmp / "page.json"
    page_file.write_bytes(page_body)
    port = free_port()
    server = spawn(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sandbox_bare_page:app",
            "--port",
            str(port),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--log-level",
            "warning",
            "--no-access-log",
            "--app-dir",
            str(Path(__file__).resolve().parent),
        ],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "ILETI_BARE_PAGE": str(page_file)},
    )
    base = f"http://127.0.0.1:{port}"
    wait_ready(base + "/", server)
    return server, base


def run(base: str, tmp: Path, orders: int, pages: int) -> None:
    account = httpx.post(
        base + "/_sandbox/accounts", json={"senders": ["BULK"], "balance": {"sms": 10**9}}
    ).json()
    auth = {"key": account["key"], "hash": account["hash"]}
    numbers = [f"+9053{i:08d}" for i in range(RECIPIENTS)]
    send_times: list[float] = []
    order_ids: list[str] = []
    floor_send_times: list[float] = []
    floor = floor_database(tmp)
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
            floor_send_times.append(floor_order(floor, body, n + 1))

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
        page_request = {
            "request": {
                "authentication": auth,
                "order": {"id": order_ids[0], "page": "1", "rowCount": "1000"},
            }
        }
        page_body = http.post("/v1/get-report/json", json=page_request).content
        bare, bare_base = bare_page_server(page_body, tmp)
        try:
            with http_client(bare_base) as bare_http:
                # the pages are read while the carrier settles these orders, the worst time for them:
                # wait until it has begun (the settle delay is 2 s of sandbox time), and check afterwards
                # that it had not finished
                deadline = time.monotonic() + 30
                while report(order_ids[0], 1)["delivered"] == 0 and time.monotonic() < deadline:
                    time.sleep(0.02)
                page_times: list[float] = []
                floor_page_times: list[float] = []
                http_floor_times: list[float] = []
                rng = random.Random(7)
                for _ in range(pages):
                    page = rng.randint(1, RECIPIENTS // 1000)
                    index = rng.randrange(len(order_ids))
                    started = time.perf_counter()
                    order = report(order_ids[index], page)
                    page_times.append(time.perf_counter() - started)
                    assert len(order["message"]) == 1000
                    floor_page_times.append(floor_page(floor, index + 1, page))
                    started = time.perf_counter()
                    response = bare_http.post("/v1/get-report/json", json=page_request)
                    assert len(response.json()["response"]["order"]["message"]) == 1000
                    http_floor_times.append(time.perf_counter() - started)
                waiting = sum(report(order_id, 1)["waiting"] for order_id in order_ids)
        finally:
            stop(bare)
    floor.close()
    send_median = statistics.median(send_times)
    floor_send_median = statistics.median(floor_send_times)
    print(
        f"send-sms with {RECIPIENTS:,} recipients, accepted and committed: "
        f"median {send_median * 1000:.0f} ms, max {max(send_times) * 1000:.0f} ms ({orders} orders)"
    )
    print(
        "  floor (orjson decode + executemany + commit, plain sqlite3): "
        f"median {floor_send_median * 1000:.0f} ms"
        f" -> ratio {send_median / floor_send_median:.2f}x (target <= 1.8x)"
    )
    page_times.sort()
    page_median = statistics.median(page_times)
    floor_page_median = statistics.median(floor_page_times)
    http_floor_median = statistics.median(http_floor_times)
    print(
        f"get-report page of 1,000 rows from a {RECIPIENTS:,}-recipient order: "
        f"median {page_median * 1000:.1f} ms, "
        f"p95 {page_times[int(len(page_times) * 0.95) - 1] * 1000:.1f} ms ({pages} pages, read while the "
        f"carrier settled the orders: {waiting:,} of {orders * RECIPIENTS:,} messages still waiting after "
        f"the last page)"
    )
    print(
        f"  floor (select by index + orjson encode, plain sqlite3, no HTTP): median "
        f"{floor_page_median * 1000:.1f} ms -> ratio {page_median / floor_page_median:.2f}x (target <= 3x)"
    )
    print(
        f"  HTTP floor (bare ASGI app on uvicorn, the same {len(page_body):,}-byte page, same client): "
        "median "
        f"{http_floor_median * 1000:.1f} ms -> ratio {page_median / http_floor_median:.2f}x; "
        f"sqlite floor + HTTP floor {(floor_page_median + http_floor_median) * 1000:.1f} ms -> ratio "
        f"{page_median / (floor_page_median + http_floor_median):.2f}x"
    )


if __name__ == "__main__":
    main()
