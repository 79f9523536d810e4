"""The debugging tools with several workers over one store (SQLite file and PostgreSQL): probabilistic and
new kinds of faults used up once in total, webhook push faults taken once by whichever worker delivers, a
waiting inbox request released by a send through another worker, and the `max_messages` cap."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import httpx

from .harness import Control, ServeProcess, WebhookReceiver, envelope, order


def _fresh(url: str) -> httpx.Client:
    # a new connection each time, so every worker answers some of the calls
    return httpx.Client(base_url=url, timeout=30)


def test_new_fault_kinds_and_probability_hold_for_every_worker(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        control = Control(server.url)
        account = control.account("faulty", balance={"sms": 10})
        control(
            "PUT",
            "/_sandbox/faults",
            {
                "rules": [
                    {"endpoint": "get-balance", "fault": "gateway_html", "http_status": 502, "times": 3},
                    {
                        "endpoint": "get-balance",
                        "fault": "status",
                        "code": 401,
                        "times": 4,
                        "probability": 0.5,
                    },
                ]
            },
        )
        control.close()
        statuses = []
        for _ in range(40):
            with _fresh(server.url) as http:
                statuses.append(http.post("/v1/get-balance/json", content=envelope(account)).status_code)
        assert statuses[:3] == [502] * 3  # counted once over both workers
        assert statuses.count(502) == 3
        assert statuses.count(401) == 4  # the probable rule still fires exactly `times` in total
        assert set(statuses[3:]) == {200, 401}
        with _fresh(server.url) as http:
            assert http.get("/_sandbox/faults").json() == {"rules": []}


def test_webhook_faults_are_taken_once_by_whichever_worker_delivers(store_db: str, tmp_path: Path) -> None:
    with (
        WebhookReceiver() as receiver,
        ServeProcess(store_db, tmp_path / "serve.log", workers=2, webhook_backoff=0.05) as server,
    ):
        control = Control(server.url)
        account = control.account("hooked", balance={"sms": 10}, webhook_url=receiver.url)
        control(
            "PUT", "/_sandbox/faults", {"rules": [{"endpoint": "webhook", "fault": "duplicate", "times": 1}]}
        )
        status, _ = control.api(account, "send-sms", "order", order("çift", ["5301234567"]))
        assert status == 200
        reports = receiver.wait_for(2, timeout=20)
        assert [r["status"] for r in reports] == ["accepted", "accepted"]  # sent twice, once
        assert control("GET", "/_sandbox/faults") == {"rules": []}
        control.close()


def test_a_wait_on_one_worker_is_released_by_a_send_through_another(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2) as server:
        control = Control(server.url)
        account = control.account("waiting", balance={"sms": 10})
        control.close()
        results: list[tuple[float, Any]] = []

        def waiter() -> None:
            started = time.monotonic()
            with _fresh(server.url) as http:
                answer = http.get("/_sandbox/messages", params={"q": "KOD", "wait": 15}).json()
            results.append((time.monotonic() - started, answer))

        threads = [threading.Thread(target=waiter) for _ in range(3)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        for index in range(4):  # new connections: some reach the worker a waiter is not on
            with _fresh(server.url) as http:
                body = envelope(account, "order", order(f"Kodunuz 13579{index}", [f"530123456{index}"]))
                assert http.post("/v1/send-sms/json", content=body).status_code == 200
        for thread in threads:
            thread.join(10)
        assert not any(thread.is_alive() for thread in threads)
        assert len(results) == 3
        for took, answer in results:
            assert 0.9 < took < 5  # held until the sends, released by them, not by the 15 s timeout
            assert answer["messages"][0]["code"].startswith("13579")


def test_max_messages_with_workers(store_db: str, tmp_path: Path) -> None:
    with ServeProcess(store_db, tmp_path / "serve.log", workers=2, max_messages=3) as server:
        control = Control(server.url)
        account = control.account("capped", balance={"sms": 100})
        for index in range(6):
            with _fresh(server.url) as http:
                body = envelope(account, "order", order(f"mesaj {index}", [f"530123456{index}"]))
                assert http.post("/v1/send-sms/json", content=body).status_code == 200
        deadline = time.monotonic() + 10
        while len(texts := [m["text"] for m in control("GET", "/_sandbox/messages")["messages"]]) > 3:
            assert time.monotonic() < deadline, texts
            time.sleep(0.1)
        assert texts == ["mesaj 5", "mesaj 4", "mesaj 3"]
        control.close()
