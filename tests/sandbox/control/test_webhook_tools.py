"""Webhook push faults (drop, duplicate, delay) and the webhook tools (resend, sample), against a receiver
the test starts on 127.0.0.1."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from ileti.testing import SandboxHandle
from ileti.wire.webhook import parse_webhook

from ..conftest import Api
from ..world.test_webhooks import Receiver, receiver, wait_for

__all__ = ["receiver"]  # the fixture, imported for these tests


def _hook(ileti_sandbox: SandboxHandle, receiver: Receiver) -> None:
    ileti_sandbox.update_account(webhook_url=receiver.url)


def test_drop_makes_no_attempt_logs_a_failure_and_retries(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    _hook(ileti_sandbox, receiver)
    ileti_sandbox.set_faults([{"endpoint": "webhook", "fault": "drop", "times": 1}])
    api.send_ok("düşen")
    wait_for(lambda: len(receiver.bodies) == 1)
    wait_for(lambda: ileti_sandbox.webhooks()[0]["state"] == "delivered")
    [delivery] = ileti_sandbox.webhooks()
    first, second = delivery["log"]
    assert first["http_status"] is None
    assert "dropped" in first["error"]
    assert first["duration_ms"] == 0
    assert (second["http_status"], second["error"]) == (200, None)
    assert delivery["attempts"] == 2


def test_duplicate_posts_the_report_twice(api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver) -> None:
    _hook(ileti_sandbox, receiver)
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "duplicate", "times": 1}])
    api.send_ok("iki kez")
    wait_for(lambda: len(receiver.bodies) == 2)
    assert receiver.bodies[0] == receiver.bodies[1]
    assert parse_webhook(receiver.bodies[0]).body == "iki kez"
    wait_for(lambda: ileti_sandbox.webhooks()[0]["attempts"] == 2)
    [delivery] = ileti_sandbox.webhooks()
    assert delivery["state"] == "delivered"
    assert [a["http_status"] for a in delivery["log"]] == [200, 200]
    time.sleep(0.2)
    assert len(receiver.bodies) == 2  # not a third time


def test_delay_waits_before_sending(api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver) -> None:
    _hook(ileti_sandbox, receiver)
    ileti_sandbox.set_faults([{"endpoint": "webhook", "fault": "delay", "latency_ms": 700, "times": 1}])
    started = time.monotonic()
    api.send_ok("geç")
    wait_for(lambda: len(receiver.bodies) == 1)
    assert time.monotonic() - started >= 0.65
    [delivery] = ileti_sandbox.webhooks()
    assert delivery["attempts"] == 1


def test_webhook_faults_leave_api_calls_alone_and_api_faults_leave_webhooks_alone(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    _hook(ileti_sandbox, receiver)
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "drop", "times": 1, "probability": 1}])
    with pytest.raises(httpx.TransportError):
        api.send("önce")  # a /v1 call takes the `*` drop rule; the push then has none left
    api.send_ok("sonra")
    wait_for(lambda: len(receiver.bodies) == 1)
    [delivery] = ileti_sandbox.webhooks()
    assert [a["http_status"] for a in delivery["log"]] == [200]


# ----------------------------------------------------------------------------------------------- resend


def test_resend_posts_a_logged_delivery_again_as_a_new_attempt(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    _hook(ileti_sandbox, receiver)
    api.send_ok("yeniden")
    wait_for(lambda: [w["state"] for w in ileti_sandbox.webhooks()] == ["delivered"])
    [delivery] = ileti_sandbox.webhooks()
    receiver.statuses = [500]
    failed = ileti_sandbox.control("POST", f"/webhooks/{delivery['id']}/resend")
    assert (failed["ok"], failed["http_status"], failed["attempt"]) == (False, 500, 2)
    assert failed["state"] == "failed"
    again = ileti_sandbox.control("POST", f"/webhooks/{delivery['id']}/resend")
    assert (again["ok"], again["http_status"], again["attempt"]) == (True, 200, 3)
    assert len(receiver.bodies) == 3
    assert receiver.bodies[0] == receiver.bodies[1] == receiver.bodies[2]
    [logged] = ileti_sandbox.webhooks()
    assert [a["http_status"] for a in logged["log"]] == [200, 500, 200]
    assert (logged["state"], logged["attempts"]) == ("delivered", 3)


def test_resend_of_an_unknown_or_pending_delivery(
    api: Api, ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    response = httpx.post(f"{ileti_sandbox.url}/_sandbox/webhooks/999999/resend")
    assert response.status_code == 404
    assert "no webhook delivery 999999" in response.json()["error"]
    # a delivery still in flight is the worker's: a resend now would race it
    _hook(ileti_sandbox, receiver)
    ileti_sandbox.set_faults([{"endpoint": "webhook", "fault": "delay", "latency_ms": 1500, "times": 1}])
    api.send_ok("bekleyen")
    wait_for(lambda: bool(ileti_sandbox.webhooks()))
    [delivery] = ileti_sandbox.webhooks()
    busy = httpx.post(f"{ileti_sandbox.url}/_sandbox/webhooks/{delivery['id']}/resend")
    assert busy.status_code == 409
    assert "still being delivered" in busy.json()["error"]
    wait_for(lambda: len(receiver.bodies) == 1)


# ----------------------------------------------------------------------------------------------- sample


def test_sample_pushes_a_section_6_report_and_logs_it(
    ileti_sandbox: SandboxHandle, receiver: Receiver
) -> None:
    _hook(ileti_sandbox, receiver)
    answer = ileti_sandbox.control(
        "POST", "/webhooks/sample", {"account": ileti_sandbox.key, "status": "delivered", "to": "05301112233"}
    )
    assert (answer["ok"], answer["http_status"], answer["state"]) == (True, 200, "delivered")
    [body] = receiver.bodies
    assert body == answer["payload"]
    report = parse_webhook(body)
    assert (report.to, report.status.webhook_status) == ("+905301112233", "delivered")
    assert set(body["report"]) == {"id", "packet_id", "status", "to", "body"}
    [logged] = ileti_sandbox.webhooks()
    assert (logged["event"], logged["state"], logged["attempts"]) == ("delivered", "delivered", 1)
    assert logged["payload"] == body
    # the default recipient is the account's test number; a failed push says so and is not retried
    receiver.statuses = [503]
    failed = ileti_sandbox.control(
        "POST", "/webhooks/sample", {"account": ileti_sandbox.key, "status": "undelivered"}
    )
    assert (failed["ok"], failed["http_status"], failed["error"]) == (False, 503, "HTTP 503")
    assert receiver.bodies[1]["report"]["to"] == ileti_sandbox.account["test_number"]
    time.sleep(0.3)
    assert len(receiver.bodies) == 2


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"status": "delivered"}, 422, "account"),
        ({"account": "nobody", "status": "delivered"}, 404, "no account"),
        ({"account": "KEY", "status": "sent"}, 422, "status: Input should be 'accepted', 'delivered' or"),
        ({"account": "KEY", "status": 111}, 422, "status: Input should be 'accepted'"),
        (
            {"account": "KEY", "status": "accepted", "to": "12"},
            422,
            "to: '12' is not a Turkish mobile number",
        ),
        ({"account": "KEY", "status": "accepted", "extra": 1}, 422, "extra: unknown field"),
        (["KEY"], 422, "the body must be a JSON object"),
    ],
)
def test_sample_refuses_bad_bodies(
    ileti_sandbox: SandboxHandle, receiver: Receiver, body: object, status: int, message: str
) -> None:
    _hook(ileti_sandbox, receiver)
    if isinstance(body, dict) and body.get("account") == "KEY":
        body = {**body, "account": ileti_sandbox.key}
    response = httpx.post(f"{ileti_sandbox.url}/_sandbox/webhooks/sample", json=body)
    assert response.status_code == status
    assert message in response.json()["error"]
    assert receiver.bodies == []


def test_sample_needs_a_webhook_url(ileti_sandbox: SandboxHandle) -> None:
    response = httpx.post(
        f"{ileti_sandbox.url}/_sandbox/webhooks/sample",
        json={"account": ileti_sandbox.key, "status": "accepted"},
    )
    assert response.status_code == 422
    assert "no webhook_url" in response.json()["error"]


def test_the_new_control_calls_are_in_the_openapi_document(ileti_sandbox: SandboxHandle) -> None:
    document = ileti_sandbox.control("GET", "/openapi.json")
    paths = document["paths"]
    assert {"get", "delete"} <= set(paths["/_sandbox/messages"])
    assert {p["name"] for p in paths["/_sandbox/messages"]["get"]["parameters"]} >= {"q", "after", "wait"}
    assert "post" in paths["/_sandbox/webhooks/{webhook_id}/resend"]
    assert "post" in paths["/_sandbox/webhooks/sample"]
    faults = json.dumps(document["components"]["schemas"]["FaultRuleIn"])
    for word in ("probability", "gateway_html", "truncated", "slow_body", "jitter_ms", "duplicate", "delay"):
        assert word in faults
