"""Durability: every acknowledged order survives a restart and a kill -9 (DESIGN.md §8)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ileti.testing import SandboxServer, http_client


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from ileti.cli import main; main()",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, "ileti serve exited"
        assert time.monotonic() < deadline, "ileti serve did not start"
        time.sleep(0.05)


def test_kill_9_keeps_every_acknowledged_order(tmp_path: Path) -> None:
    db, port = tmp_path / "store.db", _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _serve(db, port)
    try:
        account = httpx.post(
            url + "/_sandbox/accounts", json={"senders": ["ACME"], "balance": {"sms": 1000}}
        ).json()
        acknowledged = _send_many(url, account, 40, "kill")
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    process = _serve(db, port)
    try:
        _check(url, account, acknowledged)
    finally:
        process.terminate()
        process.wait()
