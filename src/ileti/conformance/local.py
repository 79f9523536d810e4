"""The in-process sandbox `--compare` runs the battery against: the real app under uvicorn in a thread, on a
free 127.0.0.1 port and a temporary SQLite file, with one account configured like the probed one.

(`ileti.testing.SandboxServer` does the same for tests, but that module imports pytest, which a user running
`ileti conformance` need not have.)
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import urllib3

from ileti.conformance.probes import Credentials, Profile
from ileti.limits import APITEST_SENDER
from ileti.wire import json_codec
from ileti.wire import models as wm
from ileti.wire.endpoints import ENDPOINTS
from ileti.wire.envelope import Authentication, request_envelope

__all__ = ["PLACEHOLDER_BRAND", "LocalSandbox"]

PLACEHOLDER_BRAND = "700000"
"""The brand code of a sandbox account mirroring an İYS account whose code the user did not give."""

TEST_NUMBER = "+905300000000"
"""The sandbox account's registered test number, and the one recipient of its seeded order (in process)."""


class LocalSandbox:
    """`with LocalSandbox(profile) as sandbox:` → `sandbox.url`, `sandbox.credentials`."""

    def __init__(self, profile: Profile, *, with_order: bool = False) -> None:
        self.profile = profile
        self.with_order = with_order
        self.url = ""
        self.credentials = Credentials("", "")
        self._tmp = tempfile.TemporaryDirectory(prefix="ileti-conformance-")
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __enter__(self) -> LocalSandbox:
        try:
            self._start()
            self.credentials = self._create_account()
            if self.with_order:
                self._place_order()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _start(self) -> None:
        import uvicorn

        from ileti.sandbox import Settings, create_app

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        settings = Settings(
            db=str(Path(self._tmp.name) / "sandbox.db"), host="127.0.0.1", port=port, demo_account=False
        )
        config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on", loop="asyncio")
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="ileti-conformance-sandbox"
        )
        self._server, self._thread, self._socket = server, thread, sock
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the in-process sandbox did not start")
            time.sleep(0.005)
        self.url = f"http://127.0.0.1:{port}"

    def _create_account(self) -> Credentials:
        """One account with the probed account's senders and İYS setting (a funded balance; nothing of the
        probes reaches it)."""
        profile = self.profile
        brand = (profile.brand_code or PLACEHOLDER_BRAND) if profile.iys_active else None
        account = self._post(
            "/_sandbox/accounts",
            {
                "senders": list(profile.senders),
                "balance": {"amount": 1000.0, "sms": 10_000},
                "iys": {"brand_code": brand, "active": profile.iys_active},
                "test_number": TEST_NUMBER,
            },
        )
        return Credentials(account["key"], account["hash"])

    def _place_order(self) -> None:
        """One settled order, so the report probes have something to read, as on the probed account."""
        creds = self.credentials
        order = wm.SendSmsRequest(
            sender=self.profile.sender or APITEST_SENDER,
            iys="0",
            messages=[
                wm.SendSmsMessage(text="ileti conformance", recipients=wm.Recipients(numbers=[TEST_NUMBER]))
            ],
        )
        auth = Authentication(key=creds.key, hash=creds.hash)
        self._post("/v1/send-sms/json", request_envelope(auth, ENDPOINTS["send-sms"], order))
        self._post("/_sandbox/carrier/settle", {})

    def _post(self, path: str, body: Any) -> Any:
        response = urllib3.request(
            "POST",
            self.url + path,
            body=json_codec.dumps(body),
            headers={"Content-Type": "application/json"},
            retries=False,
            timeout=30,
        )
        if response.status not in (200, 201):
            raise RuntimeError(f"the in-process sandbox refused {path}: {response.data[:300]!r}")
        return json_codec.loads(response.data)

    def close(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
        if self._socket is not None:
            self._socket.close()  # uvicorn closed its server; this releases our handle
        self._server = self._thread = self._socket = None
        self._tmp.cleanup()
