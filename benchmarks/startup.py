"""Benchmark: how long `ileti serve` takes from spawn to the first 200 from send-sms.

    python benchmarks/startup.py [--runs 5] [--baseline OTHER/src] [--no-bytecode-cache]

Each case runs `--runs` times, the cases interleaved so that a noisy stretch of the machine hits them alike:

- `empty store`: `ileti serve` on a SQLite file that does not exist yet (create the schema, the demo
  account); the benchmark reads the demo key and hash from the banner and posts send-sms until it gets 200;
- `up-to-date store`: `ileti serve` again on the store the previous start left behind, same account;
- `floor`: a bare uvicorn server (a three-line ASGI app answering 200) started the same way: the
  interpreter, uvicorn and a socket, nothing of ileti's;
- with `--baseline DIR`, the two `ileti serve` cases again with `PYTHONPATH=DIR` (another checkout's `src`,
  e.g. `git worktree add /tmp/before main`), for a before/after in one run.

The clock runs from just before the spawn to the arrival of the first 200; the polling client is plain
`http.client` (a new connection per attempt, every 2 ms). Beside the wall time: the CPU time the server had
used by then (steadier on a busy machine), and the ratio to the floor. Python's bytecode is cached, as an
installed package's is (a start that compiles ileti's sources takes about 0.1 s more). Every server it
starts is stopped however the run ends (`child_processes.py`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from child_processes import exit_on_signals, spawn, stop

POLL = 0.002
SEND = "/v1/send-sms/json"
FLOOR_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off")
"""

Run = tuple[float, float]  # (wall seconds to the first 200, server CPU seconds by then)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Banner:
    """The server's stdout lines as they come, and the demo account's credentials once they are printed."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.credentials: dict[str, str] = {}

    def send_sms(self) -> bytes | None:
        """A send-sms body for the demo account (a text of its own each time: the same text twice in a row
        is refused with 451), or None while the banner has not shown the credentials yet."""
        if len(self.credentials) < 2:
            for line in self.lines:
                if match := re.match(r"\s+(key|hash):\s+(\S+)", line):
                    self.credentials[match[1]] = match[2]
            if len(self.credentials) < 2:
                return None
        order = {
            "sender": "ILETIDEMO",
            "iys": "0",
            "message": {"text": f"Merhaba {time.time_ns()}", "receipents": {"number": ["5301234567"]}},
        }
        authentication = {"key": self.credentials["key"], "hash": self.credentials["hash"]}
        return json.dumps({"request": {"authentication": authentication, "order": order}}).encode()


def post(port: int, path: str, body: bytes) -> int | None:
    """The status of one POST, or None when nothing listens yet."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("POST", path, body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        return response.status
    except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
        return None
    finally:
        connection.close()


def first_200(
    command: list[str],
    port: int,
    path: str,
    body: Callable[[], bytes | None],
    env: dict[str, str],
    banner: Banner | None = None,
) -> Run:
    """Spawn `command` and post `body()` (None: not known yet) to `path` until it answers 200."""
    start = time.perf_counter()
    server = spawn(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:

        def read() -> None:
            assert server.stdout is not None
            for line in server.stdout:
                if banner is not None:
                    banner.lines.append(line.decode())

        threading.Thread(target=read, daemon=True).start()
        while time.perf_counter() < start + 60:
            if server.poll() is not None:
                raise SystemExit(f"the server exited with {server.returncode}: {command}")
            request = body()
            if request is not None:
                status = post(port, path, request)
                if status == 200:
                    return time.perf_counter() - start, cpu_seconds(server.pid)
                if status is not None:
                    raise SystemExit(f"{path} answered {status}")
            time.sleep(POLL)
        raise SystemExit(f"no 200 within 60 s: {command}")
    finally:
        stop(server)


def ileti_serve(db: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from ileti.cli import main; main()",
        "serve",
        "--db",
        str(db),
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]


def serve_twice(db: Path, env: dict[str, str]) -> tuple[Run, Run]:
    """A start on the new store `db`, then one on the store it left behind."""
    banner = Banner()
    port = free_port()
    empty = first_200(ileti_serve(db, port), port, SEND, banner.send_sms, env, banner)
    port = free_port()
    return empty, first_200(ileti_serve(db, port), port, SEND, banner.send_sms, env)


def summary(name: str, runs: list[Run], floor: float | None) -> str:
    walls = [wall for wall, _ in runs]
    median = statistics.median(walls)
    text = (
        f"{name:<28} median {median * 1000:5.0f} ms  min {min(walls) * 1000:5.0f}  "
        f"max {max(walls) * 1000:5.0f}"
    )
    if floor:
        text += f"  {median / floor:4.2f}x floor"
    if runs[0][1] >= 0:
        text += f"  server cpu median {statistics.median(cpu for _, cpu in runs) * 1000:4.0f} ms"
    return text


def main() -> None:
    exit_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another `src` directory to measure in the same run")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile the sources at every start (PYTHONDONTWRITEBYTECODE=1, no cache)",
    )
    args = parser.parse_args()
    results: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # the banner reaches the pipe line by line; bytecode is cached (outside the source tree), as an
        # installed package's is, even where PYTHONDONTWRITEBYTECODE is set: the warm-up start fills the cache
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if args.no_bytecode_cache:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            env.pop("PYTHONPYCACHEPREFIX")
        cases = [("", env)]
        if args.baseline:
            cases.append((" (baseline)", {**env, "PYTHONPATH": str(args.baseline.resolve())}))
        for label, case_env in cases:
            serve_twice(Path(tmp) / f"warm-up{label.strip()}.db", case_env)
        for run in range(args.runs):
            for label, case_env in cases:
                empty, existing = serve_twice(Path(tmp) / f"store-{run}{label.strip()}.db", case_env)
                results.setdefault(f"empty store{label}", []).append(empty)
                results.setdefault(f"up-to-date store{label}", []).append(existing)
            port = free_port()
            results.setdefault("floor (bare uvicorn)", []).append(
                first_200([sys.executable, "-c", FLOOR_APP, str(port)], port, "/", lambda: b"{}", env)
            )
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            results.setdefault("python -c pass", []).append((time.perf_counter() - start, -1.0))
    floor = statistics.median(wall for wall, _ in results["floor (bare uvicorn)"])
    print(f"spawn to the first 200 from send-sms, {args.runs} runs each")
    for name, runs in results.items():
        print(summary(name, runs, None if name.startswith(("floor", "python")) else floor))


if __name__ == "__main__":
    main()
