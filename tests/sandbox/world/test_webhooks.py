"""Delivery-report webhooks to a receiver the test starts on 127.0.0.1 (CONTRACT §6, OQ-21)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ileti.testing import SandboxHandle

from ..conftest import Api


class Receiver:
    """A webhook endpoint: records every POST body; answers `statuses` in turn, then 200."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    # webhooks go out in real time from a background worker; poll their log rather than sleep a fixed time
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_accepted_then_final_status_for_every_message(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"webhook_url": receiver.url})
    order_id = api.send_ok("kanca", ["5301234567", "5301230001", "123"])
    ileti_sandbox.settle()
    wait_for(lambda: len(receiver.bodies) == 6)
    by_to: dict[str, list[str]] = {}
    for body in receiver.bodies:
        report = body["report"]
        assert set(report) == {"id", "packet_id", "status", "to", "body"}
        assert (report["packet_id"], report["body"]) == (order_id, "kanca")
        by_to.setdefault(report["to"], []).append(report["status"])
    assert by_to == {
        "+905301234567": ["accepted", "delivered"],
        "+905301230001": ["accepted", "undelivered"],
        "123": ["accepted", "undelivered"],
    }
    log = ileti_sandbox.webhooks()
    assert {(e["state"], e["attempts"]) for e in log} == {("delivered", 1)}
    assert all(e["log"][0]["http_status"] == 200 for e in log)


def test_failing_receiver_is_retried_with_backoff_and_logged(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"webhook_url": receiver.url})
    api.send_ok("tekrar dene")
    wait_for(lambda: bool(ileti_sandbox.webhooks()) and ileti_sandbox.webhooks()[0]["state"] == "delivered")
    [entry] = ileti_sandbox.webhooks()
    assert (entry["event"], entry["attempts"]) == ("accepted", 3)
    assert [a["http_status"] for a in entry["log"]] == [500, 503, 200]
    assert entry["log"][0]["error"] == "HTTP 500"
    times = [a["at_ts"] for a in entry["log"]]
    # the fixture's backoff is 0.05 s and doubles: at least 0.05 s, then 0.1 s between attempts
    assert times[1] - times[0] >= 0.05
    assert times[2] - times[1] >= 0.1


def test_gives_up_after_the_retries(api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver) -> None:
    receiver.statuses = [500] * 10
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"webhook_url": receiver.url})
    api.send_ok("vazgeç")
    wait_for(lambda: bool(ileti_sandbox.webhooks()) and ileti_sandbox.webhooks()[0]["state"] == "failed")
    [entry] = ileti_sandbox.webhooks()
    assert entry["attempts"] == 4  # the first try and 3 retries (OQ-21)
    ileti_sandbox.settle()  # the final status still follows, after the accepted event gave up
    wait_for(lambda: len(ileti_sandbox.webhooks()) == 2 and ileti_sandbox.webhooks()[1]["state"] == "failed")


def test_unreachable_receiver_is_logged(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"webhook_url": "http://127.0.0.1:9/nothing"})
    api.send_ok("ulaşılamaz")
    wait_for(lambda: bool(ileti_sandbox.webhooks()) and ileti_sandbox.webhooks()[0]["state"] == "failed")
    entry = ileti_sandbox.webhooks()[0]
    assert entry["log"][0]["http_status"] is None
    assert entry["log"][0]["error"]


def test_cancel_sends_undelivered(api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver) -> None:
    ileti_sandbox.control("PATCH", f"/accounts/{api.key}", {"webhook_url": receiver.url})
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok("iptal kancası", sendDateTime="11/05/2026 11:00")
    api.call("cancel-order", "order", {"id": str(order_id)})
    wait_for(lambda: len(receiver.bodies) == 2)
    assert [b["report"]["status"] for b in receiver.bodies] == ["accepted", "undelivered"]
