"""The send-sms GET variant over a real socket (CONTRACT §4.1, OQ-24, OQ-25): `GET /v1/send-sms/get/` with the
query parameters of §4.1, answered in XML, with the same rules and the same store as the JSON send-sms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from ileti.codes import Code
from ileti.wire import read_status
from ileti.wire.xml_codec import from_xml

from ..api_calls import Api

XML_TYPE = "text/xml; charset=utf-8"


@pytest.fixture
def api(ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox) as api:
        yield api


def params(api: Api, **changes: Any) -> dict[str, Any]:
    query = {
        "key": api.key,
        "hash": api.hash,
        "text": "Merhaba dünya",
        "receipents": "5321112233,5321112234",
        "sender": api.sender,
        "iys": "0",
    }
    query.update(changes)
    return {name: value for name, value in query.items() if value is not None}


def get(api: Api, path: str = "/v1/send-sms/get/", **changes: Any) -> tuple[int, dict[str, Any]]:
    response = api.http.get(api.url + path, params=params(api, **changes))
    assert response.headers["content-type"] == XML_TYPE
    body = from_xml(response.content)
    code, _ = read_status(body)
    assert response.status_code == code  # OQ-1
    return code, body["response"]


def test_a_get_send_is_an_order_in_the_same_store(api: Api) -> None:
    code, response = get(api)
    assert code == 200
    order_id = response["order"]["id"]
    inbox = api.control("GET", f"/_sandbox/messages?order_id={order_id}")["messages"]
    assert sorted((m["to"], m["text"], m["sender"]) for m in inbox) == [
        ("+905321112233", "Merhaba dünya", api.sender),
        ("+905321112234", "Merhaba dünya", api.sender),
    ]
    assert api.report(str(order_id)) == {"+905321112233": 110, "+905321112234": 110}


def test_url_encoded_text_arrives_as_sent(api: Api) -> None:
    text = "1+1 = 2 & 50% <indirim> şğüİı ?#"
    code, response = get(api, text=text, receipents="5321112233")
    assert code == 200
    inbox = api.control("GET", f"/_sandbox/messages?order_id={response['order']['id']}")["messages"]
    assert [m["text"] for m in inbox] == [text]


@pytest.mark.parametrize("path", ["/v1/send-sms/get/", "/v1/send-sms/get"])
def test_with_or_without_the_trailing_slash(api: Api, path: str) -> None:
    assert get(api, path, text=f"via {path}")[0] == 200


def test_a_scheduled_get_send_waits(api: Api) -> None:
    code, response = get(api, sendDateTime="01/01/2030 10:00")
    assert code == 200
    assert api.call("get-report", {"id": response["order"]["id"]}).code == Code.SCHEDULE_NOT_REACHED


CODES = {
    "no-key": ({"key": None}, Code.UNAUTHORIZED),
    "wrong-hash": ({"hash": "0" * 64}, Code.UNAUTHORIZED),
    "no-sender": ({"sender": None}, Code.SENDER_EMPTY),
    "long-sender": ({"sender": "ABCDEFGHIJKL"}, Code.SENDER_INVALID),
    "turkish-sender": ({"sender": "ŞİRKET"}, Code.SENDER_INVALID),
    "unknown-sender": ({"sender": "NOBODY"}, Code.SENDER_NOT_APPROVED),
    "no-iys": ({"iys": None}, Code.IYS_FLAG_REQUIRED),
    "iys-without-list": ({"iys": "1"}, Code.IYS_LIST_REQUIRED),
    "iys-without-brand-code": ({"iys": "1", "iysList": "BIREYSEL"}, Code.IYS_CODE_MISSING),
    "no-text": ({"text": None}, Code.EMPTY_TEXT),
    "empty-text": ({"text": ""}, Code.EMPTY_TEXT),
    "too-long": ({"text": "ğ" * 1039}, Code.ORDER_TOO_LARGE),
    "bad-schedule": ({"sendDateTime": "2030-01-01 10:00"}, Code.INVALID_SEND_DATE),
    "no-recipients": ({"receipents": None}, Code.INVALID_RECIPIENTS),
    "only-commas": ({"receipents": ",,"}, Code.INVALID_RECIPIENTS),
    "invalid-recipients": ({"receipents": "123,5999999999"}, Code.INVALID_RECIPIENTS),
}


@pytest.mark.parametrize(("changes", "code"), CODES.values(), ids=CODES.keys())
def test_the_send_sms_codes_apply(api: Api, changes: dict[str, Any], code: Code) -> None:
    assert get(api, **changes) == (code, {"status": {"code": str(int(code)), "message": code.message}})


def test_the_same_get_again_is_451(api: Api) -> None:
    assert get(api)[0] == 200
    assert get(api)[0] == Code.DUPLICATE_ORDER


def test_without_balance_it_is_402(api: Api) -> None:
    api.control("PATCH", api.account(), {"balance": {"sms": 0, "amount": 0}})
    assert get(api)[0] == Code.INSUFFICIENT_BALANCE


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_another_method_on_the_get_path_is_404_in_xml(api: Api, method: str) -> None:
    response = api.http.request(method, api.url + "/v1/send-sms/get/", params=params(api))
    assert (response.status_code, response.headers["content-type"]) == (404, XML_TYPE)
    assert read_status(from_xml(response.content))[0] == 404
    assert api.control("GET", "/_sandbox/messages")["messages"] == []


@pytest.mark.parametrize("path", ["/v1/get-balance/get/", "/v1/get-report/get/", "/v1/send-sms/get/json"])
def test_no_other_endpoint_has_a_get_variant(api: Api, path: str) -> None:
    response = api.http.get(api.url + path, params=params(api))
    assert response.status_code == 404


def test_a_hostile_query_is_answered_in_xml(api: Api) -> None:
    junk = ["receipents=%ff%fe", "text=%00%01", "iys=%E2%80%AE0"] * 400
    raw = api.url + "/v1/send-sms/get/?" + "&".join(junk)
    response = httpx.get(raw + f"&key={api.key}&hash={api.hash}&sender={api.sender}")
    assert response.status_code in (400, 452, 454, 468)
    assert response.headers["content-type"] == XML_TYPE
