"""Fixtures for the web inbox tests: a real sandbox over a real socket, an account, and a way to send.

`sandbox` is one uvicorn server per module on a free port with a temporary SQLite store; `inbox` resets it
and creates a funded account for each test. Calls go over HTTP with httpx, as a browser or an application in
another language would make them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from ileti.sandbox import Settings, create_app
from ileti.sandbox.inbox import inbox_routes

SENDERS = ["ACME", "SHOP"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """A uvicorn server in a thread: `start()` waits until it listens, `stop()` until it has shut down."""

    def __init__(self, db: Path, *, settle_delay: float = 3600.0) -> None:
        app = create_app(Settings(db=str(db), settle_delay=settle_delay, demo_account=False))
        if not any(getattr(route, "path", None) == "/" for route in app.router.routes):
            app.router.routes.extend(inbox_routes())  # until routes.build_routes() appends them
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name=f"sandbox-{self.port}", daemon=True)

    def start(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> bool:
        """Ask for a graceful shutdown; True when the server thread ended within `timeout`."""
        self.server.should_exit = True
        self.thread.join(timeout)
        return not self.thread.is_alive()


@dataclass
class Inbox:
    """The running sandbox with one funded account, and helpers to send and to steer it."""

    url: str
    http: httpx.Client
    key: str
    hash: str

    def send(self, text: str, numbers: list[str], sender: str = "ACME") -> int:
        body = {"request": {"authentication": {"key": self.key, "hash": self.hash},
                            "order": {"sender": sender, "iys": "0",
                                      "message": {"text": text, "receipents": {"number": numbers}}}}}
        response = self.http.post("/v1/send-sms/json", json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["response"]["order"]["id"])

    def control(self, method: str, path: str, json: Any = None) -> Any:
        response = self.http.request(method, path, json=json)
        assert response.status_code < 300, response.text
        return response.json()

    def settle(self) -> None:
        self.control("POST", "/_sandbox/carrier/settle", {})


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    server = ServerThread(tmp_path_factory.mktemp("inbox") / "sandbox.db").start()
    yield server
    server.stop()


@pytest.fixture
def inbox(sandbox: ServerThread) -> Iterator[Inbox]:
    with httpx.Client(base_url=sandbox.url, timeout=10) as http:
        assert http.post("/_sandbox/reset").status_code == 200
        account = http.post("/_sandbox/accounts", json={
            "key": "inbox-test", "secret": "s3cret", "senders": SENDERS,
            "balance": {"amount": 100, "sms": 100_000},
        }).json()
        yield Inbox(url=sandbox.url, http=http, key=account["key"], hash=account["hash"])
