"""ileti.wire.xml_codec: JSON shapes ↔ XML for every XML endpoint, documented XML forms, hostile XML."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from ileti.codes import MessageStatus, OrderStatus
from ileti.wire import (
    ENDPOINTS,
    AddBlacklistRequest,
    AddContactRequest,
    Contact,
    DecodeError,
    GetBalanceResponse,
    GetBlacklistResponse,
    GetGroupsResponse,
    GetReportResponse,
    GetSenderResponse,
    SendSmsRequest,
    dump,
    read_request,
    read_status,
    success_envelope,
)
from ileti.wire.xml_codec import MAX_XML_DEPTH, from_xml, to_xml

DATA = Path(__file__).parent.parent / "data" / "wire"
XML_ENDPOINTS = [e for e in ENDPOINTS.values() if e.xml]


def sample(endpoint: str, kind: str) -> Any:
    return json.loads((DATA / f"{endpoint.replace('/', '_')}.{kind}.json").read_text(encoding="utf-8"))


def xml_file(name: str) -> bytes:
    return (DATA / "xml" / name).read_bytes()


# -------------------- round trips per endpoint


@pytest.mark.parametrize("endpoint", XML_ENDPOINTS, ids=lambda e: e.name)
def test_request_round_trips_through_xml(endpoint: Any) -> None:
    body = sample(endpoint.name, "request")
    data = to_xml(body)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><request>')
    auth, payload = read_request(endpoint, from_xml(data))
    assert auth.key == body["request"]["authentication"]["key"]
    if endpoint.request_model is None:
        assert payload is None
    else:
        assert dump(endpoint.request_model.model_validate(payload)) == xml_form(
            body["request"][endpoint.payload_key]
        )


def xml_form(payload: dict[str, Any]) -> dict[str, Any]:
    """XML cannot tell `["23/04/2030 09:00"]` from `"23/04/2030 09:00"`: it reads back as the string."""
    schedule = payload.get("sendDateTime")
    if isinstance(schedule, list):
        return {**payload, "sendDateTime": schedule[0] if schedule else ""}
    return payload


@pytest.mark.parametrize("endpoint", [e for e in XML_ENDPOINTS if e.response_model], ids=lambda e: e.name)
def test_response_round_trips_through_xml(endpoint: Any) -> None:
    body = sample(endpoint.name, "response")
    parsed = from_xml(to_xml(body))
    assert read_status(parsed) == (200, "İşlem başarılı")
    assert success_envelope(endpoint.response_model.model_validate(parsed["response"])) == body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(success_envelope(), id="status-only-success"),
        pytest.param({"response": {"status": {"code": 451, "message": "Tekrar eden sipariş"}}}, id="error"),
    ],
)
def test_status_only_response_round_trips(body: dict[str, Any]) -> None:
    parsed = from_xml(to_xml(body))
    assert read_status(parsed) == (body["response"]["status"]["code"], body["response"]["status"]["message"])


# -------------------- single vs repeated tags


def test_single_message_and_single_number_become_lists() -> None:
    _, payload = read_request(ENDPOINTS["send-sms"], from_xml(xml_file("send-sms.single.request.xml")))
    order = SendSmsRequest.model_validate(payload)
    assert dump(order) == {
        "sender": "APITEST",
        "sendDateTime": "",
        "iys": "0",
        "iysList": "",
        "message": [{"text": "Şifreniz: 1234 <b>&</b> ğüşıöçİ", "receipents": {"number": ["5301234567"]}}],
    }
    assert order.schedule is None


def test_repeated_messages_and_numbers() -> None:
    _, payload = read_request(ENDPOINTS["send-sms"], from_xml(xml_file("send-sms.repeated.request.xml")))
    order = SendSmsRequest.model_validate(payload)
    assert order.schedule == "23/04/2030 09:00"
    assert [(m.text, m.recipients.numbers if m.recipients else None) for m in order.messages or []] == [
        ("Birinci", ["+905301234567", "905321234567"]),
        ("İkinci", ["5401234567"]),
    ]


def test_get_report_with_one_row_and_text_values() -> None:
    parsed = from_xml(xml_file("get-report.single.response.xml"))
    assert read_status(parsed) == (200, "İşlem başarılı")
    report = GetReportResponse.model_validate(parsed["response"]).order
    assert (report.id, report.status, report.total, report.price) == ("428", OrderStatus.COMPLETED, 1, 0.5)
    assert [(m.number, m.status) for m in report.messages] == [("5301234567", MessageStatus.DELIVERED)]


@pytest.mark.parametrize(
    ("name", "senders"),
    [("get-sender.single.response.xml", ["APITEST"]), ("get-sender.empty.response.xml", [])],
)
def test_get_sender_single_and_empty(name: str, senders: list[str]) -> None:
    response = GetSenderResponse.model_validate(from_xml(xml_file(name))["response"])
    assert response.senders.sender == senders


def test_blacklist_number_is_a_list_in_responses_and_a_scalar_in_requests() -> None:
    response = GetBlacklistResponse.model_validate(
        from_xml(xml_file("get-blacklist.single.response.xml"))["response"]
    )
    assert (response.blacklist.count, response.blacklist.numbers) == (7906, ["+905301234567"])
    _, payload = read_request(ENDPOINTS["add-blacklist"], from_xml(xml_file("add-blacklist.request.xml")))
    assert AddBlacklistRequest.model_validate(payload).number == "+905301234567"


def test_balance_from_xml_text() -> None:
    balance = GetBalanceResponse.model_validate(
        from_xml(xml_file("get-balance.response.xml"))["response"]
    ).balance
    assert (balance.amount, balance.sms) == (134.0, 18343)


def test_groups_group_children_child() -> None:
    groups = GetGroupsResponse.model_validate(
        from_xml(xml_file("get-groups.response.xml"))["response"]
    ).groups
    assert [(g.id, g.name, g.count) for g in groups] == [(12, "Müşteriler", 40)]
    assert [(c.id, c.name, c.count) for c in groups[0].children or []] == [(15, "İstanbul", 10)]


def test_contact_request_custom_fields_and_group_ids() -> None:
    _, payload = read_request(ENDPOINTS["add-contact"], from_xml(xml_file("add-contact.request.xml")))
    contact = AddContactRequest.model_validate(payload)
    assert contact.groups == ["12", "15"]
    assert dump(contact)["custom_fields"] == [{"id": "3", "value": "VIP <gold> & more"}]


def test_contact_response_with_empty_elements() -> None:
    contact = Contact.model_validate(from_xml(xml_file("get-contact.response.xml"))["response"]["contact"])
    assert (contact.id, contact.surname, contact.custom_fields, contact.groups) == (77, "", [], [12])


def test_group_wrapper_writes_group_for_objects_and_id_for_ids() -> None:
    data = to_xml(
        {"response": {"groups": [{"id": 1, "name": "a", "children": []}], "contact": {"groups": [1, 2]}}}
    )
    assert b"<groups><group><id>1</id><name>a</name><children></children></group></groups>" in data
    assert b"<contact><groups><id>1</id><id>2</id></groups></contact>" in data


def test_error_response_file() -> None:
    assert read_status(from_xml(xml_file("error.response.xml"))) == (401, "Üyelik bilgileri hatalı")


def test_empty_payload_elements_read_as_objects() -> None:
    parsed = from_xml(b"<request><authentication/><order/></request>")
    assert parsed == {"request": {"authentication": {}, "order": {}}}
    assert from_xml(b"<request/>") == {"request": {}}
    assert from_xml(b"<request><order><message><receipents/></message></order></request>") == {
        "request": {"order": {"message": [{"receipents": {}}]}}
    }


# -------------------- text: CDATA, Turkish, CR


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("plain ascii", id="plain"),
        pytest.param("a < b && c > d", id="markup-chars"),
        pytest.param("<![CDATA[x]]> and ]]> twice ]]>", id="cdata-terminator"),
        pytest.param("Çok güzel İstanbul ışığı ĞÜŞÖ", id="turkish"),
        pytest.param("line1\nline2\ttab", id="newline-and-tab"),
        pytest.param("windows\r\nline & <x>", id="carriage-return"),
        pytest.param("emoji 😀 and €", id="non-bmp"),
        pytest.param("  leading and trailing  ", id="spaces"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize("tag", ["text", "sender", "body"])
def test_text_survives_xml(text: str, tag: str) -> None:
    envelope = {"request": {"order": {tag: text}}}
    assert from_xml(to_xml(envelope)) == envelope


def test_sms_text_is_always_cdata_and_other_text_only_when_needed() -> None:
    data = to_xml({"request": {"order": {"sender": "A&B", "iys": "0", "message": {"text": "hi"}}}})
    assert b"<text><![CDATA[hi]]></text>" in data
    assert b"<sender><![CDATA[A&B]]></sender>" in data
    assert b"<iys>0</iys>" in data


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, b"1"), (False, b"0"), (12, b"12"), (1.5, b"1.5"), (OrderStatus.COMPLETED, b"114")],
)
def test_scalars_are_written_as_text(value: Any, text: bytes) -> None:
    assert to_xml({"response": {"v": value}}).endswith(b"<response><v>" + text + b"</v></response>")


def test_none_is_left_out() -> None:
    assert to_xml({"request": {"order": {"id": None, "page": "1"}}}).endswith(
        b"<order><page>1</page></order></request>"
    )


@pytest.mark.parametrize(
    "envelope",
    [
        pytest.param({}, id="no-root"),
        pytest.param({"request": {}, "response": {}}, id="two-roots"),
        pytest.param({"request": {"bad tag": "x"}}, id="invalid-name"),
        pytest.param({"request": {"1abc": "x"}}, id="name-starts-with-digit"),
        pytest.param({"request": {"text": "bell \x07"}}, id="control-character"),
    ],
)
def test_to_xml_refuses_what_xml_cannot_carry(envelope: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        to_xml(envelope)


def test_str_input_is_accepted() -> None:
    assert from_xml("<response><balance><amount>1</amount></balance></response>") == {
        "response": {"balance": {"amount": "1"}}
    }


# -------------------- hostile and broken XML


@pytest.mark.parametrize(
    "name",
    [
        "billion-laughs.xml",
        "external-entity.xml",
        "external-dtd.xml",
        "parameter-entity.xml",
        "undeclared-entity.xml",
        "unclosed-tag.xml",
        "markup-outside-cdata.xml",
        "empty.xml",
    ],
)
def test_hostile_or_broken_xml_raises_decode_error_quickly(name: str) -> None:
    data = (DATA / "hostile" / name).read_bytes()
    started = time.perf_counter()
    with pytest.raises(DecodeError) as info:
        from_xml(data)
    assert info.value.format == "xml"
    assert time.perf_counter() - started < 1.0  # generous: a guard against expansion, not a benchmark


def test_deep_nesting_is_refused() -> None:
    depth = 100_000
    data = b"<request>" + b"<a>" * depth + b"</a>" * depth + b"</request>"
    with pytest.raises(DecodeError, match="deeper"):
        from_xml(data)


def test_nesting_at_the_limit_is_accepted() -> None:
    inner = MAX_XML_DEPTH - 1
    data = b"<request>" + b"<a>" * inner + b"x" + b"</a>" * inner + b"</request>"
    assert from_xml(data)["request"] is not None


def test_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(DecodeError, match="larger"):
        from_xml(b"<request>" + b" " * 2048 + b"</request>", max_bytes=1024)


def test_fifty_thousand_numbers_parse() -> None:
    numbers = [f"+90530{i:07d}" for i in range(50_000)]
    envelope = {"request": {"order": {"message": [{"text": "x", "receipents": {"number": numbers}}]}}}
    parsed = from_xml(to_xml(envelope))
    assert parsed["request"]["order"]["message"][0]["receipents"]["number"] == numbers
