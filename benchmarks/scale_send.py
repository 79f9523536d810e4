"""send-sms throughput of `ileti serve` with 1, 2 and 4 workers, on SQLite and on PostgreSQL.

Each run starts `ileti serve --workers N` as a subprocess on a fresh store, creates a funded account, and then
starts the load generator as a separate process (this same file with `--generate`): `--concurrency` keep-alive
HTTP/1.1 connections on one uvloop event loop, each sending distinct single-recipient send-sms orders back to
back for `--seconds`. It reports orders per second (every one answered 200, so committed) and latency
percentiles. PostgreSQL comes from `--postgres-url` (a server the benchmark may create databases on), else a
throwaway server with PostgreSQL's default durability (fsync and synchronous_commit on) from Debian's
binaries. SQLite runs with WAL and synchronous=NORMAL (the default: a commit survives a process crash).

    .venv/bin/python benchmarks/scale_send.py                          # both backends, 1/2/4 workers
    .venv/bin/python benchmarks/scale_send.py --backend sqlite --workers 1 --seconds 5
    .venv/bin/python benchmarks/scale_send.py --accounts 8          # a team's sandbox: many accounts
    .venv/bin/python benchmarks/scale_send.py --profile                # where a 1-worker server spends time
    .venv/bin/python benchmarks/scale_send.py --variant before=/tmp/old/src --variant after=src  # A/B

The CPU per order counts the server's processes and, with a throwaway PostgreSQL (`--postgres-url ''`),
every process of that PostgreSQL; not the load generator.

`--profile` runs one SQLite (and one PostgreSQL) server with a single worker under cProfile while the load
runs, then prints the functions with the most own time and the same time grouped by layer.

Every server it starts (and the throwaway PostgreSQL) is stopped however the run ends, SIGTERM and Ctrl-C
included (`child_processes.py`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import pstats
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parent))
from child_processes import exit_on_signals, spawn, stop

ROOT = Path(__file__).resolve().parents[1]
SENDER = "BENCH"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# ------------------------------------------------------------------------------------------ load generator


def _request(key: str, hash_: str, text: str, number: str) -> bytes:
    body = json.dumps(
        {
            "request": {
                "authentication": {"key": key, "hash": hash_},
                "order": {
                    "sender": SENDER,
                    "iys": "0",
                    "message": {"text": text, "receipents": {"number": [number]}},
                },
            }
        },
        ensure_ascii=False,
    ).encode()
    return (
        b"POST /v1/send-sms/json HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )


async def _connection(
    port: int, key: str, hash_: str, index: int, deadline: float, latencies: list[float], codes: Counter[int]
) -> None:
    """One keep-alive connection sending orders of one account back to back until `deadline`."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    run = secrets.token_hex(4)  # texts differ from every earlier run's, which are still in the 451 window
    i = 0
    try:
        while time.perf_counter() < deadline:
            # distinct text and number per request: no 451, and the duplicate check does real work
            number = f"53{index % 10}{i % 10_000_000:07d}"
            request = _request(key, hash_, f"Yük testi {run} {index}-{i}", number)
            i += 1
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            codes[int(head.split(b" ", 2)[1])] += 1
    finally:
        writer.close()


async def _generate(
    port: int, accounts: list[tuple[str, str]], seconds: float, concurrency: int
) -> dict[str, object]:
    latencies: list[float] = []
    codes: Counter[int] = Counter()
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _connection(port, *accounts[n % len(accounts)], n, deadline, latencies, codes)
            for n in range(concurrency)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "codes": dict(codes),
        "per_second": round(codes.get(200, 0) / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }


def generate_main(args: argparse.Namespace) -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    accounts = list(zip(args.key.split(","), args.hash.split(","), strict=True))
    print(json.dumps(asyncio.run(_generate(args.port, accounts, args.seconds, args.concurrency))))


# ---------------------------------------------------------------------------------------------- servers


def ileti() -> list[str]:
    script = Path(sys.executable).with_name("ileti")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from ileti.cli import main; main()"]


class Server:
    """`ileti serve` on a free port in its own process group; optionally profiled with cProfile."""

    def __init__(
        self, db: str, workers: int, log: Path, profile: Path | None = None, source: str | None = None
    ) -> None:
        self.port = free_port()
        self.profiled = profile is not None
        argv = [
            "serve",
            "--port",
            str(self.port),
            "--db",
            db,
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
        if profile is None:
            command = [*ileti(), *argv]
        else:
            code = (
                "import cProfile, sys; from ileti.cli import main; sys.argv = ['ileti', *sys.argv[1:]]\n"
                f"cProfile.run('main()', {str(profile)!r})"
            )
            command = [sys.executable, "-c", code, *argv]
        env = {**os.environ, "ILETI_DEMO_ACCOUNT": "0", "ILETI_SETTLE_DELAY": "3600"}
        if source is not None:  # another version of the code (`--variant`)
            env["PYTHONPATH"] = source
        self._log = log.open("ab")
        self.process = spawn(command, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        self.url = f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 120) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ileti serve exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("ileti serve did not become ready")

    def stop(self) -> None:
        # SIGINT to the group, graceful: a profiled server writes its profile; then SIGKILL to what is left
        stop(self.process, signal.SIGINT, grace=60 if self.profiled else 15)
        self._log.close()


def _cpu_by_pid() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds of it and of its children it has waited for), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the name: state, ppid, …, utime (14th field of the line), stime, cutime, cstime
        found[int(entry)] = (int(fields[1]), sum(int(value) for value in fields[11:15]) / tick)
    return found


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds used so far by the processes `roots` and all their descendants (the ones gone included,
    once their parent has reaped them)."""
    table = _cpu_by_pid()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [pid for pid in roots if pid in table]
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo.extend(children.get(pid, []))
    return total


POSTMASTERS: list[int] = []  # the throwaway PostgreSQL's postmaster, whose CPU counts with the server's


def accounts(url: str, count: int) -> tuple[str, str]:
    """`count` funded accounts; their keys and hashes, comma-separated."""
    import httpx

    keys, hashes = [], []
    for _ in range(count):
        key = "bench-" + secrets.token_hex(4)
        response = httpx.post(
            url + "/_sandbox/accounts",
            timeout=30,
            json={"key": key, "secret": "bench", "senders": [SENDER], "balance": {"sms": 2_000_000_000}},
        )
        response.raise_for_status()
        keys.append(response.json()["key"])
        hashes.append(response.json()["hash"])
    return ",".join(keys), ",".join(hashes)


def load(server: Server, key: str, hash_: str, seconds: float, concurrency: int) -> dict[str, object]:
    command = [
        sys.executable,
        __file__,
        "--generate",
        "--port",
        str(server.port),
        "--key",
        key,
        "--hash",
        hash_,
        "--seconds",
        str(seconds),
        "--concurrency",
        str(concurrency),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, object] = json.loads(output.stdout)
    result["generator_cpu"] = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return result


def host_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat: every process, ours or not)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


@contextlib.contextmanager
def stores(backend: str, postgres_url: str | None, directory: Path) -> Iterator[Iterator[str]]:
    """A factory of fresh stores of one backend."""
    if backend == "sqlite":

        def sqlite_files() -> Iterator[str]:
            n = 0
            while True:
                n += 1
                yield str(directory / f"bench-{n}.db")

        yield sqlite_files()
        return
    sys.path.insert(0, str(ROOT))
    from tests.scale.postgres import ThrowawayPostgres, create_database

    throwaway = None if postgres_url else ThrowawayPostgres(durable=True)
    try:  # started inside the `try`: a signal while it starts still stops it
        if throwaway is not None:
            postgres_url = throwaway.start().url
            assert throwaway.dir is not None
            POSTMASTERS[:] = [int((throwaway.dir / "data" / "postmaster.pid").read_text().split()[0])]
        assert postgres_url is not None
        server: str = postgres_url

        def databases() -> Iterator[str]:
            while True:
                yield create_database(server, prefix="ileti_bench")

        yield databases()
    finally:
        POSTMASTERS.clear()
        if throwaway is not None:
            throwaway.stop()


def measure(args: argparse.Namespace) -> None:
    print(
        f"# send-sms throughput: {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {args.seconds:g} s per run, {args.concurrency} connections, "
        f"generator in its own process\n"
    )
    variants: list[tuple[str, str | None]] = [
        (name, path) for name, _, path in (v.partition("=") for v in args.variant)
    ] or [("", None)]
    print(
        "| store | code | workers | accounts | orders/s | CPU µs/order | generator µs/order | host busy "
        "cores | p50 ms | p99 ms | answers |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="ileti-bench-") as tmp:
        directory = Path(tmp)
        for backend in args.backend:
            with stores(backend, args.postgres_url, directory) as fresh:
                for workers in args.workers:
                    for name, source in variants:
                        server = Server(next(fresh), workers, directory / "serve.log", source=source)
                        try:
                            server.wait_ready()
                            key, hash_ = accounts(server.url, args.accounts)
                            load(server, key, hash_, min(2.0, args.seconds), args.concurrency)  # warm-up
                            roots = [server.process.pid, *(POSTMASTERS if backend == "postgresql" else [])]
                            cpu, host = tree_cpu(roots), host_busy()
                            result = load(server, key, hash_, args.seconds, args.concurrency)
                            cpu, host_after = tree_cpu(roots) - cpu, host_busy()
                        finally:
                            server.stop()
                        codes = cast(dict[str, int], result["codes"])
                        per_order = cpu / max(1, codes.get("200", 0)) * 1e6
                        generator = cast(float, result["generator_cpu"]) / max(1, codes.get("200", 0)) * 1e6
                        cores = os.cpu_count() or 1
                        busy = (host_after[0] - host[0]) / (host_after[1] - host[1]) * cores
                        print(
                            f"| {backend} | {name} | {workers} | {args.accounts} | "
                            f"{result['per_second']} | {per_order:.0f} | {generator:.0f} | {busy:.2f} | "
                            f"{result['p50_ms']} | {result['p99_ms']} | {codes} |",
                            flush=True,
                        )


LAYERS = (  # (label, substrings of a profiled function's file path), first match wins
    ("HTTP server (uvicorn, httptools, asyncio)", ("uvicorn", "httptools", "asyncio", "uvloop", "selectors")),
    ("Starlette routing and requests", ("starlette",)),
    ("JSON (orjson) and pydantic models", ("orjson", "pydantic", "ileti/wire")),
    ("send-sms rules, phone, text", ("ileti/sandbox/rules", "ileti/phone", "ileti/text")),
    ("store: SQL statements and commits", ("ileti/sandbox/store", "sqlite3", "psycopg", "sqlalchemy")),
    ("other sandbox code", ("ileti/sandbox",)),
)


def _layer(filename: str) -> str:
    for label, needles in LAYERS:
        if any(needle in filename for needle in needles):
            return label
    return "other (interpreter, builtins)"


def profile(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="ileti-profile-") as tmp:
        directory = Path(tmp)
        for backend in args.backend:
            with stores(backend, args.postgres_url, directory) as fresh:
                out = directory / f"{backend}.prof"
                server = Server(next(fresh), 1, directory / "serve.log", profile=out)
                try:
                    server.wait_ready()
                    key, hash_ = accounts(server.url, args.accounts)
                    result = load(server, key, hash_, args.seconds, args.concurrency)
                finally:
                    server.stop()
                stats = pstats.Stats(str(out))
                raw = stats.stats  # type: ignore[attr-defined]
                total = sum(entry[2] for entry in raw.values())
                by_layer: Counter[str] = Counter()
                for (filename, _, name), entry in raw.items():
                    by_layer[_layer(f"{filename}:{name}")] += entry[2]
                print(
                    f"\n## {backend}, 1 worker, under cProfile: {result['per_second']} orders/s "
                    f"({result['requests']} requests; cProfile itself slows the server down)\n"
                )
                print("| layer | share of own time |")
                print("|---|---:|")
                for label, seconds in by_layer.most_common():
                    print(f"| {label} | {100 * seconds / total:.1f} % |")
                print("\nTop functions by own time:\n```")
                stats.sort_stats("tottime").print_stats(18)
                print("```")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2, 4])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--accounts",
        type=int,
        default=1,
        help="accounts the connections take turns with (one account's sends are serialised)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("ILETI_TEST_POSTGRES_URL"),
        help="a server to create databases on (its CPU not counted); empty: a throwaway one",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=SRC",
        help="run each measurement with the code in SRC (a PYTHONPATH) too, alternating",
    )
    parser.add_argument("--profile", action="store_true", help="profile a 1-worker server instead")
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)  # the load process
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--hash", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate_main(args)
        return
    exit_on_signals()
    if args.profile:
        profile(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
