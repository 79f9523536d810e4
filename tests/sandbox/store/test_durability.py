"""Durability: every acknowledged order survives a restart and a kill -9 (DESIGN.md §8)."""

from __future__ import annotations

from pathlib import Path

import httpx

from ileti.testing import SandboxServer, http_client
from tests.serving import ServeProcess


def _send_many(url: str, account: dict[str, str], count: int, prefix: str) -> dict[int, list[str]]:
    acknowledged: dict[int, list[str]] = {}
    with http_client(url) as http:
        for i in range(count):
            numbers = [f"530{i:03d}{j:04d}" for j in range(1 + i % 3)]
            response = http.post(
                "/v1/send-sms/json",
                json={
                    "request": {
                        "authentication": {"key": account["key"], "hash": account["hash"]},
                        "order": {
                            "sender": "ACME",
                            "iys": "0",
                            "message": {"text": f"{prefix} {i}", "receipents": {"number": numbers}},
                        },
                    }
                },
            )
            if response.status_code == 200:
                acknowledged[int(response.json()["response"]["order"]["id"])] = numbers
    return acknowledged


def _check(url: str, account: dict[str, str], acknowledged: dict[int, list[str]]) -> None:
    with http_client(url) as http:
        for order_id, numbers in acknowledged.items():
            response = http.post(
                "/v1/get-report/json",
                json={
                    "request": {
                        "authentication": {"key": account["key"], "hash": account["hash"]},
                        "order": {"id": str(order_id)},
                    }
                },
            )
            assert response.status_code == 200, (order_id, response.text)
            order = response.json()["response"]["order"]
            assert order["total"] == len(numbers)
            assert [m["number"][3:] for m in order["message"]] == numbers


def test_restart_finds_every_acknowledged_order(tmp_path: Path) -> None:
    server = SandboxServer(tmp_path / "store.db")
    try:
        account = httpx.post(
            server.url + "/_sandbox/accounts", json={"senders": ["ACME"], "balance": {"sms": 1000}}
        ).json()
        acknowledged = _send_many(server.url, account, 30, "önce")
        httpx.post(server.url + "/_sandbox/carrier/settle")
        server.restart()
        _check(server.url, account, acknowledged)
        balance = httpx.post(
            server.url + "/v1/get-balance/json",
            json={"request": {"authentication": {"key": account["key"], "hash": account["hash"]}}},
        ).json()["response"]["balance"]
        # undelivered (…0001) messages were refunded when they settled, before the restart
        charged = [n for numbers in acknowledged.values() for n in numbers if not n.endswith("0001")]
        assert balance["sms"] == 1000 - len(charged)
    finally:
        server.close()


def test_kill_9_keeps_every_acknowledged_order(tmp_path: Path) -> None:
    server = ServeProcess(str(tmp_path / "store.db"), tmp_path / "serve.log").start()
    try:
        account = httpx.post(
            server.url + "/_sandbox/accounts", json={"senders": ["ACME"], "balance": {"sms": 1000}}
        ).json()
        acknowledged = _send_many(server.url, account, 40, "kill")
    finally:
        server.kill()
    server.start()  # the same store, after a SIGKILL
    try:
        _check(server.url, account, acknowledged)
    finally:
        server.stop()
