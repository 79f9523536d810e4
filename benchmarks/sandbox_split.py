"""Benchmark: where a send-sms spends its server time, measured in process (no sockets, no uvicorn).

    python benchmarks/sandbox_split.py [--rounds 6] [--requests 2048]

Drives the sandbox's ASGI app directly from 32 concurrent tasks on uvloop, one-recipient orders as in
`sandbox_send.py`, and reports the process CPU time per request of four variants, each the best of
`--rounds` rounds run in turn (so a noisy machine affects them alike):

- full app: the whole Starlette app, middleware included;
- pipeline only: `formats.run_endpoint` called directly (the difference is routing and middleware);
- no order write: the same, with the group-commit placement (and so the carrier's settling) replaced by a
  stub that returns an id;
- no SQL: also without the authentication and blacklist reads.

The differences between rows split the cost into routing, the order write (with its settlement), the two
reads, and the Python request pipeline. It complements `sandbox_send.py`, which measures the real server.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import uvloop
from starlette.requests import Request

from ileti.sandbox.api import formats
from ileti.sandbox.api.handlers import HANDLERS
from ileti.sandbox.app import create_app
from ileti.sandbox.settings import Settings
from ileti.sandbox.store.records import Account
from ileti.wire.endpoints import ENDPOINTS

CONCURRENCY = 32
Variant = Callable[[], Awaitable[None]]


async def _lifespan(app: Any, message: str) -> asyncio.Queue[Any]:
    inbox: asyncio.Queue[Any] = asyncio.Queue()
    outbox: asyncio.Queue[Any] = asyncio.Queue()
    await inbox.put({"type": f"lifespan.{message}"})
    asyncio.get_running_loop().create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put)
    )
    await outbox.get()
    return inbox


async def measure(rounds: int, requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings(db=str(Path(tmp) / "split.db"), demo_account=False))
        lifespan = await _lifespan(app, "startup")
        services = app.state.services
        services.store.accounts.create(Account(key="k", hash="h", senders=["BENCH"], balance_sms=10**9))
        statuses: set[int] = set()
        counter = 0

        async def send(message: Any) -> None:
            if message["type"] == "http.response.start":
                statuses.add(message["status"])

        def request() -> tuple[dict[str, Any], Callable[[], Awaitable[Any]]]:
            nonlocal counter
            counter += 1
            body = orjson.dumps(
                {
                    "request": {
                        "authentication": {"key": "k", "hash": "h"},
                        "order": {
                            "sender": "BENCH",
                            "iys": "0",
                            "message": {"text": f"split {counter}", "receipents": {"number": ["5301234567"]}},
                        },
                    }
                }
            )
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": "/v1/send-sms/json",
                "raw_path": b"/v1/send-sms/json",
                "query_string": b"",
                "root_path": "",
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
                "state": {},
                "app": app,
            }
            messages = [{"type": "http.request", "body": body, "more_body": False}]

            async def receive() -> Any:
                if messages:
                    return messages.pop()
                await asyncio.Event().wait()  # no disconnect while the call runs
                return None

            return scope, receive

        endpoint, handler = ENDPOINTS["send-sms"], HANDLERS["send-sms"]

        async def full() -> None:
            scope, receive = request()
            await app(scope, receive, send)

        async def pipeline() -> None:
            scope, receive = request()
            response = await formats.run_endpoint(
                services, endpoint, handler, formats.JSON, Request(scope, receive)
            )
            await response(scope, receive, send)

        async def placed(*_args: Any, **_kwargs: Any) -> int:
            return 1

        account = services.store.accounts.get("k")
        accounts, orders = services.store.accounts, services.order_writer

        async def no_write() -> None:
            orders.place, real = placed, orders.place
            try:
                await pipeline()
            finally:
                orders.place = real

        async def no_sql() -> None:
            accounts.cached, real_get = (lambda _key: account), accounts.cached
            accounts.cached_blacklist, real_blacklist = (lambda _key: frozenset()), accounts.cached_blacklist
            try:
                await no_write()
            finally:
                accounts.cached, accounts.cached_blacklist = real_get, real_blacklist

        variants: dict[str, Variant] = {
            "full app": full,
            "pipeline only": pipeline,
            "no order write": no_write,
            "no SQL": no_sql,
        }

        async def run(variant: Variant, n: int) -> float:
            async def worker() -> None:
                for _ in range(n // CONCURRENCY):
                    await variant()

            started = time.process_time()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return (time.process_time() - started) * 1e6 / (n // CONCURRENCY * CONCURRENCY)

        for variant in variants.values():  # warm up
            await run(variant, 640)
        best = dict.fromkeys(variants, float("inf"))
        for _ in range(rounds):
            for name, variant in variants.items():
                best[name] = min(best[name], await run(variant, requests))
        await lifespan.put({"type": "lifespan.shutdown"})
        await asyncio.sleep(0.5)
        if statuses != {200}:
            raise SystemExit(f"unexpected statuses {statuses}")
        return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=2048)
    args = parser.parse_args()
    best = uvloop.run(measure(args.rounds, args.requests))
    for name, cpu in best.items():
        print(f"{name:16s} {cpu:6.0f} µs CPU per request")


if __name__ == "__main__":
    main()
