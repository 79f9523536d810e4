"""The official quickstarts' first send (iys=1, iysList=BIREYSEL) is accepted on the demo account, and the
inbox (`GET /_sandbox/messages`) says in plain words why each message is where it is."""

from __future__ import annotations

from typing import Any

import httpx

from ileti.testing import SandboxHandle, http_client

from ..conftest import Api


def _envelope(key: str, hash_: str, order: dict[str, Any]) -> dict[str, Any]:
    return {"request": {"authentication": {"key": key, "hash": hash_}, "order": order}}


def _reasons(sandbox: SandboxHandle, **filters: Any) -> dict[str, str]:
    return {m["to"]: m["reason"] for m in sandbox.messages(**filters)}


def test_the_quickstart_send_is_accepted_on_the_demo_account_and_says_why(
    ileti_sandbox: SandboxHandle,
) -> None:
    with http_client(ileti_sandbox.url) as http:
        demo = http.post("/_sandbox/reset").json()["demo_account"]
        assert demo["iys"] == {"brand_code": "100000", "active": True, "quota": None}
        # the body the official SDKs send by default: iys=1, iysList=BIREYSEL
        order = {
            "sender": demo["senders"][0],
            "sendDateTime": "",
            "iys": "1",
            "iysList": "BIREYSEL",
            "message": {"text": "Merhaba", "receipents": {"number": ["5300000000", "5301234567"]}},
        }
        response = http.post("/v1/send-sms/json", json=_envelope(demo["key"], demo["hash"], order))
        assert response.json()["response"]["status"] == {"code": 200, "message": "İşlem başarılı"}, (
            response.text
        )
        assert http.post("/_sandbox/carrier/settle").status_code == 200
        messages = {m["to"]: m for m in http.get("/_sandbox/messages").json()["messages"]}
    assert messages["+905300000000"]["status"] == 111  # the demo test number has consent
    assert messages["+905300000000"]["reason"].startswith("Delivered: the carrier delivered it")
    assert messages["+905301234567"]["status"] == 112
    assert messages["+905301234567"]["reason"] == (
        "Undelivered: a commercial message (iys=1) and the number has no İYS consent (ONAY) for "
        "brand 100000, list BIREYSEL, so it was never sent (not charged)."
    )


def test_every_outcome_has_its_reason(ileti_sandbox: SandboxHandle, api: Api) -> None:
    ileti_sandbox.control("POST", f"/accounts/{ileti_sandbox.key}/blacklist", {"numbers": ["5301110003"]})
    ileti_sandbox.control(
        "PUT",
        "/carrier/rules",
        {"+905301110004": "undelivered", "+905301110005": "delivered", "+905301110006": "never"},
    )
    numbers = [
        "5301110001",
        "5301110002",
        "5301110003",
        "12345",
        "5301110004",
        "5301110005",
        "5301110006",
        "5301110007",
    ]
    api.send_ok("herkese", numbers)
    waiting = _reasons(ileti_sandbox)
    assert waiting["+905301110007"].startswith("Waiting for the carrier: it settles")
    ileti_sandbox.settle()
    reasons = _reasons(ileti_sandbox)
    assert reasons == {
        "+905301110001": "Undelivered: the number ends in 0001, the magic number the carrier does not "
        "deliver to (refunded).",
        "+905301110002": "Waiting for good: the number ends in 0002, the magic number the carrier "
        "never answers.",
        "+905301110003": "Undelivered: the number is on the account's blacklist, so it was never sent "
        "(not charged).",
        "12345": "Undelivered: not a valid Turkish mobile number, so it was never sent (not charged).",
        "+905301110004": "Undelivered: a carrier rule for this number says undelivered (refunded).",
        "+905301110005": "Delivered: a carrier rule for this number says delivered.",
        "+905301110006": "Waiting for good: a carrier rule for this number says the carrier never answers.",
        "+905301110007": "Delivered: the carrier delivered it (every number not ending in 0001 or 0002 is "
        "delivered).",
    }


def test_scheduled_and_cancelled_messages_say_so(ileti_sandbox: SandboxHandle, api: Api) -> None:
    ileti_sandbox.set_clock("2026-03-02 10:00:00")
    order_id = api.send_ok("sonra", ["5301110008"], sendDateTime="02/03/2026 12:00")
    assert _reasons(ileti_sandbox)["+905301110008"] == (
        "Waiting: scheduled for 2026-03-02 12:00:00; until then the order can be cancelled."
    )
    status, body = api.call("cancel-order", "order", {"id": str(order_id)})
    assert status == 200, body
    assert _reasons(ileti_sandbox)["+905301110008"] == (
        "Undelivered: its order was cancelled before the send time (refunded)."
    )


def test_a_number_blacklisted_after_the_order_keeps_the_carriers_reason(
    ileti_sandbox: SandboxHandle, api: Api
) -> None:
    api.send_ok("önce", ["5301110001"])
    ileti_sandbox.settle()
    ileti_sandbox.advance(60)
    ileti_sandbox.control("POST", f"/accounts/{ileti_sandbox.key}/blacklist", {"numbers": ["5301110001"]})
    with httpx.Client(base_url=ileti_sandbox.url) as http:
        [message] = http.get("/_sandbox/messages", params={"to": "5301110001"}).json()["messages"]
    assert message["status"] == 112
    assert message["reason"].startswith("Undelivered: the number ends in 0001"), message
