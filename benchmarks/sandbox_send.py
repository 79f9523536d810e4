"""Benchmark: sustained send-sms throughput of `ileti serve` (one recipient per order, durable), next to a
bare ASGI app on the same server in the same run.

    python benchmarks/sandbox_send.py [--duration 10] [--connections 32] [--variant FILE] [--no-bare]

`--variant benchmarks/variants/<name>.py` runs the server through that file instead of `ileti serve`'s entry
point: each variant switches one optimisation off, so alternating runs with and without it measure what it
is worth on this noisy VM (docs/benchmarks.md). `--no-bare` skips the bare app.

Needs `wrk` (Debian: `apt-get install -y wrk`) as the load generator, in its own process; the server and wrk
are pinned to different cores with `taskset` when it exists. Every text is unique (the 451 guard). After the
run the script counts the orders in the SQLite file: every 200 must be a committed order.

Every server it starts is stopped however the run ends, SIGTERM and Ctrl-C included (`child_processes.py`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from child_processes import exit_on_signals, spawn, stop

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used: on a busy machine, CPU per request is the fair measure."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pin(cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu)] if shutil.which("taskset") and (os.cpu_count() or 1) >= 2 else []


def serve_command(db: Path, port: int, variant: Path | None = None) -> list[str]:
    """`ileti serve` on `db` and `port`, pinned to core 0, quiet; through `variant` when one is given."""
    entry = [str(variant)] if variant else ["-c", "from ileti.cli import main; main()"]
    return [
        *pin(0),
        sys.executable,
        *entry,
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server exited")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise SystemExit("the server did not start")


def wrk(
    url: str, duration: float, connections: int, env: dict[str, str], script: Path | None
) -> dict[str, float]:
    command = [*pin(1), "wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "--latency"]
    if script is not None:
        command += ["-s", str(script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, env={**os.environ, **env}, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1])  # type: ignore[index]
    result: dict[str, float] = {"rps": rps}
    match = re.search(r"RESULT (.*)", out)
    if match:
        result.update({k: float(v) for k, v in (kv.split("=") for kv in match[1].split())})
    else:
        result["requests"] = float(re.search(r"(\d+) requests in", out)[1])  # type: ignore[index]
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        result["non2xx"] = float(non2xx[1]) if non2xx else 0.0
        p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)", out)
        if p50:
            scale = {"us": 1, "ms": 1000, "s": 1_000_000}[p50[2]]
            result["p50_us"] = float(p50[1]) * scale
    return result


def bench_sandbox(duration: float, connections: int, variant: Path | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = spawn(serve_command(db, port, variant), stdout=subprocess.DEVNULL)
        try:
            wait_ready(base + "/readyz", server)
            account = httpx.post(
                base + "/_sandbox/accounts", json={"senders": ["BENCH"], "balance": {"sms": 10**9}}
            ).json()
            env = {
                "ILETI_BENCH_KEY": account["key"],
                "ILETI_BENCH_HASH": account["hash"],
                "ILETI_BENCH_SENDER": "BENCH",
            }
            script = HERE / "sandbox_send.lua"
            warm = wrk(base + "/v1/send-sms/json", 2, connections, {**env, "ILETI_BENCH_RUN": "warm"}, script)
            cpu = cpu_seconds(server.pid)
            result = wrk(
                base + "/v1/send-sms/json", duration, connections, {**env, "ILETI_BENCH_RUN": "run"}, script
            )
            result["cpu_us_per_request"] = (cpu_seconds(server.pid) - cpu) * 1e6 / result["requests"]
            acknowledged = warm["requests"] - warm["non2xx"] + result["requests"] - result["non2xx"]
        finally:
            stop(server)
        with sqlite3.connect(db) as connection:
            committed = connection.execute("SELECT count(*) FROM orders").fetchone()[0]
            rows = connection.execute("SELECT count(*) FROM messages").fetchone()[0]
        result["acknowledged"] = acknowledged
        result["committed_orders"] = committed
        result["committed_rows"] = rows
        return result


def bench_bare(duration: float, connections: int) -> dict[str, float]:
    port = free_port()
    server = spawn(
        [
            *pin(0),
            sys.executable,
            "-m",
            "uvicorn",
            "sandbox_bare_app:app",
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
            str(HERE),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/", server)
        wrk(f"http://127.0.0.1:{port}/", 2, connections, {}, None)
        cpu = cpu_seconds(server.pid)
        result = wrk(f"http://127.0.0.1:{port}/", duration, connections, {}, None)
        result["cpu_us_per_request"] = (cpu_seconds(server.pid) - cpu) * 1e6 / result["requests"]
        return result
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--variant", type=Path, help="a benchmarks/variants/ file to start the server with")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare ASGI app")
    args = parser.parse_args()
    exit_on_signals()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    if not args.no_bare:
        bare = bench_bare(args.duration, args.connections)
        print(
            f"bare ASGI app (uvicorn, uvloop, httptools): {bare['rps']:,.0f} requests/s, "
            f"p50 {bare.get('p50_us', 0) / 1000:.2f} ms, "
            f"server CPU {bare['cpu_us_per_request']:.0f} µs/request"
        )
    sandbox = bench_sandbox(args.duration, args.connections, args.variant)
    label = f" [{args.variant.stem}]" if args.variant else ""
    print(
        f"ileti sandbox send-sms (1 recipient, durable){label}: {sandbox['rps']:,.0f} requests/s, "
        f"p50 {sandbox['p50_us'] / 1000:.2f} ms, p99 {sandbox['p99_us'] / 1000:.2f} ms, "
        f"server CPU {sandbox['cpu_us_per_request']:.0f} µs/request, "
        f"non-2xx {sandbox['non2xx']:.0f}, socket errors "
        f"{sandbox['connect'] + sandbox['read'] + sandbox['write'] + sandbox['timeout']:.0f}"
    )
    print(
        f"acknowledged {sandbox['acknowledged']:.0f}, committed orders {sandbox['committed_orders']:.0f}, "
        f"message rows {sandbox['committed_rows']:.0f}"
    )
    if sandbox["committed_orders"] < sandbox["acknowledged"]:
        raise SystemExit("an acknowledged order is missing from the store")


if __name__ == "__main__":
    main()
