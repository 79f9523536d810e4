"""The request journal (`GET /_sandbox/requests`) over the plugin's real server: every /v1 call in every
transport, redaction, filters, delete, the bound, and the reason sentence of each kind of refusal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ileti.testing import SandboxHandle, SandboxServer, http_client

from ..conftest import Api


def newest(sandbox: SandboxHandle, **filters: Any) -> dict[str, Any]:
    entries = sandbox.requests(limit=1, **filters)
    assert entries, "the journal is empty"
    return entries[0]


def refused(api: Api, sandbox: SandboxHandle, code: int, **order: Any) -> str:
    """Send with `order` fields changed, expect `code`, return the journal's reason for it."""
    _, body = api.send(**order)
    assert body["response"]["status"]["code"] == code, body
    entry = newest(sandbox)
    assert entry["code"] == code
    reason: str = entry["reason"]
    assert reason
    assert ". " not in reason  # one sentence
    return reason


def test_an_accepted_send_is_journaled_with_its_order(api: Api, ileti_sandbox: SandboxHandle) -> None:
    order_id = api.send_ok("Merhaba", ["5301234567"])
    entry = newest(ileti_sandbox)
    assert entry["endpoint"] == "send-sms"
    assert entry["transport"] == "json"
    assert entry["code"] == 200
    assert entry["reason"] is None
    assert entry["order_id"] == order_id
    assert entry["account"] == ileti_sandbox.key
    assert entry["at"] == "2026-05-11 09:00:00"  # sandbox time (the fixture froze the clock)
    assert entry["duration_ms"] > 0
    request = entry["request"]["request"]
    assert request["order"]["message"]["text"] == "Merhaba"
    assert request["authentication"] == {"key": ileti_sandbox.key, "hash": "***"}
    assert ileti_sandbox.hash not in str(entry)
    assert ileti_sandbox.requests(order_id=order_id) == [entry]  # a message links to its request


def test_xml_and_get_calls_are_journaled_and_redacted(ileti_sandbox: SandboxHandle) -> None:
    key, secret = ileti_sandbox.key, ileti_sandbox.hash
    with http_client(ileti_sandbox.url) as http:
        xml = f"<request><authentication><key>{key}</key><hash>{secret}</hash></authentication></request>"
        answer = http.post("/v1/get-balance", content=xml, headers={"Content-Type": "text/xml"})
        assert answer.status_code == 200
        answer = http.get(
            "/v1/send-sms/get/",
            params={
                "key": key,
                "hash": secret,
                "text": "GET ile",
                "receipents": "5301234567,5307654321",
                "sender": ileti_sandbox.sender,
                "iys": "0",
            },
        )
        assert "<code>200</code>" in answer.text
    get, xml_entry = ileti_sandbox.requests(limit=2)
    assert (get["endpoint"], get["transport"], get["code"]) == ("send-sms", "get", 200)
    assert get["order_id"] is not None
    assert get["request"]["request"]["order"]["message"][0]["receipents"]["number"] == [
        "5301234567",
        "5307654321",
    ]
    assert (xml_entry["endpoint"], xml_entry["transport"], xml_entry["code"]) == ("get-balance", "xml", 200)
    for entry in (get, xml_entry):
        assert entry["request"]["request"]["authentication"]["hash"] == "***"
        assert secret not in str(entry)


def test_a_legacy_password_is_redacted(ileti_sandbox: SandboxHandle) -> None:
    with http_client(ileti_sandbox.url) as http:
        body = {"request": {"authentication": {"username": "5301234567", "password": "hunter2-secret"}}}
        assert http.post("/v1/get-balance/json", json=body).status_code == 401
    entry = ileti_sandbox.requests(all_accounts=True, limit=1)[0]
    assert entry["account"] is None
    assert entry["request"]["request"]["authentication"] == {"username": "5301234567", "password": "***"}
    assert "hunter2" not in str(entry)
    assert entry["reason"] == "authentication: the request has no key and hash"


def test_the_reason_names_the_rule_and_the_value_for_each_send_check(
    api: Api, ileti_sandbox: SandboxHandle
) -> None:
    assert refused(api, ileti_sandbox, 459, sender="") == "sender_present: order.sender is empty ('')"
    assert refused(api, ileti_sandbox, 460, sender="ACMECORPORATE1") == (
        "sender_format: the sender 'ACMECORPORATE1' has 14 characters where 11 are allowed"
    )
    assert "Turkish letter 'Ş'" in refused(api, ileti_sandbox, 460, sender="ŞEKER")
    assert refused(api, ileti_sandbox, 450, sender="OTHER").startswith(
        "sender_approved: the sender 'OTHER' is not one of the account's approved senders ("
    )
    assert refused(api, ileti_sandbox, 468, iys="yes") == (
        'iys_flag: order.iys is \'yes\' where "0" or "1" is required'
    )
    assert refused(api, ileti_sandbox, 469, iys="1", iysList="HERKES") == (
        "iys_list: iys is 1 and iysList is 'HERKES', not BIREYSEL or TACIR"
    )
    assert refused(api, ileti_sandbox, 470, iys="1", iysList="BIREYSEL").startswith(
        "iys_code: iys is 1 but account"
    )
    one = {"number": ["5301234567"]}
    assert refused(api, ileti_sandbox, 454, message={"text": "", "receipents": one}) == (
        "text_present: the text of message block 1 is empty"
    )
    assert refused(
        api, ileti_sandbox, 453, message={"text": "x" * 1200, "receipents": {"number": ["5301234567"]}}
    ) == ("size: the text of message block 1 is 1200 GSM-7 units where 1066 (7 SMS parts) are allowed")
    assert refused(api, ileti_sandbox, 457, sendDateTime="2026-05-12 10:00") == (
        "schedule: sendDateTime '2026-05-12 10:00' is not a real date and time in DD/MM/YYYY HH:MM"
    )
    invalid = {"number": ["123", "abc"]}
    assert refused(api, ileti_sandbox, 452, message={"text": "x", "receipents": invalid}) == (
        "recipients: none of the 2 recipients can be sent to (2 invalid, 0 blacklisted)"
    )
    ileti_sandbox.update_account(documents_missing=True)
    assert refused(api, ileti_sandbox, 467).startswith("documents: account")
    ileti_sandbox.update_account(documents_missing=False)


def test_451_names_the_order_it_repeats_and_402_the_balance(api: Api, ileti_sandbox: SandboxHandle) -> None:
    first = api.send_ok("Aynı metin", ["5301234567"])
    assert refused(
        api, ileti_sandbox, 451, message={"text": "Aynı metin", "receipents": {"number": ["5301234567"]}}
    ) == (
        f"duplicate: the same texts to the same recipients as order {first}, placed "
        "less than 600 seconds before"
    )
    ileti_sandbox.update_account(balance={"sms": 1})
    assert (
        refused(
            api,
            ileti_sandbox,
            402,
            message={"text": "İki kişiye", "receipents": {"number": ["5301234567", "5307654321"]}},
        )
        == "balance: the order costs 2 SMS credits and the account has 1"
    )


def test_authentication_parse_and_path_refusals(api: Api, ileti_sandbox: SandboxHandle) -> None:
    key = ileti_sandbox.key
    api.call("get-balance", hash="wrong-hash")
    entry = newest(ileti_sandbox)
    assert (entry["code"], entry["account"]) == (401, key)  # the key named an account: it is kept
    assert entry["reason"] == f"authentication: the hash does not match account {key!r}"

    api.call("get-balance", key="nobody-has-this-key")
    entry = ileti_sandbox.requests(all_accounts=True, limit=1)[0]
    assert (entry["code"], entry["account"]) == (401, None)
    assert entry["reason"] == "authentication: no account has the key 'nobody-has-this-key'"

    with http_client(ileti_sandbox.url) as http:
        assert http.post("/v1/send-sms/json", content=b'{"request": ').status_code == 400
        assert http.get("/v1/send-sms/json").status_code == 404
        assert http.post("/v1/no-such-endpoint/json", content=b"{}").status_code == 404
    unknown, method, parse = ileti_sandbox.requests(all_accounts=True, limit=3)
    assert (parse["code"], parse["transport"], parse["request"]) == (400, "json", None)
    assert parse["reason"].startswith("decode (json): ")
    assert (method["code"], method["reason"]) == (404, "method: /v1/send-sms/json answers POST only, not GET")
    assert (unknown["endpoint"], unknown["code"]) == ("/v1/no-such-endpoint/json", 404)
    assert unknown["reason"] == "path: no API endpoint at POST /v1/no-such-endpoint/json"

    status, _ = api.call("get-report", "order", ["not", "an", "object"])
    entry = newest(ileti_sandbox)
    assert (status, entry["code"]) == (422, 422)
    assert entry["reason"].startswith("request model: order has a value of the wrong shape (")


def test_injected_faults_are_journaled(api: Api, ileti_sandbox: SandboxHandle) -> None:
    ileti_sandbox.set_faults(
        [
            {"endpoint": "get-balance", "fault": "status_503", "times": 1},
            {"endpoint": "get-balance", "fault": "status", "code": 402, "times": 1},
            {"endpoint": "get-balance", "fault": "gateway_html", "http_status": 504, "times": 1},
        ]
    )
    assert api.call("get-balance")[0] == 503
    entry = newest(ileti_sandbox)
    assert (entry["code"], entry["reason"]) == (
        503,
        "fault: answered 503 by a status_503 rule for 'get-balance' (PUT /_sandbox/faults)",
    )
    assert entry["request"]["request"]["authentication"]["hash"] == "***"  # read, though no handler ran
    assert api.call("get-balance")[0] == 402
    assert newest(ileti_sandbox)["reason"] == (
        "fault: answered 402 by a status rule for 'get-balance' (PUT /_sandbox/faults)"
    )
    with http_client(ileti_sandbox.url) as http:
        assert (
            http.post(
                "/v1/get-balance/json",
                json={"request": {"authentication": {"key": ileti_sandbox.key, "hash": ileti_sandbox.hash}}},
            ).status_code
            == 504
        )
    entry = newest(ileti_sandbox)
    assert (entry["code"], entry["reason"]) == (
        504,
        "fault: an HTML 504 page, as a proxy sends it, by a gateway_html rule for 'get-balance' "
        "(PUT /_sandbox/faults)",
    )


def test_filters_since_id_and_delete(api: Api, ileti_sandbox: SandboxHandle) -> None:
    api.send_ok("bir")
    mark = newest(ileti_sandbox)["id"]
    api.send(sender="ACMECORPORATE1")
    api.call("get-balance")
    api.send_ok("iki")
    ids = [e["id"] for e in ileti_sandbox.requests(since_id=mark)]
    assert len(ids) == 3
    assert ids == sorted(ids, reverse=True)  # newest first
    assert min(ids) > mark
    assert [e["code"] for e in ileti_sandbox.requests(since_id=mark, code=460)] == [460]
    assert [e["code"] for e in ileti_sandbox.requests(since_id=mark, code=[200, 460])] == [200, 200, 460]
    assert [e["endpoint"] for e in ileti_sandbox.requests(since_id=mark, endpoint="get-balance")] == [
        "get-balance"
    ]
    assert ileti_sandbox.requests(since_id=mark, account="someone-else") == []
    assert len(ileti_sandbox.requests(since_id=mark, limit=2)) == 2

    with http_client(ileti_sandbox.url) as http:
        assert http.get("/_sandbox/requests?code=abc").status_code == 422
        assert http.get("/_sandbox/requests?since_id=-1").status_code == 422
        deleted = http.delete("/_sandbox/requests").json()["deleted"]
    assert deleted >= 4
    assert ileti_sandbox.requests(all_accounts=True) == []
    api.call("get-balance")
    assert newest(ileti_sandbox)["id"] > ids[0]  # ids are not reused after a delete


@pytest.fixture
def small_journal(tmp_path: Any) -> Iterator[SandboxServer]:
    with SandboxServer(str(tmp_path / "small.db"), journal_size=5, demo_account=False) as server:
        yield server


def test_the_journal_keeps_the_newest_journal_size_calls(small_journal: SandboxServer) -> None:
    with httpx.Client(base_url=small_journal.url) as http:
        for number in range(12):
            body = {"request": {"authentication": {"key": f"k{number}", "hash": "h"}}}
            assert http.post("/v1/get-balance/json", json=body).status_code == 401
        entries = http.get("/_sandbox/requests").json()
        assert entries["journal_size"] == 5
        keys = [e["request"]["request"]["authentication"]["key"] for e in entries["requests"]]
        assert keys == ["k11", "k10", "k9", "k8", "k7"]  # the oldest went first
        assert len(http.get("/_sandbox/requests?limit=100").json()["requests"]) == 5


def test_journal_size_0_turns_it_off(tmp_path: Any) -> None:
    with (
        SandboxServer(str(tmp_path / "off.db"), journal_size=0) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        http.post("/v1/get-balance/json", json={"request": {}})
        assert http.get("/_sandbox/requests").json() == {"requests": [], "journal_size": 0}


def test_a_large_order_is_journaled_cut_short(api: Api, ileti_sandbox: SandboxHandle) -> None:
    numbers = [f"530{n:07d}" for n in range(1000)]
    order_id = api.send_ok("Toplu", numbers)
    entry = newest(ileti_sandbox)
    assert entry["order_id"] == order_id
    assert entry["truncated"] is True
    assert entry["request"]["request"]["order"]["message"]["receipents"]["number"] == numbers[:100]


def test_the_control_api_documents_the_journal(ileti_sandbox: SandboxHandle) -> None:
    paths = ileti_sandbox.control("GET", "/openapi.json")["paths"]
    assert set(paths["/_sandbox/requests"]) == {"get", "delete"}


def test_secrets_are_redacted_in_any_shape(ileti_sandbox: SandboxHandle) -> None:
    odd = 'a "quoted" hash with ç and \\ and </tags>'
    with http_client(ileti_sandbox.url) as http:
        # the usual shape with an awkward value, and a body without the `request` wrapper (400)
        http.post("/v1/get-balance/json", json={"request": {"authentication": {"key": "x", "hash": odd}}})
        http.post("/v1/get-balance/json", json={"authentication": {"key": "x", "hash": odd, "password": odd}})
    wrapperless, usual = ileti_sandbox.requests(all_accounts=True, limit=2)
    assert usual["request"]["request"]["authentication"] == {"key": "x", "hash": "***"}
    assert (wrapperless["code"], wrapperless["request"]) == (
        400,
        {"authentication": {"key": "x", "hash": "***", "password": "***"}},
    )
    assert "quoted" not in str([usual, wrapperless])


def test_deleting_an_account_keeps_its_entries(ileti_sandbox: SandboxHandle) -> None:
    other = ileti_sandbox.create_account(key="short-lived", secret="s", senders=["ACME"], balance={"sms": 5})
    with http_client(ileti_sandbox.url) as http:
        body = {"request": {"authentication": {"key": other["key"], "hash": other["hash"]}}}
        assert http.post("/v1/get-balance/json", json=body).status_code == 200
    ileti_sandbox.control("DELETE", "/accounts/short-lived")
    [entry] = ileti_sandbox.requests(account="short-lived")
    assert (entry["endpoint"], entry["code"]) == ("get-balance", 200)


def test_journal_size_is_validated() -> None:
    from ileti.sandbox.settings import Settings, SettingsError

    assert Settings.from_env(environ={"ILETI_JOURNAL_SIZE": "0"}).journal_size == 0
    with pytest.raises(SettingsError, match="journal_size"):
        Settings(journal_size=-1)
