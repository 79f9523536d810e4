"""Fixtures for the web inbox tests, over the pytest plugin's real sandbox (`ileti_sandbox`).

`inbox` adds two approved senders to the plugin's fresh account and freezes the sandbox clock, so nothing
settles until a test settles it; calls go over HTTP with httpx, as a browser or an application in another
language would make them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from ileti.testing import SandboxHandle, http_client

SENDERS = ["ACME", "SHOP"]
FROZEN_AT = "2026-03-02 10:15:00"


@dataclass
class Inbox:
    """The running sandbox with one funded account, and helpers to send and to steer it."""

    sandbox: SandboxHandle
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.sandbox.url

    @property
    def key(self) -> str:
        return self.sandbox.key

    def send(self, text: str, numbers: list[str], sender: str = "ACME") -> int:
        body = {
            "request": {
                "authentication": {"key": self.sandbox.key, "hash": self.sandbox.hash},
                "order": {
                    "sender": sender,
                    "iys": "0",
                    "message": {"text": text, "receipents": {"number": numbers}},
                },
            }
        }
        response = self.http.post("/v1/send-sms/json", json=body)
        assert response.status_code == 200, response.text
        return int(response.json()["response"]["order"]["id"])

    def control(self, method: str, path: str, json: Any = None) -> Any:
        return self.sandbox.control(method, path, json)

    def settle(self) -> None:
        self.sandbox.settle()


@pytest.fixture
def inbox(ileti_sandbox: SandboxHandle) -> Iterator[Inbox]:
    ileti_sandbox.update_account(senders=SENDERS)
    ileti_sandbox.set_clock(FROZEN_AT)
    with http_client(ileti_sandbox.url) as http:
        yield Inbox(sandbox=ileti_sandbox, http=http)
