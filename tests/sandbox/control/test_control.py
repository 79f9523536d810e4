"""The control API, clock and carrier simulation, over a real socket (DESIGN.md)."""

from __future__ import annotations

import pytest

from ileti.testing import SandboxHandle, http_client

from ..conftest import Api


def test_account_crud(ileti_sandbox: SandboxHandle) -> None:
    account = ileti_sandbox.create_account(
        key="acme",
        hash="abc123",
        balance={"amount": 12.5, "sms": 40},
        senders=["ACME", "ACME INFO"],
        api_access=True,
        allowed_ips=["127.0.0.1"],
        iys={"brand_code": 696422, "active": True, "quota": 10},
        documents_missing=False,
        webhook_url="http://127.0.0.1:9/hook",
        test_number="5301234567",
    )
    assert (account["key"], account["hash"]) == ("acme", "abc123")
    assert account["iys"] == {"brand_code": "696422", "active": True, "quota": 10}
    assert account["test_number"] == "+905301234567"
    assert ileti_sandbox.control("GET", "/accounts/acme")["balance"] == {"amount": 12.5, "sms": 40}
    changed = ileti_sandbox.control("PATCH", "/accounts/acme", {"senders": ["NEW"], "webhook_url": None})
    assert (changed["senders"], changed["webhook_url"]) == (["NEW"], None)
    assert ileti_sandbox.control("DELETE", "/accounts/acme") == {"deleted": "acme"}
    with pytest.raises(AssertionError, match="404"):
        ileti_sandbox.control("GET", "/accounts/acme")


def test_generated_key_is_32_hex(ileti_sandbox: SandboxHandle) -> None:
    account = ileti_sandbox.create_account()
    assert len(account["key"]) == 32
    assert int(account["key"], 16) >= 0
    assert len(account["hash"]) == 64


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_sandbox/accounts", b"{nope", 400),
        ("POST", "/_sandbox/accounts", b'{"balance": {"sms": -1}}', 422),
        ("POST", "/_sandbox/accounts", b'{"senders": "ACME"}', 422),
        ("POST", "/_sandbox/accounts", b'{"secret": "a", "hash": "b"}', 422),
        ("POST", "/_sandbox/accounts", b'{"test_number": "123"}', 422),
        ("POST", "/_sandbox/accounts", b'{"colour": "red"}', 422),
        ("POST", "/_sandbox/accounts", b"[]", 422),
        ("PATCH", "/_sandbox/accounts/nobody", b"{}", 404),
        ("POST", "/_sandbox/clock", b'{"advance": -5}', 422),
        ("POST", "/_sandbox/clock", b'{"set": "tomorrow"}', 422),
        ("POST", "/_sandbox/clock", b'{"mode": "fast"}', 422),
        ("POST", "/_sandbox/clock", b"1", 422),
        ("PUT", "/_sandbox/carrier/rules", b'{"+905301234567": "lost"}', 422),
        ("PUT", "/_sandbox/carrier/rules", b'{"123": "delivered"}', 422),
        ("POST", "/_sandbox/carrier/settle", b'{"respect_delay": 3}', 422),
        ("PUT", "/_sandbox/faults", b'{"rules": [{"fault": "boom"}]}', 422),
        ("PUT", "/_sandbox/faults", b'{"rules": [{"fault": "drop", "times": 0}]}', 422),
        ("PUT", "/_sandbox/faults", b'{"rules": {}}', 422),
        ("GET", "/_sandbox/messages?order_id=x", None, 422),
    ],
)
def test_bad_control_bodies_are_400_or_422(
    ileti_sandbox: SandboxHandle, method: str, path: str, body: bytes | None, status: int
) -> None:
    with http_client(ileti_sandbox.url) as http:
        response = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert "error" in response.json()


def test_existing_key_is_409(ileti_sandbox: SandboxHandle) -> None:
    with http_client(ileti_sandbox.url) as http:
        response = http.post("/_sandbox/accounts", json={"key": ileti_sandbox.key})
    assert response.status_code == 409


def test_clock_modes(ileti_sandbox: SandboxHandle) -> None:
    assert ileti_sandbox.control("GET", "/clock")["mode"] == "real"
    assert ileti_sandbox.set_clock("2026-01-31 23:59:30")["now"] == "2026-01-31 23:59:30"
    assert ileti_sandbox.control("GET", "/clock")["now"] == "2026-01-31 23:59:30"  # frozen
    assert ileti_sandbox.advance(45)["now"] == "2026-02-01 00:00:15"
    assert ileti_sandbox.control("POST", "/clock", {"mode": "real"})["mode"] == "real"
    offset = ileti_sandbox.advance(3600)
    assert (offset["mode"], offset["offset"]) == ("offset", 3600)


def test_carrier_rules_override_magic_numbers(api: Api, ileti_sandbox: SandboxHandle) -> None:
    rules = ileti_sandbox.control(
        "PUT",
        "/carrier/rules",
        {"5301230001": "delivered", "+905301234567": "undelivered", "905307654321": "never"},
    )
    assert rules["rules"]["+905301234567"] == "undelivered"
    order_id = api.send_ok("kural", ["5301230001", "5301234567", "5307654321", "5301230002"])
    ileti_sandbox.settle()
    order = api.report_ok(order_id)
    assert [m["status"] for m in order["message"]] == [111, 112, 110, 110]
    ileti_sandbox.control("DELETE", "/carrier/rules")
    assert ileti_sandbox.control("GET", "/carrier/rules") == {"rules": {}}


def test_settle_respecting_the_delay(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok("gecikme")
    assert ileti_sandbox.control("POST", "/carrier/settle", {"respect_delay": True}) == {"settled": 0}
    assert api.report_ok(order_id)["status"] == 113
    ileti_sandbox.advance(2)  # the default settle_delay
    # now due: this settle or the background loop (which respects the delay too) finalises it
    ileti_sandbox.control("POST", "/carrier/settle", {"respect_delay": True})
    assert api.report_ok(order_id)["status"] == 114


def test_background_carrier_settles_on_the_sandbox_clock(api: Api, ileti_sandbox: SandboxHandle) -> None:
    import time

    ileti_sandbox.set_clock("2026-05-11 09:30:00")
    order_id = api.send_ok("arka plan")
    ileti_sandbox.advance(3)
    deadline = time.monotonic() + 10
    while api.report_ok(order_id)["status"] != 114:  # the loop ticks every 0.2 s of wall time
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_messages_inbox_filters(api: Api, ileti_sandbox: SandboxHandle) -> None:
    first = api.send_ok("bir", ["5301234567", "5301234568"])
    api.send_ok("iki", ["5301234567"])
    assert len(ileti_sandbox.messages()) == 3
    assert {m["text"] for m in ileti_sandbox.messages(to="05301234567")} == {"bir", "iki"}
    rows = ileti_sandbox.messages(order_id=first)
    assert {(m["encoding"], m["parts"], m["sender"], m["account"]) for m in rows} == {
        ("GSM-7", 1, ileti_sandbox.sender, ileti_sandbox.key)
    }
    assert ileti_sandbox.messages(sender="OTHER") == []
    assert len(ileti_sandbox.messages(account=ileti_sandbox.key)) == 3


def test_reset_restores_start_up_state(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok()
    ileti_sandbox.set_clock("2020-01-01 00:00:00")
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "status_503", "times": None}])
    result = ileti_sandbox.control("POST", "/reset")
    demo = result["demo_account"]
    assert demo["senders"] == ["ILETIDEMO"]
    assert ileti_sandbox.control("POST", "/reset")["demo_account"]["key"] == demo["key"]  # same credentials
    assert ileti_sandbox.messages() == []
    assert ileti_sandbox.control("GET", "/clock")["mode"] == "real"
    assert ileti_sandbox.control("GET", "/faults") == {"rules": []}
    assert [a["key"] for a in ileti_sandbox.control("GET", "/accounts")["accounts"]] == [demo["key"]]


def test_health_and_openapi(ileti_sandbox: SandboxHandle) -> None:
    assert ileti_sandbox.control("GET", "/livez") == {"status": "ok"}
    assert ileti_sandbox.control("GET", "/readyz") == {"status": "ready"}
    spec = ileti_sandbox.control("GET", "/openapi.json")
    assert "/_sandbox/faults" in spec["paths"]
