"""`ileti serve` as a real process, the one way every test starts it: the real command line on a free port of
127.0.0.1, in its own session (so its workers go with it), its output in a log file, ready once `/readyz`
answers 200, and the whole session SIGKILLed on the way out whatever happened.

`serve()` is the context manager most tests want; `ServeProcess` is for tests that stop, kill and restart a
server on the same store.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

READY_WITHIN = 60.0  # seconds: a loaded CI machine may need a while to import and migrate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any `ILETI_*` setting of the developer's shell, plus `settings`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ILETI_")}, **settings}


def serve_command(port: int, db: str | Path, *args: str, host: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable,
        "-m",
        "ileti",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--db",
        str(db),
        *args,
    ]


@dataclass
class Served:
    """A running `ileti serve`: its process, where it listens, its store and its log."""

    process: subprocess.Popen[bytes]
    port: int
    db: Path | str  # a SQLite file, or the PostgreSQL URL it was given
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, size: int = 4000) -> str:
        return self.text()[-size:]

    def banner(self, name: str) -> str | None:
        """A `name: value` line of the start-up banner (`key`, `hash`, `token`)."""
        found = re.search(rf"^\s*{name}:\s+(\S+)", self.text(), re.MULTILINE)
        return found.group(1) if found else None

    def raw(self, data: bytes, *, timeout: float = 5.0) -> bytes:
        """Send `data` on a new connection and read until the server closes it, a whole response with a
        Content-Length has arrived, or `timeout` passes."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=timeout) as sock:
            sock.sendall(data)
            received = b""
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                while chunk := sock.recv(65536):
                    received += chunk
                    if _complete(received):
                        break
            return received


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    return bool(sep and found and len(body) >= int(found.group(1)))


def spawn(
    command: list[str],
    log: Path,
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    preexec: Callable[[], Any] | None = None,
) -> subprocess.Popen[bytes]:
    """Start `command` in its own session with stdout and stderr appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            preexec_fn=preexec,
        )


def wait_ready(process: subprocess.Popen[bytes], url: str, log: Path, timeout: float = READY_WITHIN) -> None:
    """Return once `url/readyz` answers 200; fail with the log's tail if the process exits or never gets
    there."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"ileti serve exited with {process.returncode}:\n{_tail(log)}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"ileti serve did not become ready:\n{_tail(log)}")
        time.sleep(0.05)


def kill_session(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process's whole session (the supervisor and every worker), as a crash would; also when the
    supervisor has exited already, so no orphaned worker outlives the test."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _tail(log: Path, size: int = 4000) -> str:
    return log.read_text(errors="replace")[-size:] if log.exists() else ""


@contextlib.contextmanager
def serve(
    tmp_path: Path,
    *args: str,
    db: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    host: str = "127.0.0.1",
    preexec: Callable[[], Any] | None = None,
) -> Iterator[Served]:
    """`ileti serve ARGS` on a free port and a fresh SQLite file in `tmp_path` (or `db`), with a clean
    environment (no demo account, warnings only) updated by `env`."""
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    store = db if db is not None else tmp_path / f"sandbox-{port}.db"
    environ = clean_env(**{"ILETI_LOG_LEVEL": "warning", "ILETI_DEMO_ACCOUNT": "0", **(env or {})})
    process = spawn(serve_command(port, store, *args, host=host), log, environ, cwd=tmp_path, preexec=preexec)
    served = Served(process, port, store, log)
    try:
        wait_ready(process, served.url, log)
        yield served
    finally:
        kill_session(process)


class ServeProcess:
    """`ileti serve` that a test can start, `stop()` (SIGTERM), `kill()` (SIGKILL to its session) and start
    again on the same store; `options` become `--name value` flags."""

    def __init__(
        self, db: str, log: Path, *, workers: int = 1, env: Mapping[str, str] | None = None, **options: Any
    ) -> None:
        self.db = db
        self.log = log
        self.workers = workers
        self.env = dict(env or {})
        self.options = options
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = READY_WITHIN) -> ServeProcess:
        args: list[str] = []
        if self.workers != 1:
            args += ["--workers", str(self.workers)]
        for name, value in self.options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        env = {**os.environ, "ILETI_DEMO_ACCOUNT": "0", "ILETI_LOG_LEVEL": "warning", **self.env}
        self.process = spawn(serve_command(self.port, self.db, *args), self.log, env)
        try:
            wait_ready(self.process, self.url, self.log, timeout)
        except AssertionError as failed:
            self.kill()
            raise RuntimeError(str(failed)) from None
        return self

    def tail(self, size: int = 4000) -> str:
        return _tail(self.log, size)

    def kill(self) -> None:
        if self.process is not None:
            kill_session(self.process)
        self.process = None

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the session), then SIGKILL if it hangs."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def __enter__(self) -> ServeProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
