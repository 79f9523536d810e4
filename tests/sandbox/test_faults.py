"""Fault injection over a real socket: 503, latency, drop and commit-then-drop (`/_sandbox/faults`)."""

from __future__ import annotations

import time

import httpx
import pytest

from ileti.testing import SandboxHandle

from .conftest import Api, assert_error


def test_rules_are_listed_with_remaining_counts(ileti_sandbox: SandboxHandle) -> None:
    rules = [{"endpoint": "send-sms", "fault": "status_503", "times": 2, "latency_ms": 0},
             {"endpoint": "*", "fault": "latency", "times": None, "latency_ms": 5}]
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
