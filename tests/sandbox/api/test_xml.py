"""The XML transport over a real socket (CONTRACT §1.1, OQ-22, OQ-24, OQ-25): `POST /v1/<endpoint>` with an
XML body, raw or as the form field `data`, answered in XML with the same codes as JSON, on the same store.

The blacklist and contacts scenarios run once per transport in `test_blacklist.py` and `test_contacts.py`;
this module covers what is particular to XML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from ileti.codes import Code
from ileti.wire import ENDPOINTS, Contact, read_status
from ileti.wire.xml_codec import from_xml, to_xml

from ..api_calls import Api, decode

DATA = Path(__file__).parents[2] / "data" / "wire"
XML_TYPE = "text/xml; charset=utf-8"

# the code of each XML endpoint for a request with valid credentials and no payload
EMPTY_PAYLOAD = {
    "send-sms": Code.SENDER_EMPTY,
    "cancel-order": Code.ORDER_NOT_FOUND,
    "get-report": Code.ORDER_NOT_FOUND,
    "get-balance": Code.OK,
    "get-sender": Code.OK,
    "get-blacklist": Code.OK,
    "add-blacklist": Code.INVALID_NUMBER,
    "delete-blacklist": Code.INVALID_NUMBER,
    "add-group": Code.GROUP_NAME_REQUIRED,
    "edit-group": Code.GROUP_ID_REQUIRED,
    "delete-group": Code.GROUP_ID_REQUIRED,
    "get-groups": Code.OK,
    "get-group-contacts": Code.GROUP_ID_REQUIRED,
    "add-contact": Code.CONTACT_FIELDS_REQUIRED,
    "edit-contact": Code.CONTACT_NOT_FOUND,
    "delete-contact": Code.CONTACT_NOT_FOUND,
    "get-contact": Code.CONTACT_NOT_FOUND,
    "search-contacts": Code.SEARCH_TERM_TOO_SHORT,
}
XML_ENDPOINTS = sorted(name for name, endpoint in ENDPOINTS.items() if endpoint.xml)
JSON_ONLY = sorted(name for name, endpoint in ENDPOINTS.items() if not endpoint.xml)


@pytest.fixture
def api(ileti_sandbox: Any) -> Iterator[Api]:
    with Api(ileti_sandbox, "xml") as api:
        yield api


def with_credentials(api: Api, xml: bytes) -> bytes:
    auth = f"<authentication><key>{api.key}</key><hash>{api.hash}</hash></authentication>".encode()
    return re.sub(rb"<authentication>.*?</authentication>", auth, xml, flags=re.S)


def post(api: Api, path: str, content: bytes, content_type: str | None = "text/xml") -> httpx.Response:
    headers = {"content-type": content_type} if content_type else {}
    return api.http.post(api.url + path, content=content, headers=headers)


def assert_xml_error(response: httpx.Response, code: Code) -> None:
    assert response.status_code == code
    assert response.headers["content-type"] == XML_TYPE
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?><response>')
    assert read_status(from_xml(response.content)) == (code, code.message)


def test_all_xml_endpoints_are_the_ones_oq_22_lists() -> None:
    assert sorted(EMPTY_PAYLOAD) == XML_ENDPOINTS
    assert JSON_ONLY == ["consent/create", "consent/show", "get-group", "get-reports"]


@pytest.mark.parametrize("transport", ["json", "xml", "form"])
def test_every_xml_endpoint_answers_the_same_code_as_json(api: Api, transport: Any) -> None:
    for endpoint in XML_ENDPOINTS:
        api.expect(EMPTY_PAYLOAD[endpoint], endpoint, transport=transport)


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml", "text/plain", None])
def test_a_raw_body_is_read_whatever_its_content_type(api: Api, content_type: str | None) -> None:
    body = to_xml(api.envelope("get-balance"))
    response = post(api, "/v1/get-balance", body, content_type)
    answer = decode(response)
    assert (answer.code, answer.content_type) == (200, XML_TYPE)
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert float(answer.response["balance"]["amount"]) == pytest.approx(1000.0)


def test_a_form_field_data_is_read(api: Api) -> None:
    body = to_xml(api.envelope("add-blacklist", {"number": "5321234567"})).decode()
    assert decode(api.http.post(api.url + "/v1/add-blacklist", data={"data": body, "other": "x"})).code == 200
    count = api.expect(Code.OK, "get-blacklist", transport="json").response["blacklist"]["count"]
    assert count == 1


def test_a_form_without_data_is_400(api: Api) -> None:
    response = api.http.post(api.url + "/v1/get-balance", data={"xml": "<request/>"})
    assert_xml_error(response, Code.BAD_REQUEST)


@pytest.mark.parametrize("name", sorted(p.name for p in (DATA / "hostile").iterdir()))
def test_hostile_and_malformed_xml_is_400(api: Api, name: str) -> None:
    content = (DATA / "hostile" / name).read_bytes()
    assert_xml_error(post(api, "/v1/get-balance", content), Code.BAD_REQUEST)
    form = api.http.post(
        api.url + "/v1/get-balance",
        content=urlencode({"data": content}).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == Code.BAD_REQUEST


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"   ",
        b"<request>",
        b"<request><authentication></request>",
        b"<response/>",
        b"<request>text</request>",
        b"<?xml version='1.0'?>",
        b"<request/><request/>",
        b'{"request": {}}',
        b"<a>" * 40 + b"</a>" * 40,
        b"<request>\xff\xfe</request>",
    ],
    ids=[
        "empty",
        "blank",
        "unclosed",
        "mismatched",
        "response-root",
        "text-root",
        "declaration-only",
        "two-roots",
        "json",
        "too-deep",
        "bad-utf8",
    ],
)
def test_an_unreadable_body_is_400_in_xml(api: Api, content: bytes) -> None:
    assert_xml_error(post(api, "/v1/send-sms", content), Code.BAD_REQUEST)


def test_bad_credentials_are_401_in_xml(api: Api) -> None:
    api.expect(Code.UNAUTHORIZED, "get-balance", hash="wrong")
    api.expect(Code.UNAUTHORIZED, "get-balance", transport="form", key="nobody")
    assert_xml_error(post(api, "/v1/get-balance", b"<request><authentication/></request>"), Code.UNAUTHORIZED)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_wrong_method_on_an_xml_path_is_404_in_xml(api: Api, method: str) -> None:
    assert_xml_error(api.http.request(method, api.url + "/v1/get-balance"), Code.NOT_FOUND)


@pytest.mark.parametrize(
    "path",
    ["/v1/nope", "/v1/get-balance/xml", "/v1", "/v1/send-sms/get/extra"]
    + [f"/v1/{name}" for name in JSON_ONLY],
)
def test_a_path_without_an_xml_variant_is_404_in_xml(api: Api, path: str) -> None:
    assert_xml_error(post(api, path, to_xml(api.envelope("get-balance"))), Code.NOT_FOUND)


def test_an_unknown_json_path_is_404_in_json(api: Api) -> None:
    response = api.http.post(api.url + "/v1/nope/json", content=b"{}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json; charset=utf-8"


def test_one_trailing_slash_is_tolerated(api: Api) -> None:
    assert decode(post(api, "/v1/get-balance/", to_xml(api.envelope("get-balance")))).code == 200


def test_the_documented_send_sms_bodies_are_accepted(api: Api) -> None:
    api.enable_iys()
    sender = api.sender.encode()
    single = (DATA / "xml" / "send-sms.single.request.xml").read_bytes().replace(b"APITEST", sender)
    answer = decode(post(api, "/v1/send-sms", with_credentials(api, single)))
    assert answer.code == 200
    order_id = str(answer.response["order"]["id"])
    inbox = api.control("GET", f"/_sandbox/messages?order_id={order_id}")["messages"]
    assert [(m["to"], m["text"]) for m in inbox] == [("+905301234567", "Şifreniz: 1234 <b>&</b> ğüşıöçİ")]
    repeated = (DATA / "xml" / "send-sms.repeated.request.xml").read_bytes().replace(b"ILETI<", sender + b"<")
    api.control(
        "POST",
        api.account("/consents"),
        {
            "records": [
                {"recipient": number, "recipientType": "BIREYSEL", "type": "MESAJ", "status": "ONAY"}
                for number in ("+905301234567", "+905321234567", "+905401234567")
            ]
        },
    )
    answer = decode(post(api, "/v1/send-sms", with_credentials(api, repeated)))
    assert answer.code == 200
    report = api.call("get-report", {"id": answer.response["order"]["id"]})
    assert report.code == Code.SCHEDULE_NOT_REACHED  # scheduled for 2030 (§4.3)


def test_the_documented_contact_body_is_accepted(api: Api) -> None:
    groups = [int(api.expect(Code.OK, "add-group", {"name": n}).response["group"]["id"]) for n in ("a", "b")]
    field = api.add_custom_field("tier")
    xml = (DATA / "xml" / "add-contact.request.xml").read_bytes()
    xml = xml.replace(b"<id>12</id><id>15</id>", f"<id>{groups[0]}</id><id>{groups[1]}</id>".encode())
    xml = xml.replace(b"<id>3</id>", f"<id>{field}</id>".encode())
    answer = decode(post(api, "/v1/add-contact", with_credentials(api, xml)))
    assert answer.code == 200
    contact = Contact.model_validate(answer.response["contact"])
    assert (contact.name, contact.gsm, contact.groups) == ("Ayşe", "+905057023100", groups)
    assert [(f.id, f.value) for f in contact.custom_fields] == [(field, "VIP <gold> & more")]
    assert (
        b"<![CDATA[VIP <gold> & more]]>"
        in api.http.post(
            api.url + "/v1/get-contact", content=to_xml(api.envelope("get-contact", {"id": contact.id}))
        ).content
    )


def test_the_transports_share_one_store(api: Api) -> None:
    api.expect(Code.OK, "add-blacklist", {"number": "5321234567"}, transport="xml")
    api.expect(Code.OK, "add-blacklist", {"number": "5321234568"}, transport="form")
    answer = api.expect(Code.OK, "get-blacklist", transport="json")
    assert sorted(answer.response["blacklist"]["number"]) == ["+905321234567", "+905321234568"]
    in_xml = api.expect(Code.OK, "get-blacklist").response["blacklist"]
    assert in_xml == {"count": "2", "number": answer.response["blacklist"]["number"]}


def test_text_xml_cannot_carry_still_gets_an_answer(api: Api) -> None:
    created = api.expect(Code.OK, "add-contact", {"name": "bell\x07 and \x00 nul"}, transport="json")
    contact_id = created.response["contact"]["id"]
    answer = api.expect(Code.OK, "get-contact", {"id": contact_id})
    assert answer.response["contact"]["name"] == "bell\ufffd and \ufffd nul"
