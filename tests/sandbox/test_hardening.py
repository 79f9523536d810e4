"""The correctness holes found when the sandbox was attacked, each as the reproduction that found it: a
finished order cancelled (and refunded) again after the clock moved back, a clock moved past what the store
keeps, tracebacks instead of documented codes, a deleted account's orders coming back, and an OpenAPI
document without its path parameters. Runs on SQLite, and on PostgreSQL with `ILETI_TEST_DB=postgresql`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ileti.sandbox.control.routes import CONTROL_ROUTES
from ileti.sandbox.store import tables as t
from ileti.sandbox.store.postgres import engine_url, is_postgres
from ileti.testing import SandboxHandle, SandboxServer

from .conftest import Api, assert_error

FAR = "2030-06-01 12:00:00"


@pytest.fixture
def http(ileti_sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=ileti_sandbox.url, timeout=30) as client:
        yield client


def _account(ileti_sandbox: SandboxHandle, key: str, **fields: Any) -> Api:
    created = ileti_sandbox.create_account(
        key=key, secret=f"secret-{key}", senders=[ileti_sandbox.sender], **fields
    )
    api = Api(ileti_sandbox)
    api.key, api.hash = created["key"], created["hash"]
    return api


# ---------------------------------------------------------------------------- cancel decides on state


def test_a_settled_order_cannot_be_cancelled_after_the_clock_moves_back(ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock(FAR)
    api = _account(ileti_sandbox, "twice", balance={"sms": 100})
    order_id = api.send_ok(numbers=["5301112233", "5301110001"])
    ileti_sandbox.settle()
    assert api.balance()["sms"] == 99  # the undelivered 0001 message was refunded
    ileti_sandbox.set_clock("2030-05-01 12:00:00")
    assert_error(api.call("cancel-order", "order", {"id": str(order_id)}), 455)
    assert api.balance()["sms"] == 99
    ileti_sandbox.set_clock(FAR)
    report = api.report_ok(order_id)
    assert (report["status"], report["delivered"], report["undelivered"]) == (114, 1, 1)
    api.close()


def test_only_a_scheduled_order_whose_sending_has_not_started_can_be_cancelled(
    ileti_sandbox: SandboxHandle,
) -> None:
    ileti_sandbox.set_clock(FAR)
    api = _account(ileti_sandbox, "states", balance={"sms": 100})
    immediate = api.send_ok("hemen", ["5301112233"])
    parked = api.send_ok("takılı", ["5301110002"], sendDateTime="01/06/2030 13:00")
    waiting = api.send_ok("bekleyen", ["5301112244"], sendDateTime="02/06/2030 12:00")
    ileti_sandbox.set_clock("2030-06-01 13:00:00")
    ileti_sandbox.settle()  # the 0002 message is taken and parked at 110: its order is sending
    ileti_sandbox.set_clock("2030-05-01 12:00:00")  # before every send time
    for order_id in (immediate, parked):
        assert_error(api.call("cancel-order", "order", {"id": str(order_id)}), 455)
    assert api.call("cancel-order", "order", {"id": str(waiting)})[0] == 200
    assert_error(api.call("cancel-order", "order", {"id": str(waiting)}), 455)  # a second cancel
    assert api.balance()["sms"] == 100 - 2  # the cancelled order's part came back, once
    api.close()


# ---------------------------------------------------------------------------- the clock's range


def test_a_clock_the_store_cannot_keep_is_422_and_nothing_is_saved(
    ileti_sandbox: SandboxHandle, http: httpx.Client
) -> None:
    ileti_sandbox.set_clock(FAR)
    before = http.get("/_sandbox/clock").json()
    for body in (
        {"advance": 1e12},
        {"advance": 1e300},
        {"set": "9999-06-01 00:00:00"},
        {"set": "1960-01-01 00:00:00"},
        {"set": "0001-01-01 00:00:00"},
        {"advance": -1},
    ):
        response = http.post("/_sandbox/clock", json=body)
        assert response.status_code == 422, (body, response.text)
        assert "error" in response.json()
        assert http.get("/_sandbox/clock").json() == before
    assert http.post("/_sandbox/clock", json={"set": "9998-12-31 23:59:59"}).status_code == 200
    api = Api(ileti_sandbox)
    order_id = api.send_ok()
    ileti_sandbox.settle()
    assert api.report_ok(order_id)["sendAt"] == "9998-12-31 23:59:59"
    api.close()


def test_a_stored_clock_out_of_range_is_not_adopted_after_a_restart(tmp_path: Any) -> None:
    with SandboxServer(tmp_path / "sandbox.db", demo_account=True) as server:
        with httpx.Client(base_url=server.url) as http:
            assert http.post("/_sandbox/clock", json={"set": FAR}).status_code == 200
            key = http.get("/_sandbox/accounts").json()["accounts"][0]["key"]
            created = http.patch(f"/_sandbox/accounts/{key}", json={"secret": "s" * 16}).json()
            api = Api(SimpleNamespace(url=server.url, key=key, hash=created["hash"], sender="ILETIDEMO"))
            order_id = api.send_ok(numbers=["5301112233"])
            api.close()
        server.stop()
        # what an older version saved after {"advance": 1e12}, and the year-33,000 times it then stamped
        engine = sa.create_engine(f"sqlite:///{server.db}")
        with engine.begin() as connection:
            connection.execute(sa.update(t.clock).values(mode="offset", offset=1e12, frozen_at=0.0))
            connection.execute(sa.update(t.messages).values(status=111, due_ts=None, final_ts=1e12))
            connection.execute(sa.update(t.orders).values(send_ts=1e12, waiting=0, delivered=1))
        engine.dispose()
        server.start()
        with httpx.Client(base_url=server.url) as http:
            clock = http.get("/_sandbox/clock")
            assert clock.status_code == 200
            assert clock.json()["mode"] == "real"
            messages = http.get("/_sandbox/messages")
            assert messages.status_code == 200
            assert messages.json()["messages"][0]["final_at"] == "9999-12-31 23:59:59"
            api = Api(SimpleNamespace(url=server.url, key=key, hash=created["hash"], sender="ILETIDEMO"))
            assert api.call("get-report", "order", {"id": str(order_id)})[0] == 456  # not due yet, no 503
            api.close()


# ---------------------------------------------------------------------------- documented codes


def test_get_reports_in_year_9999_is_458(api: Api) -> None:
    for start, end in (
        ("9999-12-25", "9999-12-31"),
        ("9998-12-30", "9999-01-02"),
        ("9999-01-01", "9999-01-01"),
    ):
        assert_error(api.call("get-reports", "filter", {"start": start, "end": end}), 458)
    status, body = api.call("get-reports", "filter", {"start": "9998-12-25", "end": "9998-12-31"})
    assert (status, body["response"]["count"]) == (200, 0)


def test_a_tl_balance_beyond_a_billion_is_refused_and_get_balance_answers(
    ileti_sandbox: SandboxHandle, ileti_sandbox_server: SandboxServer, http: httpx.Client
) -> None:
    path = f"/_sandbox/accounts/{ileti_sandbox.key}"
    for amount in (1e308, 1e10, -1):
        response = http.patch(path, json={"billing": "tl", "balance": {"amount": amount}})
        assert response.status_code == 422, amount
    assert http.get(path).json()["billing"] == "sms"  # the refused PATCH changed nothing
    assert http.patch(path, json={"billing": "tl", "balance": {"amount": 1e9}}).status_code == 200
    api = Api(ileti_sandbox)
    assert api.balance()["amount"] == 1e9
    api.send_ok()
    assert api.balance()["amount"] < 1e9
    # an amount an older version let through still reads as a balance
    engine = _engine(ileti_sandbox_server.db)
    with engine.begin() as connection:
        connection.execute(
            sa.update(t.accounts).where(t.accounts.c.key == ileti_sandbox.key).values(balance_amount=1e308)
        )
    engine.dispose()
    assert api.balance()["sms"] == 10**15
    api.close()


def test_ids_past_64_bits_in_control_paths_are_404(ileti_sandbox: SandboxHandle, http: httpx.Client) -> None:
    base = f"/_sandbox/accounts/{ileti_sandbox.key}/custom-fields"
    for field_id in ("99999999999999999999999", str(2**63), str(10**18)):
        response = http.delete(f"{base}/{field_id}")
        assert response.status_code == 404, (field_id, response.text)
    created = http.post(base, json={"name": "şehir"}).json()
    assert http.delete(f"{base}/{created['id']}").status_code == 200
    for webhook_id in ("99999999999999999999999", str(2**63)):
        response = http.post(f"/_sandbox/webhooks/{webhook_id}/resend")
        assert response.status_code == 404, (webhook_id, response.text)


# ---------------------------------------------------------------------------- deleting an account


def _engine(db: str) -> sa.Engine:
    url = engine_url(db) if is_postgres(db) else f"sqlite:///{db}"
    return sa.create_engine(url, poolclass=sa.pool.NullPool)


# not an account's: store settings, and the request journal, which keeps a deleted account's calls by design
_NOT_OWNED = {"meta", "clock", "journal"}


def _row_counts(db: str) -> dict[str, int]:
    engine = _engine(db)
    try:
        with engine.connect() as connection:
            return {
                table.name: connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
                for table in t.metadata.sorted_tables
                if table.name not in _NOT_OWNED
            }
    finally:
        engine.dispose()


def test_deleting_an_account_deletes_everything_it_owned(
    ileti_sandbox: SandboxHandle, ileti_sandbox_server: SandboxServer, http: httpx.Client
) -> None:
    ileti_sandbox.set_clock(FAR)
    before = _row_counts(ileti_sandbox_server.db)
    api = _account(
        ileti_sandbox,
        "doomed",
        balance={"sms": 1000},
        webhook_url="http://127.0.0.1:9/hook",
        blacklist=["5329998877"],
        iys={"brand_code": "696422", "active": True},
    )
    order_id = api.send_ok(numbers=["5301112233", "5301110001"])
    api.send_ok("sonra", ["5301112244"], sendDateTime="02/06/2030 12:00")
    ileti_sandbox.settle()
    field = int(http.post("/_sandbox/accounts/doomed/custom-fields", json={"name": "şehir"}).json()["id"])
    status, body = api.call("add-group", "group", {"name": "G"})
    group = body["response"]["group"]["id"]
    status, _ = api.call(
        "add-contact",
        "contact",
        {
            "name": "Ayşe",
            "gsm": "5301112233",
            "groups": [str(group)],
            "custom_fields": [{"id": str(field), "value": "İzmir"}],
        },
    )
    assert status == 200
    status, _ = api.call(
        "consent/create",
        "consent",
        {
            "brandCode": "696422",
            "list": [
                {
                    "recipient": "+905301112233",
                    "recipientType": "BIREYSEL",
                    "type": "MESAJ",
                    "status": "ONAY",
                    "source": "HS_WEB",
                    "consentDate": "2030-06-01 11:00:00",
                }
            ],
        },
    )
    assert status == 200
    ileti_sandbox.control("PATCH", "/accounts/doomed/iys", {"used": 3})
    filled = _row_counts(ileti_sandbox_server.db)
    owned = {name for name, count in filled.items() if count > before[name]}
    assert {
        "orders",
        "messages",
        "order_texts",
        "webhooks",
        "blacklist",
        "contacts",
        "groups",
        "contact_groups",
        "contact_fields",
        "custom_fields",
        "consents",
        "iys_state",
    } <= owned

    assert http.delete("/_sandbox/accounts/doomed").status_code == 200
    assert _row_counts(ileti_sandbox_server.db) == before

    again = _account(ileti_sandbox, "doomed", balance={"sms": 1000})
    assert_error(again.report(order_id), 455)
    status, body = again.call("get-reports", "filter", {"start": "2030-06-01", "end": "2030-06-02"})
    assert (status, body["response"]["count"]) == (200, 0)
    assert ileti_sandbox.messages(account="doomed") == []
    assert again.call("get-blacklist", "blacklist", {})[1]["response"]["blacklist"]["count"] == 0
    assert http.get("/_sandbox/accounts/doomed/contacts").json() == {"groups": [], "contacts": []}
    api.close()
    again.close()


# ---------------------------------------------------------------------------- the OpenAPI document


def test_the_openapi_document_declares_every_path_and_its_parameters(http: httpx.Client) -> None:
    document = http.get("/_sandbox/openapi.json").json()

    def shape(path: str) -> str:  # parameter names may differ between the route and the document
        return re.sub(r"{\w+(:\w+)?}", "{}", path)

    routes = {shape(path) for path, _, _ in CONTROL_ROUTES} - {"/_sandbox/openapi.json"}
    assert routes <= {shape(path) for path in document["paths"]}
    for path, item in document["paths"].items():
        names = re.findall(r"{(\w+)}", path)
        declared = {p["name"]: p for p in item.get("parameters", []) if p["in"] == "path"}
        assert set(declared) == set(names), path
        assert all(p["required"] and "type" in p["schema"] for p in declared.values()), path
