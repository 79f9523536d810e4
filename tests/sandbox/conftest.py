"""Helpers for sandbox integration tests: every call goes over a real socket to the plugin's server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ileti.testing import SandboxHandle, http_client


class Api:
    """POSTs envelopes to `/v1/<endpoint>/json` for one account; answers `(http status, body)`."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.sandbox = sandbox
        self.http: httpx.Client = http_client(sandbox.url)
        self.key, self.hash = sandbox.key, sandbox.hash

    def call(
        self,
        endpoint: str,
        payload_key: str | None = None,
        payload: Any = None,
        *,
        key: str | None = None,
        hash: str | None = None,
        **top: Any,
    ) -> tuple[int, dict[str, Any]]:
        request: dict[str, Any] = {
            "authentication": {"key": key or self.key, "hash": hash or self.hash},
            **top,
        }
        if payload_key is not None:
            request[payload_key] = payload
        response = self.http.post(f"/v1/{endpoint}/json", json={"request": request})
        return response.status_code, response.json()

    def send(
        self, text: str = "Merhaba", numbers: list[str] | None = None, **order: Any
    ) -> tuple[int, dict[str, Any]]:
        body: dict[str, Any] = {
            "sender": self.sandbox.sender,
            "iys": "0",
            "message": {"text": text, "receipents": {"number": numbers or ["5301234567"]}},
        }
        body.update(order)
        return self.call("send-sms", "order", body)

    def send_ok(self, text: str = "Merhaba", numbers: list[str] | None = None, **order: Any) -> int:
        status, body = self.send(text, numbers, **order)
        assert status == 200, body
        return int(body["response"]["order"]["id"])

    def report(self, order_id: int | str, **extra: Any) -> tuple[int, dict[str, Any]]:
        return self.call("get-report", "order", {"id": str(order_id), **extra})

    def report_ok(self, order_id: int | str, **extra: Any) -> dict[str, Any]:
        status, body = self.report(order_id, **extra)
        assert status == 200, body
        order: dict[str, Any] = body["response"]["order"]
        return order

    def balance(self) -> dict[str, Any]:
        status, body = self.call("get-balance")
        assert status == 200
        balance: dict[str, Any] = body["response"]["balance"]
        return balance

    def close(self) -> None:
        self.http.close()


def code_of(body: dict[str, Any]) -> int:
    code: int = body["response"]["status"]["code"]
    return code


def assert_error(result: tuple[int, dict[str, Any]], code: int) -> None:
    """HTTP status = status.code, and an error body carries only `response.status` (§1.3, OQ-1)."""
    status, body = result
    assert (status, code_of(body)) == (code, code), body
    assert set(body["response"]) == {"status"}


@pytest.fixture
def api(ileti_sandbox: SandboxHandle) -> Iterator[Api]:
    """The test's account as an API client, on a frozen sandbox clock: nothing settles unless the test
    settles it or moves the clock (a loaded CI machine must not let the 2 s carrier delay pass mid-test)."""
    ileti_sandbox.set_clock("2026-05-11 09:00:00")
    client = Api(ileti_sandbox)
    yield client
    client.close()
