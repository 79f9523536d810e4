"""Benchmark: how long `ileti serve` takes from spawn to the first 200 from send-sms.

    python benchmarks/startup.py [--runs 5]

Three cases, each `--runs` times, interleaved so that a noisy stretch of the machine hits them alike:

- `empty store`: `ileti serve` on a SQLite file that does not exist yet (create, migrate, demo account);
  the benchmark reads the demo key and hash from the banner and posts send-sms until it answers 200;
- `up-to-date store`: `ileti serve` again on a store an earlier start left behind, same demo account;
- `floor`: a bare uvicorn server (`python -c "import uvicorn; uvicorn.run(app)"` with a three-line ASGI app
  answering 200) started the same way: the interpreter, uvicorn and a socket, nothing of ileti's.

The clock runs from just before the process is spawned until the first 200 arrives; the polling client is
plain `http.client` (new connection per attempt, every 2 ms). `python -c pass` is reported beside them.
Every server it starts is stopped however the run ends (`child_processes.py`).
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
FLOOR_APP = """
import sys, uvicorn
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", lifespan="off")
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def send_body(key: str, hash_: str) -> bytes:
    # a text of its own each time: the same text twice in a row is refused (451)
    order = {"sender": "ILETIDEMO", "iys": "0", "message": {"text": f"Merhaba {time.time_ns()}", "receipents": {"number": ["5301234567"]}}}
    return json.dumps({"request": {"authentication": {"key": key, "hash": hash_}, "order": order}}).encode()


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


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far: steadier than wall time on a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_first_200(command: list[str], port: int, path: str, body: Callable[[], bytes | None],
                      env: dict[str, str] | None = None, banner: list[str] | None = None) -> tuple[float, float]:
    """Seconds from spawn to the first 200 on `path`, and the CPU seconds the server used until then;
    `body()` gives the request once it is known (None: not yet), `banner` collects the server's stdout lines
    as they come."""
    start = time.perf_counter()
    server = spawn(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        def read() -> None:
            assert server.stdout is not None
            for line in server.stdout:
                if banner is not None:
                    banner.append(line.decode())
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        deadline = start + 60
        while time.perf_counter() < deadline:
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
    return [sys.executable, "-c", "from ileti.cli import main; main()", "serve", "--db", str(db),
            "--port", str(port), "--log-level", "warning"]


def summary(name: str, runs: list[tuple[float, float]], floor: float | None) -> str:
    times = [wall for wall, _ in runs]
    median = statistics.median(times)
    ratio = f"  {median / floor:4.2f}x floor" if floor else ""
    cpu = f"  cpu median {statistics.median(cpu for _, cpu in runs) * 1000:4.0f} ms" if runs[0][1] >= 0 else ""
    return (f"{name:<18} median {median * 1000:6.0f} ms  min {min(times) * 1000:6.0f}  "
            f"max {max(times) * 1000:6.0f}{ratio}{cpu}")


def main() -> None:
    exit_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the banner reaches the pipe line by line
    empty: list[tuple[float, float]] = []
    existing: list[tuple[float, float]] = []
    floor: list[tuple[float, float]] = []
    bare_python: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(args.runs):
            # empty store: the credentials come from the banner
            db = Path(tmp) / f"fresh-{run}.db"
            banner: list[str] = []
            credentials: dict[str, str] = {}

            def from_banner() -> bytes | None:
                if "key" not in credentials or "hash" not in credentials:
                    for line in list(banner):
                        if match := re.match(r"\s+(key|hash):\s+(\S+)", line):
                            credentials[match[1]] = match[2]
                    if "key" not in credentials or "hash" not in credentials:
                        return None
                return send_body(credentials["key"], credentials["hash"])

            port = free_port()
            empty.append(time_to_first_200(ileti_serve(db, port), port, "/v1/send-sms/json", from_banner,
                                           env, banner))
            # the same store, now up to date, with the same account
            port = free_port()
            existing.append(time_to_first_200(ileti_serve(db, port), port, "/v1/send-sms/json", from_banner,
                                              env))
            port = free_port()
            floor.append(time_to_first_200([sys.executable, "-c", FLOOR_APP, str(port)], port, "/", lambda: b"{}",
                                           env))
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare_python.append((time.perf_counter() - start, -1.0))
    floor_median = statistics.median(wall for wall, _ in floor)
    print(f"spawn to the first 200, {args.runs} runs each")
    print(summary("empty store", empty, floor_median))
    print(summary("up-to-date store", existing, floor_median))
    print(summary("floor (uvicorn)", floor, None))
    print(summary("python -c pass", bare_python, None))


if __name__ == "__main__":
    main()
