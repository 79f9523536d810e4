"""Client speed as users feel it: send-sms over TLS to an endpoint 20 ms of round trip away.

The endpoint is the fixed-JSON ASGI app of `client_throughput.py` on uvicorn with TLS (a throwaway certificate
made with openssl), in a process of its own. The 20 ms are made, in this order of preference:

1. `tc netem` (10 ms each way) on a veth pair between the benchmark's namespace and a network namespace the
   benchmark creates for the server, both removed at the end (needs root and a kernel with sch_netem);
2. where netem is missing (this project's VM: its kernel has no sch_netem and no modules), a delaying TCP
   relay on 127.0.0.1, in a process of its own, that hands every chunk on 10 ms after it arrived, in each
   direction, and holds a new connection's first bytes one round trip more: the TCP handshake that a real
   link makes the client wait for (the relay itself accepts at once).

Rows (each a full `send_sms` for the ileti clients):

* baseline: the official SDK's approach, `urllib.request` with a new TLS connection per call;
* `ileti.Client` sequential, and `ileti.AsyncClient` with 32 concurrent calls (the default transports);
* the same clients over httpx transports (a few lines here), which is how the defaults were chosen;
* with `--loopback`, the same rows without the delay: the client CPU time per call is the figure of interest.

    python benchmarks/client_latency.py [--seconds 5] [--rounds 2] [--rtt-ms 20] [--loopback] [--relay]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from child_processes import exit_on_signals, spawn, stop
from client_throughput import HASH, HEADERS, KEY, REQUEST, Rate, app, free_port, wait_ready

NS = "ileti-bench-srv"
VETH_HOST, VETH_SRV = "ilbh0", "ilbs0"
HOST_IP, SERVER_IP = "10.213.77.1", "10.213.77.2"  # only inside the veth pair this benchmark creates


# --- the endpoint ---------------------------------------------------------------------------------------


def make_certificate(folder: Path, ip: str) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={ip}",
            "-addext",
            f"subjectAltName=IP:{ip}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def serve_tls(host: str, port: int, cert: str, key: str) -> None:
    import uvicorn

    uvicorn.run(
        app, host=host, port=port, log_level="error", access_log=False, ssl_certfile=cert, ssl_keyfile=key
    )


# --- the delay: netem on a veth pair, or a relay ----------------------------------------------------------


def sh(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(command), capture_output=True, text=True, check=False)


def netem_works() -> bool:
    """Whether this kernel has netem: tried on the loopback of a throwaway namespace."""
    if os.geteuid() != 0 or not shutil.which("tc") or not shutil.which("ip"):
        return False
    probe = "ileti-bench-probe"
    if sh("ip", "netns", "add", probe).returncode != 0:
        return False
    try:
        return (
            sh(
                "ip",
                "netns",
                "exec",
                probe,
                "tc",
                "qdisc",
                "add",
                "dev",
                "lo",
                "root",
                "netem",
                "delay",
                "1ms",
            ).returncode
            == 0
        )
    finally:
        sh("ip", "netns", "del", probe)


@contextlib.contextmanager
def veth_with_netem(one_way_ms: float) -> Iterator[None]:
    """A namespace for the server, joined to this one by a veth pair with `one_way_ms` of netem delay on
    each end; everything is removed on the way out."""
    try:
        for command in (
            ("ip", "netns", "add", NS),
            ("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_SRV),
            ("ip", "link", "set", VETH_SRV, "netns", NS),
            ("ip", "addr", "add", f"{HOST_IP}/30", "dev", VETH_HOST),
            ("ip", "link", "set", VETH_HOST, "up"),
            ("ip", "netns", "exec", NS, "ip", "addr", "add", f"{SERVER_IP}/30", "dev", VETH_SRV),
            ("ip", "netns", "exec", NS, "ip", "link", "set", VETH_SRV, "up"),
            ("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up"),
            ("tc", "qdisc", "add", "dev", VETH_HOST, "root", "netem", "delay", f"{one_way_ms}ms"),
            (
                "ip",
                "netns",
                "exec",
                NS,
                "tc",
                "qdisc",
                "add",
                "dev",
                VETH_SRV,
                "root",
                "netem",
                "delay",
                f"{one_way_ms}ms",
            ),
        ):
            done = sh(*command)
            if done.returncode != 0:
                raise RuntimeError(f"{' '.join(command)}: {done.stderr.strip()}")
        yield
    finally:
        sh("ip", "link", "del", VETH_HOST)  # removes its peer too
        sh("ip", "netns", "del", NS)


def relay(listen_port: int, upstream_port: int, one_way_ms: float) -> None:
    """A TCP relay on 127.0.0.1 that delivers every chunk `one_way_ms` after it arrived, in both directions
    (a delay line: order kept, no bandwidth limit), like a link of that one-way latency. The client's first
    bytes on a connection wait one round trip more: the TCP handshake a real link would have made first."""
    delay = one_way_ms / 1000

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handshake: float) -> None:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        extra = handshake

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not data:
                    with contextlib.suppress(OSError):
                        writer.write_eof()
                    return
                writer.write(data)

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                queue.put_nowait((loop.time() + delay + extra, data))
                extra = 0.0
        except OSError:
            pass
        queue.put_nowait((loop.time() + delay, b""))
        with contextlib.suppress(OSError):
            await sender

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        for w in (writer, up_writer):
            sock = w.get_extra_info("socket")
            sock.setsockopt(6, 1, 1)  # TCP_NODELAY: the relay must not add Nagle delays of its own
        await asyncio.gather(
            pipe(reader, up_writer, 2 * delay), pipe(up_reader, writer, 0.0), return_exceptions=True
        )
        for w in (writer, up_writer):
            w.close()

    async def main() -> None:
        server = await asyncio.start_server(accept, "127.0.0.1", listen_port, backlog=256)
        async with server:
            await server.serve_forever()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


# --- the rows -------------------------------------------------------------------------------------------


def sync_rate(call: Callable[[], object], seconds: float) -> Rate:
    for _ in range(3):
        call()
    calls, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() < start + seconds:
        call()
        calls += 1
    return calls / (time.perf_counter() - start), (time.process_time() - cpu) / calls * 1e6


async def async_rate(call: Callable[[], Awaitable[object]], concurrency: int, seconds: float) -> Rate:
    await asyncio.gather(*(call() for _ in range(concurrency)))
    calls, start, cpu = 0, time.perf_counter(), time.process_time()

    async def worker() -> None:
        nonlocal calls
        while time.perf_counter() < start + seconds:
            calls += 1
            await call()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return calls / (time.perf_counter() - start), (time.process_time() - cpu) / calls * 1e6


class HttpxTransport:
    """ileti's sync transport protocol over httpx (what the defaults were measured against)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        import httpx

        self._client = httpx.Client(verify=context, limits=httpx.Limits(max_connections=64))

    def send(self, request: Any, timeout: Any) -> Any:
        import ileti

        response = self._client.request(
            request.method, request.url, content=request.body, headers=request.headers
        )
        return ileti.RawResponse(response.status_code, dict(response.headers), response.content)

    def close(self) -> None:
        self._client.close()


class AsyncHttpxTransport:
    def __init__(self, context: ssl.SSLContext) -> None:
        import httpx

        self._client = httpx.AsyncClient(verify=context, limits=httpx.Limits(max_connections=64))

    async def send(self, request: Any, timeout: Any) -> Any:
        import ileti

        response = await self._client.request(
            request.method, request.url, content=request.body, headers=request.headers
        )
        return ileti.RawResponse(response.status_code, dict(response.headers), response.content)

    async def aclose(self) -> None:
        await self._client.aclose()


def rows(
    url: str, context: ssl.SSLContext, seconds: float, concurrency: int, with_httpx: bool
) -> list[tuple[str, Callable[[], Rate]]]:
    import ileti

    endpoint = url + "/v1/send-sms/json"
    texts = iter(range(10**9))

    def urllib_call() -> object:
        request = urllib.request.Request(endpoint, data=REQUEST, headers=HEADERS, method="POST")
        with urllib.request.urlopen(request, timeout=10, context=context) as response:
            return json.loads(response.read())

    def ileti_sync(**options: Any) -> Rate:
        with ileti.Client(KEY, HASH, base_url=url, sender="MYBRAND", **options) as client:
            return sync_rate(lambda: client.send_sms("+905301234567", f"Merhaba {next(texts)}"), seconds)

    def ileti_async(n: int, **options: Any) -> Rate:
        async def run() -> Rate:
            async with ileti.AsyncClient(KEY, HASH, base_url=url, sender="MYBRAND", **options) as client:
                return await async_rate(
                    lambda: client.send_sms("+905301234567", f"Merhaba {next(texts)}"), n, seconds
                )

        return asyncio.run(run())

    table: list[tuple[str, Callable[[], Rate]]] = [
        ("urllib.request, new TLS connection per call (baseline)", lambda: sync_rate(urllib_call, seconds)),
        ("ileti.Client, sequential send_sms (urllib3)", lambda: ileti_sync(ssl_context=context)),
        (
            f"ileti.AsyncClient, {concurrency} concurrent send_sms (aiohttp)",
            lambda: ileti_async(concurrency, ssl_context=context),
        ),
    ]
    if with_httpx:
        table += [
            ("ileti.Client over httpx, sequential", lambda: ileti_sync(transport=HttpxTransport(context))),
            (
                f"ileti.AsyncClient over httpx, {concurrency} concurrent",
                lambda: ileti_async(concurrency, transport=AsyncHttpxTransport(context)),
            ),
        ]
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds over all rows; the best counts")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rtt-ms", type=float, default=20.0, help="round-trip delay (default 20)")
    parser.add_argument("--loopback", action="store_true", help="no delay: measure client CPU per call")
    parser.add_argument("--relay", action="store_true", help="use the relay even where netem works")
    parser.add_argument("--no-httpx", action="store_true", help="leave out the httpx rows")
    parser.add_argument("--serve", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--relay-serve", nargs=3, type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        host, port, cert, key = args.serve
        serve_tls(host, int(port), cert, key)
        return
    if args.relay_serve:
        listen, upstream, one_way = args.relay_serve
        relay(int(listen), int(upstream), one_way)
        return
    exit_on_signals()  # the benchmark's own process only: its servers end on SIGTERM's default

    one_way = args.rtt_ms / 2
    use_netem = not args.loopback and not args.relay and netem_works()
    how = (
        "loopback, no delay"
        if args.loopback
        else f"{args.rtt_ms:g} ms RTT by tc netem on a veth pair"
        if use_netem
        else f"{args.rtt_ms:g} ms RTT by a delaying TCP relay (this kernel has no netem)"
    )
    me = [sys.executable, __file__]
    processes = []
    with tempfile.TemporaryDirectory() as folder, contextlib.ExitStack() as stack:
        server_ip = SERVER_IP if use_netem else "127.0.0.1"
        cert, key = make_certificate(Path(folder), server_ip)
        context = ssl.create_default_context(cafile=str(cert))
        port = free_port()
        try:
            if use_netem:
                stack.enter_context(veth_with_netem(one_way))
                server = spawn(
                    ["ip", "netns", "exec", NS, *me, "--serve", server_ip, str(port), str(cert), str(key)]
                )
                processes.append(server)
                wait_ready_at(server_ip, port)
                url = f"https://{server_ip}:{port}"
            else:
                processes.append(spawn([*me, "--serve", "127.0.0.1", str(port), str(cert), str(key)]))
                wait_ready(port)
                url = f"https://127.0.0.1:{port}"
                if not args.loopback:
                    front = free_port()
                    processes.append(spawn([*me, "--relay-serve", str(front), str(port), str(one_way)]))
                    wait_ready(front)
                    url = f"https://127.0.0.1:{front}"
            table = rows(url, context, args.seconds, args.concurrency, with_httpx=not args.no_httpx)
            rates: dict[str, list[Rate]] = {name: [] for name, _ in table}
            for _ in range(args.rounds):
                for name, run in table:
                    rates[name].append(run())
        finally:
            for process in reversed(processes):
                stop(process, grace=5)
    best = {name: max(rate for rate, _ in values) for name, values in rates.items()}
    cpu = {name: min(us for _, us in values) for name, values in rates.items()}
    baseline = best[table[0][0]]
    print(
        f"\n{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs; {how}; "
        f"best of {args.rounds} rounds of {args.seconds:g} s per row\n"
    )
    print(f"| {'client':<58} | {'calls/s':>8} | {'x baseline':>10} | {'client CPU/call':>15} | all rounds |")
    print(f"|{'-' * 60}|{'-' * 9}:|{'-' * 11}:|{'-' * 16}:|---|")
    for name, _ in table:
        rounds = ", ".join(f"{rate:,.1f}" for rate, _ in rates[name])
        print(
            f"| {name:<58} | {best[name]:>8,.1f} | {best[name] / baseline:>10.2f} "
            f"| {cpu[name]:>12,.0f} µs | {rounds} |"
        )


def wait_ready_at(host: str, port: int) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("benchmark server did not start")


if __name__ == "__main__":
    main()
