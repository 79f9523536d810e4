"""Client throughput: how many send-sms calls per second each approach makes against one fixed-JSON server.

One run starts a bare ASGI app on uvicorn in a separate process (it answers every POST with the same send-sms
success envelope, so the clients' own cost is what is measured, not the sandbox's), then measures in turn:

* baseline: the official SDK's approach, `urllib.request` with a new connection per call;
* `httpx.Client` and `aiohttp` (sequential and 32 concurrent requests), for reference;
* `ileti.Client` sequential and `ileti.AsyncClient` with 32 concurrent calls, each a full `send_sms`: local
  validation, request model, envelope, HTTP, JSON decoding, status mapping and the typed result.

    .venv/bin/python benchmarks/client_throughput.py [--seconds 3] [--rounds 3] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Awaitable, Callable

import orjson

BODY = orjson.dumps(
    {"response": {"status": {"code": 200, "message": "İşlem başarılı"}, "order": {"id": "12323232"}}}
)
KEY, HASH = "507caf2e1fcdb5eea9786332ca2d8785", "0db4e316db72c519ba08121985f6ddf479809053d555c"
REQUEST = json.dumps(
    {
        "request": {
            "authentication": {"key": KEY, "hash": HASH},
            "order": {
                "sender": "MYBRAND",
                "iys": "0",
                "message": [{"text": "Merhaba", "receipents": {"number": ["+905301234567"]}}],
            },
        }
    }
).encode()
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


async def app(scope: dict, receive: Callable, send: Callable) -> None:  # type: ignore[type-arg]
    """The fixed-JSON server: read the request body, answer the send-sms success envelope."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


def serve(port: int) -> None:
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="error", access_log=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


Rate = tuple[float, float]
"""(calls per second of wall time, microseconds of this process's CPU time per call)."""


def sync_rate(call: Callable[[], object], seconds: float, max_calls: int) -> Rate:
    for _ in range(20):
        call()
    calls, start, cpu = 0, time.perf_counter(), time.process_time()
    deadline = start + seconds
    while calls < max_calls and time.perf_counter() < deadline:
        call()
        calls += 1
    return calls / (time.perf_counter() - start), (time.process_time() - cpu) / calls * 1e6


async def async_rate(
    call: Callable[[], Awaitable[object]], concurrency: int, seconds: float, max_calls: int
) -> Rate:
    await asyncio.gather(*(call() for _ in range(concurrency)))
    calls = 0
    start, cpu = time.perf_counter(), time.process_time()
    deadline = start + seconds

    async def worker() -> None:
        nonlocal calls
        while calls < max_calls and time.perf_counter() < deadline:
            calls += 1
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - start), (time.process_time() - cpu) / calls * 1e6


def measure(
    url: str, seconds: float, concurrency: int, max_calls: int
) -> list[tuple[str, Callable[[], Rate]]]:
    """Every row of the table as (label, run): `run()` measures once and returns calls per second."""
    import aiohttp

    import ileti

    endpoint = url + "/v1/send-sms/json"
    rows: list[tuple[str, Callable[[], Rate]]] = []

    def urllib_call() -> object:
        request = urllib.request.Request(endpoint, data=REQUEST, headers=HEADERS, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    rows.append(
        (
            "urllib.request, new connection per call (baseline)",
            lambda: sync_rate(urllib_call, seconds, max_calls),
        )
    )

    try:
        import httpx
    except ImportError:  # httpx is a dev dependency only
        pass
    else:

        def httpx_rate() -> Rate:
            with httpx.Client() as hx:
                return sync_rate(
                    lambda: hx.post(endpoint, content=REQUEST, headers=HEADERS).json(), seconds, max_calls
                )

        rows.append(("httpx.Client, sequential", httpx_rate))

    def aiohttp_rate(n: int) -> Rate:
        async def run() -> Rate:
            async with aiohttp.ClientSession() as session:

                async def one() -> object:
                    async with session.post(endpoint, data=REQUEST, headers=HEADERS) as response:
                        return orjson.loads(await response.read())

                return await async_rate(one, n, seconds, max_calls)

        return asyncio.run(run())

    rows.append(("aiohttp, sequential", lambda: aiohttp_rate(1)))
    rows.append((f"aiohttp, {concurrency} concurrent", lambda: aiohttp_rate(concurrency)))

    def ileti_sync() -> Rate:
        with ileti.Client(KEY, HASH, base_url=url, sender="MYBRAND") as client:
            return sync_rate(lambda: client.send_sms("+905301234567", "Merhaba"), seconds, max_calls)

    def ileti_async(n: int) -> Rate:
        async def run() -> Rate:
            async with ileti.AsyncClient(KEY, HASH, base_url=url, sender="MYBRAND") as client:
                return await async_rate(
                    lambda: client.send_sms("+905301234567", "Merhaba"), n, seconds, max_calls
                )

        return asyncio.run(run())

    rows.append(("ileti.Client, sequential send_sms", ileti_sync))
    rows.append(("ileti.AsyncClient, sequential send_sms", lambda: ileti_async(1)))
    rows.append((f"ileti.AsyncClient, {concurrency} concurrent send_sms", lambda: ileti_async(concurrency)))
    return rows


def pin(pid: int, cpus: set[int]) -> bool:
    """Keep the server and the clients on different cores, so they do not take turns on one."""
    if not hasattr(os, "sched_setaffinity"):
        return False
    os.sched_setaffinity(pid, cpus)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement (default 3)")
    parser.add_argument("--max-calls", type=int, default=100_000, help="call cap per measurement")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds over all rows; the best counts (default 3)"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    pinned = (os.cpu_count() or 1) >= 2 and pin(server.pid, {1}) and pin(0, {0})
    try:
        wait_ready(port)
        rows = measure(f"http://127.0.0.1:{port}", args.seconds, args.concurrency, args.max_calls)
        # Rounds run every row in turn, so a noisy moment on the machine hits all rows alike. Each row reports
        # its best round (the timeit convention: noise only ever slows a run down) and its lowest client CPU
        # time per call, which other processes on the machine distort much less than wall-clock rates.
        rates: dict[str, list[Rate]] = {name: [] for name, _ in rows}
        for _ in range(args.rounds):
            for name, run in rows:
                rates[name].append(run())
    finally:
        server.terminate()
        server.wait(timeout=10)
    best = {name: max(rate for rate, _ in values) for name, values in rates.items()}
    cpu = {name: min(us for _, us in values) for name, values in rates.items()}
    baseline = best[rows[0][0]]
    print(
        f"\n{platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs{', server and client pinned to separate cores' if pinned else ''}; "
        f"best of {args.rounds} rounds of {args.seconds:g} s per row\n"
    )
    print(
        f"| {'client':<52} | {'calls/s':>8} | {'x baseline':>10} | {'client CPU/call':>15} "
        f"| {'all rounds':<26} |"
    )
    print(f"|{'-' * 54}|{'-' * 9}:|{'-' * 11}:|{'-' * 16}:|{'-' * 28}|")
    for name, _ in rows:
        rounds = ", ".join(f"{rate:,.0f}" for rate, _ in rates[name])
        print(
            f"| {name:<52} | {best[name]:>8,.0f} | {best[name] / baseline:>10.2f} | {cpu[name]:>12,.0f} µs |"
            f" {rounds:<26} |"
        )


if __name__ == "__main__":
    main()
