"""pytest plugin: fixtures that run a real ileti sandbox for a test session (registered as `pytest11`).

    def test_send(ileti_client, ileti_sandbox):        # a ready Client for a fresh, funded account
        order = ileti_client.send_sms("5301234567", "Merhaba")
        [message] = ileti_sandbox.messages(to="+905301234567")    # the inbox
        ileti_sandbox.settle()                         # every due message becomes final, no sleeping
        ileti_sandbox.advance(600)                     # the sandbox clock moves; nothing sleeps

Fixtures: `ileti_sandbox_server` (session: the server), `ileti_sandbox` (function: reset, a fresh account and
the helpers), `ileti_client` (function: a ready `ileti.Client` for that account), `ileti_env` (function: the
account in the `ILETI_*` environment variables). docs/testing.md has a complete example.

    with SandboxServer() as server:                    # outside pytest: a sandbox on a free port
        print(server.url)

`SandboxServer` runs the real app under uvicorn in a background thread on a free 127.0.0.1 port with a
temporary SQLite file. This module imports nothing from the sandbox (or httpx) at import time, so a
client-only install still loads the plugin; the fixtures need `ileti[sandbox]` and skip cleanly without it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import socket
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    import uvicorn

    import ileti

__all__ = [
    "SandboxHandle",
    "SandboxServer",
    "http_client",
    "ileti_client",
    "ileti_env",
    "ileti_sandbox",
    "ileti_sandbox_server",
]

DEFAULT_SENDER = "ILETITEST"


class SandboxServer:
    """The sandbox app under uvicorn in a daemon thread. `settings` are `ileti.sandbox.Settings` fields."""

    def __init__(self, db: str | Path | None = None, *, start: bool = True, **settings: Any) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if db is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="ileti-sandbox-")
            db = Path(self._tmp.name) / "sandbox.db"
        self.db = str(db)
        self._settings = settings
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0
        if start:
            self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def control_token(self) -> str:
        """The control API's token ("" when it has none: the server is on 127.0.0.1)."""
        token: str = self._settings.get("control_token") or ""
        return token

    def start(self, timeout: float = 30.0) -> None:
        import uvicorn

        from ileti.sandbox import Settings, create_app
        from ileti.sandbox.serving import SandboxConfig

        # proto=IPPROTO_TCP: asyncio sets TCP_NODELAY only on sockets that say so; without it every
        # keep-alive response waits 40 ms for a delayed ACK (headers and body are two writes)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # 0 first; the same port again on a restart
        self.port = sock.getsockname()[1]
        settings = Settings(db=self.db, host="127.0.0.1", port=self.port, **self._settings)
        # the connection limits and upgrade handling of `ileti serve` (sandbox/protocol.py)
        config = SandboxConfig(
            create_app(settings), settings=settings, log_level="warning", lifespan="on", loop="asyncio"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"ileti-sandbox-{self.port}"
        )
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("the ileti sandbox did not start (see the log above)")
            time.sleep(0.005)
        self._server, self._thread, self._socket = server, thread, sock

    def stop(self) -> None:
        """Stop the server (the database file stays until `close`, so a restart finds its data)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        if self._socket is not None:
            self._socket.close()  # uvicorn closed its server; this only releases our handle
        self._server = self._thread = self._socket = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def http_client(url: str, control_token: str = "") -> httpx.Client:
    """An httpx client for the sandbox with TCP_NODELAY: httpx sends headers and body in two writes, and
    without it Nagle's algorithm plus delayed ACKs add 40 ms to every POST. With `control_token`, every
    request carries it (`Authorization: Bearer`)."""
    import httpx

    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)])
    headers = {"Authorization": f"Bearer {control_token}"} if control_token else None
    return httpx.Client(base_url=url, timeout=30.0, transport=transport, headers=headers)


class SandboxHandle:
    """One test's view of the sandbox: its account, a ready client for it, and the control API (with the
    server's control token, when it has one)."""

    def __init__(self, url: str, account: dict[str, Any], sender: str, control_token: str = "") -> None:
        self.url = url
        self.account = account
        self.key: str = account["key"]
        self.hash: str = account["hash"]
        self.sender = sender
        self._http: httpx.Client = http_client(url, control_token)

    def control(self, method: str, path: str, json: Any = None) -> Any:
        """Call the control API (`path` under `/_sandbox/`, or absolute); the decoded JSON answer.

        Raises `AssertionError` with the body for an answer of 400 or more.
        """
        if not path.startswith("/"):
            path = "/_sandbox/" + path
        elif not path.startswith(("/_sandbox", "/livez", "/readyz")):
            path = "/_sandbox" + path
        response = self._http.request(method, path, json=json)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text}")
        return response.json()

    def settle(self) -> Any:
        """Settle every message whose send time has come (`POST /_sandbox/carrier/settle`)."""
        return self.control("POST", "/carrier/settle")

    def advance(self, seconds: float) -> Any:
        return self.control("POST", "/clock", {"advance": seconds})

    def set_clock(self, text: str) -> Any:
        """Freeze the sandbox clock at `YYYY-MM-DD HH:MM:SS` (Istanbul)."""
        return self.control("POST", "/clock", {"set": text})

    def create_account(self, **fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.control("POST", "/accounts", fields)
        return result

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """The inbox (`GET /_sandbox/messages`), newest first: each message's `to`, `sender`, `text`,
        `encoding`, `parts`, `status`, `order_id`, one-time `code` and times. Filters: `to`, `order_id`,
        `sender`, `account`, `limit`, `q` (text search), `after` (a message id), `wait` (seconds)."""
        params = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        result: list[dict[str, Any]] = self.control("GET", "/messages" + (f"?{params}" if params else ""))[
            "messages"
        ]
        return result

    def wait_for_message(
        self, to: str | None = None, timeout: float = 10.0, **filters: Any
    ) -> dict[str, Any]:
        """The newest message matching `to` and `filters` (`q`, `after`, `sender`, `order_id`, `account`),
        waiting up to `timeout` seconds for one to arrive (`GET /_sandbox/messages?wait=`, which answers as
        soon as one does). Raises `AssertionError` when none came in time."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(deadline - time.monotonic(), 0.0)
            # at most 25 s per call: inside the HTTP client's 30 s timeout
            found = self.messages(to=to, limit=1, wait=round(min(left, 25.0), 3), **filters)
            if found:
                return found[0]
            if time.monotonic() >= deadline:
                shown = ", ".join(f"{k}={v!r}" for k, v in {"to": to, **filters}.items() if v is not None)
                raise AssertionError(f"no message ({shown or 'any'}) arrived within {timeout:g} s")

    def latest_code(self, to: str, timeout: float = 10.0) -> str | None:
        """The one-time code (the first run of 4 to 8 digits) of the newest message to `to`, or None when its
        text has none; waits up to `timeout` seconds for a message to arrive."""
        code: str | None = self.wait_for_message(to=to, timeout=timeout)["code"]
        return code

    def clear_messages(self, account: str | None = None) -> dict[str, int]:
        """Remove the orders (every account's, or `account`'s), their messages and webhook events
        (`DELETE /_sandbox/messages`); accounts, balances and the rest stay."""
        path = "/messages" + (f"?{urllib.parse.urlencode({'account': account})}" if account else "")
        result: dict[str, int] = self.control("DELETE", path)["deleted"]
        return result

    def set_faults(self, rules: list[dict[str, Any]]) -> Any:
        return self.control("PUT", "/faults", {"rules": rules})

    def update_account(self, **fields: Any) -> dict[str, Any]:
        """Change this test's account (`PATCH /_sandbox/accounts/{key}`): `balance={"sms": 0}`,
        `senders=[…]`, `api_access=False`, `webhook_url=…`, any field `create_account` takes."""
        result: dict[str, Any] = self.control("PATCH", f"/accounts/{self.key}", fields)
        self.account = result
        return result

    @property
    def env(self) -> dict[str, str]:
        """The account as the environment variables `ileti.Client()` and the `ileti` command read."""
        return {
            "ILETI_BASE_URL": self.url,
            "ILETI_API_KEY": self.key,
            "ILETI_API_HASH": self.hash,
            "ILETI_SENDER": self.sender,
        }

    @functools.cached_property
    def client(self) -> ileti.Client:
        """A ready `ileti.Client` for this account, its sender the default; closed with the handle."""
        return self.new_client()

    def new_client(self, **options: Any) -> ileti.Client:
        """Another `ileti.Client` for this account (`options` as `ileti.Client` takes them); close it."""
        import ileti

        options.setdefault("sender", self.sender)
        return ileti.Client(self.key, self.hash, base_url=self.url, **options)

    def async_client(self, **options: Any) -> ileti.AsyncClient:
        """An `ileti.AsyncClient` for this account (`async with ileti_sandbox.async_client() as client:`)."""
        import ileti

        options.setdefault("sender", self.sender)
        return ileti.AsyncClient(self.key, self.hash, base_url=self.url, **options)

    def webhooks(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.control("GET", "/webhooks")["webhooks"]
        return result

    def requests(self, *, all_accounts: bool = False, **filters: Any) -> list[dict[str, Any]]:
        """The request journal (`GET /_sandbox/requests`), newest first: every /v1 call with its `endpoint`,
        `transport`, `code`, `reason` (why it was refused), redacted `request`, `order_id` and `duration_ms`.

        Only this test's account unless `all_accounts=True` (a call whose key named no account has
        `account` None). Filters: `endpoint`, `code` (an int or a list of them), `since_id`, `order_id`,
        `limit`, `account`."""
        if not all_accounts:
            filters.setdefault("account", self.key)
        code = filters.get("code")
        if isinstance(code, list | tuple | set):
            filters["code"] = ",".join(str(int(c)) for c in code)
        params = urllib.parse.urlencode({k: v for k, v in filters.items() if v is not None})
        result: list[dict[str, Any]] = self.control("GET", "/requests" + (f"?{params}" if params else ""))[
            "requests"
        ]
        return result

    def close(self) -> None:
        if "client" in self.__dict__:  # only when a test used it (cached_property)
            self.client.close()
        self._http.close()


@contextlib.contextmanager
def sandbox_database() -> Iterator[str | None]:
    """The store the session's sandbox uses: None (a temporary SQLite file) unless `ILETI_TEST_DB` asks
    for PostgreSQL.

    `ILETI_TEST_DB=postgresql` takes a fresh database on the server of `ILETI_TEST_POSTGRES_URL` (a URL
    whose user may create databases) and drops it afterwards; `ILETI_TEST_DB=postgresql://…` uses that
    database as it is (it is reset, not dropped).
    """
    choice = os.environ.get("ILETI_TEST_DB", "sqlite").strip()
    if choice in ("", "sqlite"):
        yield None
        return
    if "://" in choice:
        yield choice
        return
    server = os.environ.get("ILETI_TEST_POSTGRES_URL")
    if choice != "postgresql" or not server:
        raise pytest.UsageError(
            "ILETI_TEST_DB is sqlite, postgresql (with ILETI_TEST_POSTGRES_URL set to a server the tests may "
            f"create databases on) or a postgresql:// URL, not {choice!r}"
        )
    import psycopg

    name = f"ileti_test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def ileti_sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox for the whole test session (skips when `ileti[sandbox]` is not installed).

    Its store is a temporary SQLite file, or PostgreSQL when `ILETI_TEST_DB` says so (`sandbox_database`).
    """
    pytest.importorskip("uvicorn", reason="the sandbox needs `pip install 'ileti[sandbox]'`")
    pytest.importorskip("httpx", reason="the sandbox fixtures need httpx")
    with sandbox_database() as db, SandboxServer(db, webhook_backoff=0.05, webhook_timeout=2.0) as server:
        yield server


@pytest.fixture
def ileti_sandbox(ileti_sandbox_server: SandboxServer) -> Iterator[SandboxHandle]:
    """A reset sandbox with a fresh account: 10,000 SMS credits, 1,000 TL, sender `ILETITEST`.

    The handle has a ready `ileti.Client` (`.client`), the account (`.account`, `.key`, `.hash`, `.sender`)
    and the helpers: `.messages()` (the inbox), `.settle()`, `.advance()`, `.set_clock()`, and more.
    """
    url = ileti_sandbox_server.url
    token = ileti_sandbox_server.control_token
    with http_client(url, token) as http:
        http.post("/_sandbox/reset").raise_for_status()
        response = http.post(
            "/_sandbox/accounts",
            json={
                "balance": {"amount": 1000.0, "sms": 10_000},
                "senders": [DEFAULT_SENDER],
                "test_number": "+905300000000",
            },
        )
        response.raise_for_status()
    handle = SandboxHandle(url, response.json(), DEFAULT_SENDER, token)
    try:
        yield handle
    finally:
        handle.close()


@pytest.fixture
def ileti_client(ileti_sandbox: SandboxHandle) -> ileti.Client:
    """A ready `ileti.Client` for `ileti_sandbox`'s fresh account (its sender is the default sender)."""
    return ileti_sandbox.client


@pytest.fixture
def ileti_env(ileti_sandbox: SandboxHandle, monkeypatch: pytest.MonkeyPatch) -> SandboxHandle:
    """`ileti_sandbox`, with its account in `ILETI_BASE_URL`, `ILETI_API_KEY`, `ILETI_API_HASH` and
    `ILETI_SENDER` for the test, for code that builds its own client (`ileti.Client()` reads them)."""
    for name, value in ileti_sandbox.env.items():
        monkeypatch.setenv(name, value)
    return ileti_sandbox
