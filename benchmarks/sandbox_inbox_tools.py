"""Benchmark: the inbox helpers of the control API over a store of 110,000 messages (two 50,000-recipient
orders, 10,000 single-recipient orders, and the oldest message with a code), against `ileti serve` in another
process.

    python benchmarks/sandbox_inbox_tools.py [--repeat 5] [--singles 10000]

Measures, at the client over a real socket: `GET /_sandbox/messages?limit=50`; a text search (`q`) that
must read every order text to find its one match in the oldest message (the worst case: every order has its
own text); a search that matches at once; a `wait` released by a send (how long after the send the answer
comes); and `DELETE /_sandbox/messages` of everything. The server is stopped however the run ends
(`child_processes.py`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

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
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--singles", type=int, default=10_000)
    args = parser.parse_args()
    exit_on_signals()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = spawn(serve_command(Path(tmp) / "inbox.db", port), stdout=subprocess.DEVNULL)
        try:
            wait_ready(base + "/readyz", server)
            run(base, args.repeat, args.singles)
        finally:
            stop(server)


def _median_ms(http: httpx.Client, path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = http.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return statistics.median(times) * 1000


def run(base: str, repeat: int, singles: int) -> None:
    account = httpx.post(
        base + "/_sandbox/accounts", json={"senders": ["BULK"], "balance": {"sms": 10**9}}
    ).json()
    auth = {"key": account["key"], "hash": account["hash"]}

    def send(http: httpx.Client, text: str, numbers: list[str]) -> None:
        body = orjson.dumps(
            {
                "request": {
                    "authentication": auth,
                    "order": {
                        "sender": "BULK",
                        "iys": "0",
                        "message": {"text": text, "receipents": {"number": numbers}},
                    },
                }
            }
        )
        response = http.post("/v1/send-sms/json", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200, response.text

    with http_client(base) as http:
        http.timeout = httpx.Timeout(120.0)
        send(http, "İLK SİPARİŞ, kod 4711", ["+905399999999"])  # the oldest message: a full scan finds it
        for n in range(2):
            send(http, f"toplu mesaj {n}", [f"+9053{i:08d}" for i in range(RECIPIENTS)])
        for n in range(singles):
            send(http, f"tekli mesaj {n}", [f"+90532{n:07d}"])
        listing = _median_ms(http, "/_sandbox/messages?limit=50", repeat)
        rare = _median_ms(http, "/_sandbox/messages?q=ilk%20siparis&limit=1", repeat)
        common = _median_ms(http, "/_sandbox/messages?q=TEKLİ&limit=50", repeat)

        released: list[float] = []
        for n in range(repeat):
            result: dict[str, float] = {}

            def waiter(n: int = n, result: dict[str, float] = result) -> None:
                answer = httpx.get(
                    base + "/_sandbox/messages", params={"q": f"bekle {n}", "wait": 10}, timeout=30
                )
                result["at"] = time.perf_counter()
                assert answer.json()["messages"], answer.text

            thread = threading.Thread(target=waiter)
            thread.start()
            time.sleep(0.7)
            sent = time.perf_counter()
            send(http, f"bekle {n}", ["+905301112233"])
            thread.join()
            released.append(result["at"] - sent)
        started = time.perf_counter()
        deleted = http.delete("/_sandbox/messages").json()["deleted"]
        clear = time.perf_counter() - started
    print(f"store of {deleted['messages']:,} messages in {deleted['orders']} orders")
    print(f"GET /_sandbox/messages?limit=50:             median {listing:.1f} ms")
    print(f"q search, one match in the oldest message:   median {rare:.0f} ms (reads every order text)")
    print(f"q search, 50 matches among the newest:       median {common:.1f} ms")
    print(
        f"wait released after a send:                  median {statistics.median(released) * 1000:.0f} ms, "
        f"max {max(released) * 1000:.0f} ms (poll every 0.5 s)"
    )
    print(f"DELETE /_sandbox/messages:                   {clear * 1000:.0f} ms")


if __name__ == "__main__":
    main()
