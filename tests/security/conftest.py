"""`ileti serve` as a real process for the security tests: a free port, a fresh SQLite file, its banner and
log captured, and the whole process group killed on the way out whatever happened."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def banner(self, name: str) -> str | None:
        """A `name: value` line of the banner (`key`, `hash`, `token`)."""
        found = re.search(rf"^\s*{name}:\s+(\S+)", self.text(), re.MULTILINE)
        return found.group(1) if found else None

    def raw(self, data: bytes, *, timeout: float = 5.0) -> bytes:
        """Send `data` on a new connection and read until the server closes it or `timeout` passes."""
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
    """A whole response with a Content-Length has arrived."""
    head, sep, body = data.partition(b"\r\n\r\n")
    found = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    return bool(sep and found and len(body) >= int(found.group(1)))


@contextlib.contextmanager
def serve(
    tmp_path: Path,
    *args: str,
    env: dict[str, str] | None = None,
    host: str = "127.0.0.1",
    preexec: Callable[[], Any] | None = None,
) -> Iterator[Served]:
    port = free_port()
    log = tmp_path / f"serve-{port}.log"
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ILETI_")},
        "ILETI_LOG_LEVEL": "info",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "ileti",
        "serve",
        "--host",
        host,
        "--port",
        str(port),
        "--db",
        str(tmp_path / f"sandbox-{port}.db"),
        *args,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=environ,
            cwd=tmp_path,
            start_new_session=True,
            preexec_fn=preexec,
        )
    served = Served(process, port, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"ileti serve exited with {process.returncode}:\n{served.text()}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(served.url + "/readyz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"ileti serve did not become ready:\n{served.text()}"
            time.sleep(0.05)
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Served]:
    """A default `ileti serve` on 127.0.0.1 with its demo account."""
    with serve(tmp_path) as served:
        yield served
