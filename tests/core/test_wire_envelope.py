"""ileti.wire.envelope, endpoints and json_codec: envelopes, the registry and JSON decoding."""

from __future__ import annotations

from typing import Any

import pytest

from ileti.codes import Code
from ileti.wire import (
    ENDPOINTS,
    AddBlacklistRequest,
    Authentication,
    DecodeError,
    GetBalanceResponse,
    GetReportsRequest,
    SendSmsRequest,
    dump,
    error_envelope,
    lookup,
    read_get_request,
    read_request,
    read_status,
    request_envelope,
    success_envelope,
)
from ileti.wire.json_codec import dumps, loads

AUTH = Authentication(key="k", hash="h")

# -------------------- registry (§4, OQ-22)

XML_ENDPOINTS = {
    "send-sms",
    "get-report",
    "cancel-order",
    "get-balance",
    "get-sender",
    "get-blacklist",
    "add-blacklist",
    "delete-blacklist",
    "add-group",
    "edit-group",
    "delete-group",
    "get-groups",
    "get-group-contacts",
    "add-contact",
    "edit-contact",
    "delete-contact",
    "get-contact",
    "search-contacts",
}
JSON_ONLY = {"get-reports", "get-group", "consent/create", "consent/show"}
READ_ONLY = {
    "get-report",
    "get-reports",
    "get-balance",
    "get-sender",
    "get-blacklist",
    "consent/show",
    "get-groups",
    "get-group",
    "get-group-contacts",
    "get-contact",
    "search-contacts",
}


def test_registry_covers_every_endpoint_of_section_4() -> None:
    assert set(ENDPOINTS) == XML_ENDPOINTS | JSON_ONLY
    assert "get-inbox" not in ENDPOINTS  # OQ-28


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=lambda e: e.name)
def test_flags_follow_oq22(endpoint: Any) -> None:
    assert endpoint.xml is (endpoint.name in XML_ENDPOINTS)
    assert endpoint.get is (endpoint.name == "send-sms")
    assert endpoint.read_only is (endpoint.name in READ_ONLY)
    assert (endpoint.payload_key is None) is (endpoint.request_model is None)
    assert endpoint.json_path == f"/v1/{endpoint.name}/json"
    assert endpoint.xml_path == (f"/v1/{endpoint.name}" if endpoint.xml else None)


@pytest.mark.parametrize(
    ("name", "payload_key"),
    [
        ("send-sms", "order"),
        ("cancel-order", "order"),
        ("get-report", "order"),
        ("get-reports", "filter"),
        ("get-balance", None),
        ("get-sender", None),
        ("get-groups", None),
        ("get-blacklist", "blacklist"),
        ("consent/create", "consent"),
        ("add-group", "group"),
        ("add-contact", "contact"),
        ("search-contacts", "search"),
    ],
)
def test_payload_keys(name: str, payload_key: str | None) -> None:
    assert ENDPOINTS[name].payload_key == payload_key


@pytest.mark.parametrize(
    "name",
    ["cancel-order", "add-blacklist", "delete-blacklist", "delete-group", "delete-contact", "consent/create"],
)
def test_status_only_successes_have_no_response_model(name: str) -> None:
    assert ENDPOINTS[name].response_model is None


def test_lookup_resolves_the_legacy_alias() -> None:
    assert lookup("get-report-summary") is ENDPOINTS["get-reports"]
    assert ENDPOINTS["send-sms"].get_path == "/v1/send-sms/get/"
    with pytest.raises(KeyError):
        lookup("get-inbox")


# -------------------- envelopes (§1.2–1.3)


def test_request_envelope_with_payload() -> None:
    envelope = request_envelope(AUTH, ENDPOINTS["add-blacklist"], AddBlacklistRequest(number="5301234567"))
    assert envelope == {
        "request": {"authentication": {"key": "k", "hash": "h"}, "blacklist": {"number": "5301234567"}}
    }


def test_request_envelope_without_payload() -> None:
    assert request_envelope(AUTH, ENDPOINTS["get-balance"]) == {
        "request": {"authentication": {"key": "k", "hash": "h"}}
    }
    with pytest.raises(ValueError, match="takes no payload"):
        request_envelope(AUTH, ENDPOINTS["get-balance"], {"x": 1})


def test_success_envelope() -> None:
    assert success_envelope() == {"response": {"status": {"code": 200, "message": "İşlem başarılı"}}}
    model = GetBalanceResponse.model_validate({"balance": {"amount": 1.5, "sms": 3}})
    assert success_envelope(model)["response"]["balance"] == {"amount": 1.5, "sms": 3}
    assert success_envelope({"consent": []})["response"]["consent"] == []


@pytest.mark.parametrize("code", [c for c in Code if c >= 400], ids=str)
def test_error_envelope_is_status_only_with_the_codes_message(code: Code) -> None:
    assert error_envelope(code) == {"response": {"status": {"code": int(code), "message": code.message}}}


def test_error_envelope_refuses_an_undefined_code() -> None:
    with pytest.raises(ValueError):
        error_envelope(419)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"response": {"status": {"code": 200, "message": "İşlem başarılı"}}}, (200, "İşlem başarılı")),
        ({"response": {"status": {"code": "401", "message": "x"}}}, (401, "x")),
        ({"response": {"status": {"code": " 452 "}}}, (452, "")),
        ({"response": {"status": {"code": 455, "message": None}, "order": {}}}, (455, "")),
    ],
)
def test_read_status_tolerates_drift(body: Any, expected: tuple[int, str]) -> None:
    assert read_status(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "x",
        {},
        {"response": None},
        {"response": {}},
        {"response": {"status": []}},
        {"response": {"status": {}}},
        {"response": {"status": {"code": "OK"}}},
        {"response": {"status": {"code": True}}},
        {"response": {"status": {"code": 2.5}}},
    ],
)
def test_read_status_refuses_a_body_of_the_wrong_shape(body: Any) -> None:
    with pytest.raises(DecodeError) as info:
        read_status(body)
    assert info.value.format == "envelope"


@pytest.mark.parametrize(
    ("request_body", "page"),
    [
        pytest.param({"filter": {"start": "2026-04-01", "page": 2}, "page": 5}, "2", id="filter-page-wins"),
        pytest.param({"filter": {"start": "2026-04-01"}, "page": 5}, "5", id="top-level-page-fallback"),
        pytest.param({"page": 3}, "3", id="top-level-page-without-filter"),
        pytest.param({"filter": {"start": "2026-04-01"}}, None, id="no-page"),
    ],
)
def test_get_reports_reads_filter_page_then_top_level_page(
    request_body: dict[str, Any], page: str | None
) -> None:
    body = {"request": {"authentication": {"key": "k", "hash": "h"}, **request_body}}
    _, payload = read_request(lookup("get-report-summary"), body)
    assert GetReportsRequest.model_validate(payload or {}).page == page


@pytest.mark.parametrize("body", [None, {}, {"request": None}, {"request": []}, {"response": {}}])
def test_read_request_refuses_a_body_without_request(body: Any) -> None:
    with pytest.raises(DecodeError):
        read_request(ENDPOINTS["send-sms"], body)


def test_read_request_missing_authentication_and_payload() -> None:
    auth, payload = read_request(ENDPOINTS["send-sms"], {"request": {}})
    assert (auth.key, auth.hash, payload) == (None, None, None)


def test_authentication_repr_hides_the_hash() -> None:
    auth = Authentication(key="k", hash="secret-hash")
    assert "secret-hash" not in repr(auth)
    assert "secret-hash" not in str(auth)


# -------------------- JSON codec


def test_json_round_trip_keeps_turkish_text() -> None:
    envelope = error_envelope(Code.IYS_LIST_REQUIRED)
    data = dumps(envelope)
    assert b"BIREYSEL veya TACIR" in data
    assert "seçmelisiniz".encode() in data
    assert loads(data) == envelope
    assert loads(data.decode()) == envelope


@pytest.mark.parametrize("data", [b"", b"{", b'{"a": }', b"\xff\xfe", b"{'a': 1}", b"[1,]"])
def test_json_loads_raises_decode_error(data: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        loads(data)
    assert info.value.format == "json"


# -------------------- GET variant (§4.1)


def test_get_query_becomes_the_json_order_shape() -> None:
    params = {
        "key": "k",
        "hash": "h",
        "text": "Merhaba & <ç>",
        "receipents": "5301234569, 5301234570,",
        "sender": "APITEST",
        "iys": "0",
    }
    auth, order = read_get_request(params)
    assert (auth.key, auth.hash) == ("k", "h")
    assert dump(SendSmsRequest.model_validate(order)) == {
        "sender": "APITEST",
        "iys": "0",
        "message": [{"text": "Merhaba & <ç>", "receipents": {"number": ["5301234569", "5301234570"]}}],
    }


def test_get_query_without_text_or_recipients_has_no_message() -> None:
    auth, order = read_get_request({"sender": "X"})
    assert (auth.key, order) == (None, {"sender": "X"})
