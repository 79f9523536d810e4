"""Fault injection over a real socket: 503, latency, drop and commit-then-drop (`/_sandbox/faults`)."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from ileti.codes import Code
from ileti.testing import SandboxHandle

from ..conftest import Api, assert_error


def test_rules_are_listed_with_remaining_counts(ileti_sandbox: SandboxHandle) -> None:
    rules: list[dict[str, Any]] = [
        {"endpoint": "send-sms", "fault": "status_503", "times": 2, "latency_ms": 0},
        {"endpoint": "*", "fault": "latency", "times": None, "latency_ms": 5},
    ]
    listed = ileti_sandbox.set_faults(rules)["rules"]
    assert [{name: rule[name] for name in given} for rule, given in zip(listed, rules, strict=True)] == rules
    # every rule shows every field, with its default where the body left it out
    assert listed[1] == {**rules[1], "probability": 1.0, "jitter_ms": 0.0, "code": None, "http_status": None}
    assert listed[0]["code"] == 503  # status_503 is `status` with 503
    assert ileti_sandbox.control("DELETE", "/faults") == {"rules": []}


def test_503_counted_then_gone(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "status_503", "times": 2}])
    assert_error(api.call("get-balance"), 503)
    assert ileti_sandbox.control("GET", "/faults")["rules"][0]["times"] == 1
    assert_error(api.call("get-sender"), 503)
    assert api.call("get-balance")[0] == 200


def test_latency(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "get-balance", "fault": "latency", "times": 1, "latency_ms": 300}])
    started = time.monotonic()
    assert api.call("get-balance")[0] == 200
    assert time.monotonic() - started >= 0.3


def test_drop_before_the_handler(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "drop", "times": 1}])
    with pytest.raises(httpx.TransportError):
        api.send("kayıp")
    assert ileti_sandbox.messages() == []  # nothing was committed
    api.send_ok("kayıp")


def test_commit_then_drop(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "commit_then_drop", "times": 1}])
    with pytest.raises(httpx.TransportError):
        api.send("kaydedildi")
    [message] = ileti_sandbox.messages()
    assert message["text"] == "kaydedildi"
    assert_error(api.send("kaydedildi"), 451)  # the retry meets the duplicate guard


# ------------------------------------------------------------------------------- richer faults (/v1 kinds)


def test_status_answers_any_code_in_the_envelope_without_running_the_handler(
    api: Api, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults([{"endpoint": "send-sms", "fault": "status", "code": 402, "times": 1}])
    status, body = api.send("yok")
    assert_error((status, body), 402)
    assert body["response"]["status"]["message"] == Code(402).message == "Bakiye yetersiz"
    assert ileti_sandbox.messages() == []  # the handler did not run
    api.send_ok("var")


def test_status_in_xml_keeps_the_xml_envelope(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults([{"endpoint": "get-balance", "fault": "status", "code": 401}])
    xml = f"<request><authentication><key>{api.key}</key><hash>{api.hash}</hash></authentication></request>"
    response = api.http.post("/v1/get-balance", content=xml)
    assert response.status_code == 401
    assert "xml" in response.headers["content-type"]
    assert "<code>401</code>" in response.text


@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_html_page(api: Api, ileti_sandbox: SandboxHandle, status: int) -> None:
    ileti_sandbox.set_faults([{"endpoint": "*", "fault": "gateway_html", "http_status": status, "times": 1}])
    response = api.http.post("/v1/get-balance/json", json={"request": {}})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert f"<title>{status} " in response.text
    assert "nginx" in response.text
    assert api.call("get-balance")[0] == 200


def test_gateway_html_and_truncated_are_what_the_client_reports_as_invalid_responses(
    ileti_sandbox: SandboxHandle,
) -> None:
    import ileti

    ileti_sandbox.set_faults(
        [
            {"endpoint": "get-balance", "fault": "gateway_html", "http_status": 504, "times": 1},
            {"endpoint": "get-balance", "fault": "truncated", "times": 1},
        ]
    )
    with ileti_sandbox.new_client(retry=ileti.RetryPolicy(max_attempts=1)) as client:
        for _ in range(2):
            with pytest.raises(ileti.InvalidResponseError):
                client.get_balance()
        assert client.get_balance() is not None


def test_truncated_runs_the_handler_and_cuts_the_body_in_half(api: Api, ileti_sandbox: SandboxHandle) -> None:
    request = {"request": {"authentication": {"key": api.key, "hash": api.hash}}}
    full = api.http.post("/v1/get-balance/json", json=request).content
    ileti_sandbox.set_faults(
        [
            {"endpoint": "get-balance", "fault": "truncated", "times": 1},
            {"endpoint": "send-sms", "fault": "truncated", "times": 1},
        ]
    )
    cut = api.http.post("/v1/get-balance/json", json=request)
    assert cut.status_code == 200
    assert cut.content == full[: len(full) // 2]
    assert int(cut.headers["content-length"]) == len(full) // 2
    with pytest.raises(ValueError):
        cut.json()
    # the handler ran: a cut send-sms answer still placed the order
    order = {
        **request["request"],
        "order": {
            "sender": api.sandbox.sender,
            "iys": "0",
            "message": {"text": "yarım", "receipents": {"number": ["5301234567"]}},
        },
    }
    assert api.http.post("/v1/send-sms/json", json={"request": order}).status_code == 200
    [message] = ileti_sandbox.messages()
    assert message["text"] == "yarım"


def test_slow_body_trickles_the_answer(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults(
        [{"endpoint": "get-balance", "fault": "slow_body", "latency_ms": 600, "times": 1}]
    )
    request = {"request": {"authentication": {"key": api.key, "hash": api.hash}}}
    started = time.monotonic()
    with api.http.stream("POST", "/v1/get-balance/json", json=request) as response:
        headers_at = time.monotonic() - started
        pieces = list(response.iter_raw())
    total = time.monotonic() - started
    assert response.status_code == 200
    assert headers_at < 0.3
    assert total >= 0.55
    assert len(pieces) > 1
    assert b"".join(pieces).startswith(b'{"response"')


def test_latency_jitter_varies_the_delay(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults(
        [{"endpoint": "get-balance", "fault": "latency", "latency_ms": 150, "jitter_ms": 140}]
    )
    delays = []
    for _ in range(8):
        started = time.monotonic()
        assert api.call("get-balance")[0] == 200
        delays.append(time.monotonic() - started)
    assert all(0.0 <= d < 0.6 for d in delays)
    assert max(delays) - min(delays) > 0.02  # not one fixed delay
    assert min(delays) >= 0.009


def test_probability_fires_some_of_the_time_and_counts_only_firings(
    api: Api, ileti_sandbox: SandboxHandle
) -> None:
    ileti_sandbox.set_faults(
        [{"endpoint": "get-balance", "fault": "status", "code": 503, "probability": 0.5}]
    )
    statuses = [api.call("get-balance")[0] for _ in range(60)]
    assert 10 <= statuses.count(503) <= 50  # about half; 60 tries make the bounds certain in practice
    assert set(statuses) == {200, 503}
    # a counted rule that rarely fires keeps its uses until it fires
    ileti_sandbox.set_faults(
        [
            {"endpoint": "get-balance", "fault": "status", "code": 401, "times": 1, "probability": 0.0},
            {"endpoint": "get-balance", "fault": "status", "code": 402, "times": 2},
        ]
    )
    assert [api.call("get-balance")[0] for _ in range(3)] == [402, 402, 200]
    assert ileti_sandbox.control("GET", "/faults")["rules"][0]["times"] == 1


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"fault": "status"}, "code must be a response code"),
        ({"fault": "status", "code": 200}, "code must be a response code"),
        ({"fault": "status", "code": 999}, "code must be a response code"),
        ({"fault": "gateway_html", "http_status": 500}, "http_status must be 502, 503 or 504"),
        ({"fault": "latency", "jitter_ms": -1}, "jitter_ms"),
        ({"fault": "drop", "probability": 1.5}, "probability"),
        ({"fault": "drop", "probability": "0.5"}, "probability"),
        ({"fault": "slow_body"}, "needs a duration"),
        ({"fault": "truncated", "code": 402}, "code goes with the fault 'status' only"),
        ({"fault": "drop", "jitter_ms": 5}, "jitter_ms goes with the fault 'latency' only"),
        ({"fault": "duplicate", "endpoint": "send-sms"}, "fault of the webhook push"),
        ({"fault": "truncated", "endpoint": "webhook"}, "the webhook push takes"),
        ({"fault": "drop", "colour": "red"}, "unknown field"),
        ({"fault": "explode"}, "rules[0].fault: Input should be 'status_503'"),
    ],
)
def test_bad_rules_are_422_with_a_clear_message(
    ileti_sandbox: SandboxHandle, rule: dict[str, object], message: str
) -> None:
    response = httpx.put(f"{ileti_sandbox.url}/_sandbox/faults", json={"rules": [rule]})
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert ileti_sandbox.control("GET", "/faults") == {"rules": []}  # nothing changed
