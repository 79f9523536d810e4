"""Control API bodies are checked by their pydantic models (`ileti.sandbox.body_models`): a wrong type, a
missing required field, an unknown field or a value out of range is 422 with `{"error": …}` naming the field,
and the refused request changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ileti.testing import SandboxHandle

KEY = "{key}"  # the test account's key, filled in by the test

CASES: list[tuple[str, str, str, Any, str]] = [
    # (kind, method, path, body, the field the message starts with)
    ("wrong type", "POST", "/accounts", {"key": "new-one", "senders": "ACME"}, "senders"),
    ("wrong type", "PATCH", f"/accounts/{KEY}", {"senders": ["NEW"], "api_access": "yes"}, "api_access"),
    ("wrong type", "PATCH", f"/accounts/{KEY}", {"iys": {"active": 1}}, "iys.active"),
    ("wrong type", "POST", "/clock", {"advance": "60"}, "advance"),
    ("wrong type", "PUT", "/carrier/rules", {"+905300000001": 1}, "+905300000001"),
    (
        "wrong type",
        "PUT",
        "/faults",
        {"rules": [{"fault": "drop"}, {"fault": "drop", "times": "2"}]},
        "rules[1].times",
    ),
    ("wrong type", "POST", f"/accounts/{KEY}/blacklist", {"numbers": "+905300000001"}, "numbers"),
    ("wrong type", "PATCH", f"/accounts/{KEY}/iys", {"active": True, "strict": 1}, "strict"),
    ("wrong type", "POST", "/webhooks/sample", {"account": 5, "status": "delivered"}, "account"),
    ("wrong type", "POST", "/carrier/settle", {"respect_delay": "no"}, "respect_delay"),
    ("missing", "PUT", "/faults", {}, "rules"),
    ("missing", "PUT", "/faults", {"rules": [{"endpoint": "send-sms"}]}, "rules[0].fault"),
    ("missing", "POST", f"/accounts/{KEY}/blacklist", {"added_at": "2026-01-01 10:00:00"}, "numbers"),
    ("missing", "POST", f"/accounts/{KEY}/custom-fields", {}, "name"),
    ("missing", "POST", f"/accounts/{KEY}/consents", {}, "records"),
    ("missing", "POST", "/webhooks/sample", {"account": "x"}, "status"),
    ("unknown", "POST", "/accounts", {"key": "new-one", "colour": "red"}, "colour"),
    ("unknown", "PATCH", f"/accounts/{KEY}", {"balance": {"sms": 5, "gold": 1}}, "balance.gold"),
    ("unknown", "POST", "/clock", {"advance": 1, "rewind": 1}, "rewind"),
    ("unknown", "PUT", "/faults", {"rules": [{"fault": "drop", "colour": "red"}]}, "rules[0].colour"),
    ("unknown", "PATCH", f"/accounts/{KEY}/iys", {"brand": "700100"}, "brand"),
    ("unknown", "POST", f"/accounts/{KEY}/custom-fields", {"name": "Plan", "type": "text"}, "type"),
    ("unknown", "POST", "/carrier/settle", {"now": True}, "now"),
    ("range", "POST", "/accounts", {"key": "new-one", "balance": {"sms": -1}}, "balance.sms"),
    ("range", "POST", "/accounts", {"key": "k" * 129}, "key"),
    ("range", "PATCH", f"/accounts/{KEY}", {"iys": {"quota": 10**16}}, "iys.quota"),
    ("range", "POST", "/clock", {"advance": -5}, "advance"),
    (
        "range",
        "PUT",
        "/faults",
        {"rules": [{"fault": "latency", "latency_ms": 600_001}]},
        "rules[0].latency_ms",
    ),
    ("range", "PUT", "/faults", {"rules": [{"fault": "drop", "probability": 2}]}, "rules[0].probability"),
    ("range", "PATCH", f"/accounts/{KEY}/iys", {"used": -1}, "used"),
    ("range", "POST", f"/accounts/{KEY}/custom-fields", {"name": "x" * 201}, "name"),
    (
        "range",
        "POST",
        "/webhooks/sample",
        {"account": "x", "status": "delivered", "body": "x" * 10_001},
        "body",
    ),
]


def _state(http: httpx.Client, key: str) -> dict[str, Any]:
    """Everything a control body can change, but the running clock's `now`."""
    clock = http.get("/_sandbox/clock").json()
    paths = ["/accounts", "/carrier/rules", "/faults", "/webhooks"] + [
        f"/accounts/{key}/{part}" for part in ("blacklist", "custom-fields", "iys", "consents")
    ]
    return {
        "clock": (clock["mode"], clock["offset"]),
        **{path: http.get(f"/_sandbox{path}").json() for path in paths},
    }


@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "field"), CASES, ids=[f"{c[0]}-{c[1]} {c[2]}-{c[4]}" for c in CASES]
)
def test_a_bad_body_is_422_naming_the_field_and_changes_nothing(
    ileti_sandbox: SandboxHandle, kind: str, method: str, path: str, body: Any, field: str
) -> None:
    key = ileti_sandbox.key
    ileti_sandbox.control("PATCH", f"/accounts/{key}", {"iys": {"brand_code": "700100", "active": True}})
    with httpx.Client(base_url=ileti_sandbox.url, timeout=30) as http:
        before = _state(http, key)
        response = http.request(method, "/_sandbox" + path.replace(KEY, key), json=body)
        assert response.status_code == 422, response.text
        error = response.json()
        assert set(error) == {"error"}
        assert error["error"].startswith(f"{field}: "), error
        assert _state(http, key) == before


def test_every_bad_field_is_named_at_once(ileti_sandbox: SandboxHandle) -> None:
    response = httpx.post(
        f"{ileti_sandbox.url}/_sandbox/accounts",
        json={"key": "new-one", "api_access": "yes", "billing": "gold", "blacklist": ["+905300000001", "12"]},
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert "api_access: Input should be a valid boolean" in error
    assert "billing: Input should be 'sms' or 'tl'" in error
    assert "blacklist[1]: '12' is not a Turkish mobile number" in error
    assert "new-one" not in {a["key"] for a in ileti_sandbox.control("GET", "/accounts")["accounts"]}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/accounts", [], "the body must be a JSON object"),
        ("/accounts", {"balance": "many"}, "balance: must be an object"),
        ("/accounts", {"senders": None}, "senders: may not be null"),
        ("/accounts", {"secret": "a", "hash": "b"}, "give either secret or hash, not both"),
        ("/clock", {}, "give one of"),
        ("/clock", {"set": "tomorrow"}, 'set: "YYYY-MM-DD HH:MM:SS" (Istanbul time)'),
    ],
)
def test_messages_say_what_is_expected(
    ileti_sandbox: SandboxHandle, path: str, body: Any, message: str
) -> None:
    response = httpx.post(f"{ileti_sandbox.url}/_sandbox{path}", json=body)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_nullable_fields_take_null_and_strict_types_take_their_own(ileti_sandbox: SandboxHandle) -> None:
    account = ileti_sandbox.control(
        "PATCH",
        f"/accounts/{ileti_sandbox.key}",
        {"test_number": None, "webhook_url": None, "iys": {"brand_code": 700100, "quota": None}},
    )
    assert account["test_number"] is None
    assert account["iys"] == {"brand_code": "700100", "active": False, "quota": None}
    changed = ileti_sandbox.control("PATCH", f"/accounts/{ileti_sandbox.key}", {"balance": {"amount": 5}})
    assert changed["balance"]["amount"] == 5.0  # an integer is a number
    assert ileti_sandbox.control("POST", "/carrier/settle") == {"settled": 0}  # the body is optional
