"""ileti.wire.models: every endpoint's documented JSON parses and serialises back to the exact wire shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from ileti.codes import MessageStatus, OrderStatus
from ileti.wire import (
    ENDPOINTS,
    AddContactRequest,
    AddGroupRequest,
    Blacklist,
    ConsentCreateRequest,
    ConsentShowResponse,
    Contact,
    EditContactRequest,
    GetBalanceResponse,
    GetBlacklistResponse,
    GetReportResponse,
    GetReportsResponse,
    GetSenderResponse,
    Recipients,
    ReportMessage,
    SendSmsRequest,
    SendSmsResponse,
    dump,
    read_request,
    success_envelope,
)

DATA = Path(__file__).parent.parent / "data" / "wire"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def sample(endpoint: str, kind: str) -> Any:
    return load(f"{endpoint.replace('/', '_')}.{kind}.json")


WITH_REQUEST = [e for e in ENDPOINTS.values() if e.request_model is not None]
WITH_RESPONSE = [e for e in ENDPOINTS.values() if e.response_model is not None]


@pytest.mark.parametrize("endpoint", WITH_REQUEST, ids=lambda e: e.name)
def test_documented_request_parses_and_round_trips_exactly(endpoint: Any) -> None:
    body = sample(endpoint.name, "request")
    _, payload = read_request(endpoint, body)
    model = endpoint.request_model.model_validate(payload)
    assert dump(model) == body["request"][endpoint.payload_key]


@pytest.mark.parametrize("endpoint", WITH_RESPONSE, ids=lambda e: e.name)
def test_documented_response_parses_and_round_trips_exactly(endpoint: Any) -> None:
    body = sample(endpoint.name, "response")
    model = endpoint.response_model.model_validate(body["response"])
    assert success_envelope(model) == body


@pytest.mark.parametrize(
    "endpoint", [e for e in ENDPOINTS.values() if e.request_model is None], ids=lambda e: e.name
)
def test_authentication_only_request_has_no_payload(endpoint: Any) -> None:
    auth, payload = read_request(endpoint, sample(endpoint.name, "request"))
    assert payload is None
    assert auth.key == "507caf2e1fcdb5eea9786332ca2d8785"


def test_send_sms_request_uses_python_names() -> None:
    body = sample("send-sms", "request")
    order = SendSmsRequest.model_validate(body["request"]["order"])
    assert order.iys_list == "BIREYSEL"
    assert order.schedule == "23/04/2030 09:00"
    assert order.messages is not None
    first = order.messages[0]
    assert first.recipients is not None
    assert first.recipients.numbers == ["+905301234567", "5321234567"]


def test_models_build_from_python_names_and_dump_wire_names() -> None:
    order = SendSmsRequest(
        sender="APITEST",
        send_date_time="",
        iys="0",
        messages=[{"text": "x", "recipients": Recipients(numbers=["5301234567"])}],
    )
    assert dump(order) == {
        "sender": "APITEST",
        "sendDateTime": "",
        "iys": "0",
        "message": [{"text": "x", "receipents": {"number": ["5301234567"]}}],
    }


# -------------------- leniency of request models


@pytest.mark.parametrize(
    ("payload", "check"),
    [
        pytest.param(
            {}, lambda o: o.iys is None and o.messages is None and o.sender is None, id="all-absent"
        ),
        pytest.param({"iys": 1}, lambda o: o.iys == "1", id="int-iys-coerced"),
        pytest.param({"iys": "yes"}, lambda o: o.iys == "yes", id="bad-iys-value-kept-for-rules"),
        pytest.param(
            {"message": {"text": "t", "receipents": {"number": ["5301234567"]}}},
            lambda o: len(o.messages) == 1 and o.messages[0].text == "t",
            id="single-message-object-becomes-list",
        ),
        pytest.param(
            {"message": [{"receipents": {"number": "5301234567"}}]},
            lambda o: o.messages[0].recipients.numbers == ["5301234567"] and o.messages[0].text is None,
            id="single-number-string-becomes-list",
        ),
        pytest.param(
            {"message": [{"text": 5, "receipents": {"number": [5301234567]}}]},
            lambda o: o.messages[0].text == "5" and o.messages[0].recipients.numbers == ["5301234567"],
            id="int-numbers-and-text-coerced",
        ),
        pytest.param(
            {"sendDateTime": []}, lambda o: o.send_date_time == [] and o.schedule is None, id="empty-list"
        ),
        pytest.param({"sendDateTime": [""]}, lambda o: o.schedule is None, id="list-of-empty"),
        pytest.param(
            {"sendDateTime": "01/05/2030 10:00"}, lambda o: o.schedule == "01/05/2030 10:00", id="str"
        ),
        pytest.param({"message": []}, lambda o: o.messages == [], id="empty-message-list"),
        pytest.param({"unknown": {"x": 1}}, lambda o: o.sender is None, id="unknown-key-ignored"),
    ],
)
def test_send_sms_request_is_lenient(payload: dict[str, Any], check: Any) -> None:
    assert check(SendSmsRequest.model_validate(payload))


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        pytest.param(SendSmsRequest, {"message": 5}, id="message-is-a-number"),
        pytest.param(SendSmsRequest, {"message": "text"}, id="message-is-a-string"),
        pytest.param(
            SendSmsRequest, {"message": [{"receipents": {"number": {"a": 1}}}]}, id="number-is-object"
        ),
        pytest.param(SendSmsRequest, {"message": [{"receipents": 5}]}, id="receipents-is-number"),
        pytest.param(SendSmsRequest, {"sender": {"a": "b"}}, id="sender-is-object"),
        pytest.param(SendSmsRequest, {"sender": ["A"]}, id="sender-is-list"),
        pytest.param(SendSmsRequest, {"sendDateTime": {"d": 1}}, id="schedule-is-object"),
        pytest.param(ConsentCreateRequest, {"list": 3}, id="consent-list-is-number"),
        pytest.param(AddGroupRequest, {"name": ["a"]}, id="group-name-is-list"),
        pytest.param(AddContactRequest, {"groups": {"other": 1}}, id="groups-of-unknown-shape"),
    ],
)
def test_wrong_shape_raises_validation_error(model: type[BaseModel], payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(payload)


def test_fifty_thousand_recipients_stay_a_plain_list() -> None:
    numbers = [f"+90530{i:07d}" for i in range(50_000)]
    order = SendSmsRequest.model_validate({"message": [{"text": "x", "receipents": {"number": numbers}}]})
    assert order.messages is not None
    recipients = order.messages[0].recipients
    assert recipients is not None
    assert recipients.numbers == numbers
    assert type(recipients.numbers) is list


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        pytest.param([12, "15"], ["12", "15"], id="plain-list"),
        pytest.param({"id": ["12", 15]}, ["12", "15"], id="id-wrapper"),
        pytest.param({"id": "12"}, ["12"], id="id-wrapper-single"),
        pytest.param({"group": {"id": 12}}, ["12"], id="group-object"),
        pytest.param({"group": [{"id": 12}, {"id": 15}]}, ["12", "15"], id="group-list"),
        pytest.param([{"id": 12}], ["12"], id="list-of-objects"),
        pytest.param(12, ["12"], id="bare-id"),
        pytest.param({}, [], id="empty-object"),
    ],
)
def test_contact_groups_accept_every_documented_form(groups: Any, expected: list[str]) -> None:
    contact = EditContactRequest.model_validate({"id": 7, "groups": groups})
    assert contact.groups == expected
    assert dump(contact)["groups"] == expected


@pytest.mark.parametrize(
    "custom_fields",
    [
        pytest.param([{"id": 3, "value": "v"}], id="list"),
        pytest.param({"custom_field": [{"id": 3, "value": "v"}]}, id="custom_field-wrapper"),
        pytest.param({"custom_field": {"id": 3, "value": "v"}}, id="wrapper-single"),
        pytest.param({"id": 3, "value": "v"}, id="single-object"),
    ],
)
def test_contact_custom_fields_accept_list_or_wrapper(custom_fields: Any) -> None:
    contact = AddContactRequest.model_validate({"name": "A", "custom_fields": custom_fields})
    assert dump(contact)["custom_fields"] == [{"id": "3", "value": "v"}]


# -------------------- type drift of responses (§1.5)


def test_send_sms_2024_string_code_and_int_id() -> None:
    body = load("drift/send-sms.2024.response.json")
    assert SendSmsResponse.model_validate(body["response"]).order.id == "12323232"


def test_get_report_2024_shape_without_counters() -> None:
    report = GetReportResponse.model_validate(load("drift/get-report.2024.response.json")["response"]).order
    assert report.id == "428"
    assert report.status is OrderStatus.COMPLETED
    assert report.total is None
    assert report.price is None
    assert report.messages == [
        ReportMessage(number="5301234567", status=MessageStatus.DELIVERED),
        ReportMessage(number="+905301234568", status=MessageStatus.UNDELIVERED),
    ]


def test_get_report_go_sdk_strings_and_decimal_comma_price() -> None:
    report = GetReportResponse.model_validate(load("drift/get-report.go-sdk.response.json")["response"]).order
    assert (report.total, report.waiting, report.price, report.messages) == (2, 2, 0.0, [])
    assert report.status is OrderStatus.SENDING


@pytest.mark.parametrize(
    ("price", "expected"),
    [(1, 1.0), (0.5, 0.5), ("0,0000", 0.0), ("12,75", 12.75), ("3.5", 3.5), (" 2 ", 2.0)],
)
def test_price_accepts_number_string_and_decimal_comma(price: Any, expected: float) -> None:
    body = {"order": {"id": 1, "status": 114, "price": price, "message": []}}
    assert GetReportResponse.model_validate(body).order.price == expected


def test_balance_from_strings() -> None:
    balance = GetBalanceResponse.model_validate(
        load("drift/get-balance.2024.response.json")["response"]
    ).balance
    assert (balance.amount, balance.sms) == (0.0, 18343)
    assert (
        GetBalanceResponse.model_validate({"balance": {"amount": "134.0000", "sms": 5}}).balance.amount
        == 134.0
    )


def test_blacklist_count_from_string() -> None:
    blacklist = GetBlacklistResponse.model_validate(
        load("drift/get-blacklist.2024.response.json")["response"]
    )
    assert blacklist.blacklist == Blacklist(count=7906, numbers=["+905301234567"])


def test_get_reports_ids_and_counters_from_strings() -> None:
    response = GetReportsResponse.model_validate(
        load("drift/get-reports.string-ids.response.json")["response"]
    )
    assert response.count == 1
    assert response.orders[0].id == 428
    assert response.orders[0].status is OrderStatus.COMPLETED


def test_consent_show_empty_array_quirk_reads_as_none() -> None:
    assert (
        ConsentShowResponse.model_validate(load("drift/consent-show.quirk.response.json")["response"]).consent
        is None
    )


def test_sdk_style_send_sms_request_with_ints_and_single_block() -> None:
    body = load("drift/send-sms.sdk-ints.request.json")
    order = SendSmsRequest.model_validate(body["request"]["order"])
    assert order.iys == "1"
    assert order.schedule is None
    assert dump(order)["message"] == [
        {"text": "Tek blok", "receipents": {"number": ["5301234567", "+905321234567"]}}
    ]


def test_empty_sender_list_and_contact_defaults() -> None:
    assert GetSenderResponse.model_validate({"senders": {"sender": []}}).senders.sender == []
    contact = Contact.model_validate({"id": "7"})
    assert (contact.id, contact.custom_fields, contact.groups) == (7, [], [])


@pytest.mark.parametrize(
    ("model", "payload"),
    [
        pytest.param(GetReportResponse, {"order": {"id": "1", "status": 999}}, id="unknown-order-status"),
        pytest.param(
            GetReportResponse,
            {"order": {"id": "1", "status": 114, "message": [{"number": "1"}]}},
            id="row-without-status",
        ),
        pytest.param(
            GetReportResponse, {"order": {"id": "1", "status": 114, "price": "abc"}}, id="bad-price"
        ),
        pytest.param(GetBalanceResponse, {"balance": {"amount": "x", "sms": 1}}, id="bad-amount"),
        pytest.param(GetBalanceResponse, {}, id="missing-payload"),
    ],
)
def test_typed_responses_refuse_bad_values(model: type[BaseModel], payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        model.model_validate(payload)
