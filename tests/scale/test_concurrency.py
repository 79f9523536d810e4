"""Concurrency over real sockets, on SQLite and PostgreSQL, with one and with two `ileti serve` workers:
identical sends fired at once make exactly one order (451 for the rest), concurrent orders never overdraw a
balance (402 instead), counters always agree with the rows, each message settles once and each status change
is pushed to the webhook once."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest

from .conftest import new_store
from .harness import (
    Control,
    ServeProcess,
    WebhookReceiver,
    audit,
    codes,
    envelope,
    fire_at_once,
    order,
)
from .postgres import drop_database

TARGETS = [("sqlite", 1), ("sqlite", 2), ("postgresql", 1), ("postgresql", 2)]


@pytest.fixture(scope="module", params=TARGETS, ids=[f"{b}-{w}w" for b, w in TARGETS])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, postgres_server: str | None
) -> Iterator[ServeProcess]:
    backend, workers = request.param
    directory = tmp_path_factory.mktemp(f"served-{backend}-{workers}")
    db = new_store(backend, directory, postgres_server)
    server = ServeProcess(db, directory / "serve.log", workers=workers, settle_delay=0.3)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        if backend == "postgresql" and postgres_server is not None:
            drop_database(postgres_server, db)


@pytest.fixture
def control(served: ServeProcess) -> Iterator[Control]:
    client = Control(served.url)
    yield client
    client.close()


def _key(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def test_50_identical_sends_at_once_give_one_200_and_49_451(served: ServeProcess, control: Control) -> None:
    account = control.account(_key("dup"), balance={"sms": 1000})
    body = envelope(account, "order", order("Aynı anda elli kez", ["5301234567", "5307654321"]))
    results = fire_at_once(served.url, [body] * 50)
    assert codes(results) == {200: 1, 451: 49}
    rows = control("GET", f"/_sandbox/messages?account={account.key}")["messages"]
    assert len(rows) == 2
    assert control.api(account, "get-balance")[1]["response"]["balance"]["sms"] == 998
    assert audit(served.db, {account.key: 1000}).problems == []


@pytest.mark.parametrize("billing", ["sms", "tl"])
def test_concurrent_orders_never_overdraw_the_balance(
    served: ServeProcess, control: Control, billing: str
) -> None:
    # 20 single-part messages' worth: 20 credits, or 1 TL at the default 0.05 TL per part
    funds = {"sms": 20} if billing == "sms" else {"amount": 1.0, "sms": 0}
    account = control.account(_key("funds"), billing=billing, balance=funds)
    bodies = [envelope(account, "order", order(f"Sipariş {i}", [f"53012{i:03d}55"])) for i in range(60)]
    assert codes(fire_at_once(served.url, bodies)) == {200: 20, 402: 40}
    balance = control.api(account, "get-balance")[1]["response"]["balance"]
    assert (balance["sms"], balance["amount"]) == (0, 0.0)
    assert len(control("GET", f"/_sandbox/messages?account={account.key}")["messages"]) == 20
    assert audit(served.db, {account.key: 20} if billing == "sms" else None).problems == []


def test_counters_agree_with_rows_and_each_change_is_pushed_once(
    served: ServeProcess, control: Control
) -> None:
    senders, per_sender = 4, 20
    with WebhookReceiver() as hooks:
        account = control.account(_key("mixed"), balance={"sms": 100_000}, webhook_url=hooks.url)
        failures: list[str] = []

        def send(worker: int) -> None:
            caller = Control(served.url)
            try:
                for i in range(per_sender):
                    # the third number ends in 0001: the carrier refuses it (112, refunded)
                    numbers = [f"530{worker}{i:04d}55", f"532{worker}{i:04d}55", f"533{worker}{i:02d}0001"]
                    payload = order(f"Yük {worker}/{i}", numbers)
                    status, body = caller.api(account, "send-sms", "order", payload)
                    if status != 200:
                        failures.append(f"{status} {body}")
            finally:
                caller.close()

        settling = threading.Event()

        def settle() -> None:  # settlement on demand races the background carrier of every worker
            caller = Control(served.url)
            try:
                while not settling.is_set():
                    caller("POST", "/_sandbox/carrier/settle", {})
            finally:
                caller.close()

        threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
        settler = threading.Thread(target=settle)
        settler.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        settling.set()
        settler.join(timeout=60)
        control("POST", "/_sandbox/carrier/settle", {})
        assert failures == []

        rows = senders * per_sender * 3
        result = audit(served.db, {account.key: 100_000})
        assert result.problems == []
        reports = hooks.wait_for(2 * rows)  # `accepted`, then `delivered` or `undelivered`, per message
        seen = Counter((r["id"], r["status"]) for r in reports)
        assert [change for change, n in seen.items() if n > 1] == []
        assert len(reports) == 2 * rows
        finals = Counter(r["status"] for r in reports if r["status"] != "accepted")
        assert finals == {"delivered": 2 * rows // 3, "undelivered": rows // 3}
        first_event: dict[int, str] = {}
        for report in reports:
            first_event.setdefault(report["id"], report["status"])
        assert set(first_event.values()) == {"accepted"}  # a message's events arrive in order (OQ-21)
    balance = control.api(account, "get-balance")[1]["response"]["balance"]["sms"]
    assert balance == 100_000 - 2 * senders * per_sender  # undelivered messages are refunded (OQ-16)
