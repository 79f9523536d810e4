"""The I/O-free core: request bodies, local validation (what the server would refuse) and response reading."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ileti import checks
from ileti.client import errors as e
from ileti.client._base import ClientCore, format_schedule
from ileti.client._config import Credentials
from ileti.client.models import Message

from .conftest import HASH, KEY


def core(**kwargs: Any) -> ClientCore:
    return ClientCore(base_url="http://api.test", credentials=Credentials(KEY, HASH), **kwargs)


def send(c: ClientCore | None = None, **kwargs: Any) -> dict[str, Any]:
    c = c or core()
    args: dict[str, Any] = {
        "to": "+905301234567",
        "text_": "Merhaba",
        "messages": None,
        "sender": "MYBRAND",
        "schedule": None,
        "iys": False,
        "iys_list": None,
        "retry": None,
        "retry_default": False,
    }
    args.update(kwargs)
    to, text = args.pop("to"), args.pop("text_")
    call = c.send_sms(to, text, **args)
    assert call.request.url == "http://api.test/v1/send-sms/json"
    body: dict[str, Any] = json.loads(call.request.body)["request"]
    return body


def test_send_sms_body_uses_the_wire_spellings() -> None:
    body = send(to=["0530 123 45 67", 905301234568])
    assert body["authentication"] == {"key": KEY, "hash": HASH}
    assert body["order"] == {
        "sender": "MYBRAND",
        "iys": "0",
        "message": [{"text": "Merhaba", "receipents": {"number": ["+905301234567", "+905301234568"]}}],
    }


def test_commercial_send_needs_an_explicit_iys_list() -> None:
    with pytest.raises(e.IysListRequiredError) as info:
        send(iys=True)
    assert info.value.local
    body = send(iys=True, iys_list="TACIR")
    assert body["order"]["iys"] == "1"
    assert body["order"]["iysList"] == "TACIR"


def test_per_recipient_texts_and_several_messages() -> None:
    body = send(to=None, text_=None, messages={"5301234567": "A", "5301234568": "B"})
    assert [m["text"] for m in body["order"]["message"]] == ["A", "B"]
    body = send(
        to=None, text_=None, messages=[Message("A", ["5301234567", "5301234568"]), Message("B", "5301234569")]
    )
    assert body["order"]["message"][0]["receipents"]["number"] == ["+905301234567", "+905301234568"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (datetime(2026, 5, 1, 9, 30, 59), "01/05/2026 09:30"),
        (datetime(2026, 5, 1, 6, 30, tzinfo=UTC), "01/05/2026 09:30"),
        ("01/05/2026 09:30", "01/05/2026 09:30"),
    ],
    ids=["naive-istanbul-seconds-dropped", "aware-utc-converted", "string"],
)
def test_schedule_is_formatted_without_seconds(when: datetime | str, expected: str) -> None:
    assert format_schedule(when) == expected
    assert send(schedule=when)["order"]["sendDateTime"] == expected


@pytest.mark.parametrize("bad", ["01/05/2026 09:30:00", "2026-05-01 09:30", "31/02/2026 09:30", ""])
def test_bad_schedule_strings_are_457_locally(bad: str) -> None:
    with pytest.raises(e.InvalidSendDateError) as info:
        send(schedule=bad)
    assert info.value.local


SCHEDULES = [
    "01/03/2026 09:05",
    "31/12/2030 23:59",
    "31/02/2026 10:00",
    "01/03/2026 9:05",
    "01/03/2026 09:05:00",
    "01-03-2026 09:05",
    "01/03/2026T09:05",
    "٠١/٠٣/٢٠٢٦ ٠٩:٠٥",  # Arabic-Indic digits match `\d`, not `[0-9]`
    "",
]


@pytest.mark.parametrize("text", SCHEDULES)
def test_the_client_accepts_exactly_the_schedules_the_sandbox_accepts(text: str) -> None:
    """The client refuses a schedule locally (457) when, and only when, the sandbox's check would."""
    sandbox_accepts = checks.parse_schedule(text) is not None
    try:
        format_schedule(text)
    except e.InvalidSendDateError:
        client_accepts = False
    else:
        client_accepts = True
    assert client_accepts is sandbox_accepts


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"sender": ""}, e.SenderEmptyError),
        ({"sender": "TWELVECHARSX"}, e.SenderInvalidError),
        ({"sender": "ŞİRKET"}, e.SenderInvalidError),
        ({"text_": ""}, e.EmptyTextError),
        ({"sender": "   "}, e.SenderEmptyError),
        ({"text_": "x" * 1067}, e.OrderTooLargeError),
        ({"text_": "ş" * 1039}, e.OrderTooLargeError),
        ({"to": ["123", "905991234567"]}, e.InvalidRecipientsError),
        ({"to": []}, e.InvalidRecipientsError),
        ({"sender": "", "text_": ""}, e.SenderEmptyError),  # OQ-2 order: sender first
        ({"sender": "TWELVECHARSX", "schedule": "tomorrow"}, e.SenderInvalidError),  # 460 before 457
        ({"schedule": "31/02/2027 10:00", "to": []}, e.InvalidSendDateError),  # 457 before 452
    ],
    ids=[
        "459",
        "460-long",
        "460-turkish",
        "454",
        "459-blank",
        "453-gsm7",
        "453-turkish",
        "452",
        "452-empty",
        "order",
        "order-460-457",
        "order-457-452",
    ],
)
def test_local_validation_raises_what_the_server_would(
    kwargs: dict[str, Any], error: type[e.ApiStatusError]
) -> None:
    with pytest.raises(error) as info:
        send(**kwargs)
    assert info.value.local
    assert info.value.response is None


def test_a_text_of_blanks_is_a_text_as_on_the_server() -> None:
    send(text_="   ")  # the sandbox accepts it too (ileti.checks.text_missing)


def test_longest_allowed_text_passes() -> None:
    send(text_="x" * 1066)


def test_invalid_numbers_among_valid_ones_are_left_to_the_server() -> None:
    body = send(to=["5301234567", "123"])
    assert body["order"]["message"][0]["receipents"]["number"] == ["+905301234567", "123"]


def test_validation_can_be_switched_off() -> None:
    body = send(core(validate=False), sender="", text_="", schedule="01/05/2026 09:30:00")
    assert body["order"]["sender"] == ""
    assert body["order"]["sendDateTime"] == "01/05/2026 09:30:00"


def test_send_sms_retry_opt_in() -> None:
    c = core()
    assert not c.send_sms(
        "5301234567",
        "x",
        messages=None,
        sender="S",
        schedule=None,
        iys=False,
        iys_list=None,
        retry=None,
        retry_default=False,
    ).retry_if_maybe_sent
    assert c.send_sms(
        "5301234567",
        "x",
        messages=None,
        sender="S",
        schedule=None,
        iys=False,
        iys_list=None,
        retry=True,
        retry_default=False,
    ).retry_if_maybe_sent
    assert c.get_balance().retry_if_maybe_sent


def test_request_repr_never_shows_the_hash() -> None:
    assert HASH not in repr(core().get_balance().request)


# --- reading responses ----------------------------------------------------------------------------------


def raw(body: Any, status: int = 200, content_type: str = "application/json") -> e.RawResponse:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return e.RawResponse(status, {"content-type": content_type}, data)


def test_type_drift_is_absorbed() -> None:
    c = core()
    order = c.finish(
        c.send_sms(
            "5301234567",
            "x",
            messages=None,
            sender="S",
            schedule=None,
            iys=False,
            iys_list=None,
            retry=None,
            retry_default=False,
        ),
        raw(
            {
                "response": {
                    "status": {"code": "200", "message": "İşlem başarılı"},
                    "order": {"id": "12323232"},
                }
            }
        ),
    )
    assert order.id == 12323232
    balance = c.finish(
        c.get_balance(),
        raw({"response": {"status": {"code": 200}, "balance": {"amount": "134.0000", "sms": "18343"}}}),
    )
    assert balance.amount == 134.0
    assert balance.sms == 18343


def test_error_code_raises_its_class_with_the_raw_response() -> None:
    c = core()
    response = raw({"response": {"status": {"code": "451", "message": "Tekrar eden sipariş"}}}, status=451)
    with pytest.raises(e.DuplicateOrderError) as info:
        c.finish(c.get_balance(), response)
    assert info.value.response is response
    assert info.value.endpoint == "get-balance"
    assert not info.value.after_retry


@pytest.mark.parametrize(
    "response",
    [
        raw(b"<html><body>502 Bad Gateway</body></html>", 502, "text/html"),
        raw(b"", 200),
        raw(b'{"response": {"status": {"code": 200}, "balance": {"amount": 1', 200),
        raw({"hello": "world"}, 200),
        raw({"response": {"status": {"code": 200}}}, 200),
    ],
    ids=["html", "empty", "truncated-json", "not-envelope", "missing-payload"],
)
def test_unreadable_responses_are_invalid_response_errors(response: e.RawResponse) -> None:
    c = core()
    with pytest.raises(e.InvalidResponseError) as info:
        c.finish(c.get_balance(), response)
    assert info.value.response is response
    assert "get-balance" in str(info.value)


def test_http_status_is_the_fallback_when_the_envelope_lacks_a_status() -> None:
    c = core()
    with pytest.raises(e.UnauthorizedError):
        c.finish(c.get_balance(), raw({"error": "nope"}, 401))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"iys": True, "iys_list": "BIREYSEL", "schedule": "01/05/2026 09:30"},
        {"to": None, "text_": None, "messages": {"5301234567": "A", "5301234568": "B"}},
    ],
    ids=["plain", "commercial-scheduled", "per-recipient"],
)
def test_send_sms_fast_path_equals_the_wire_models_dump(kwargs: dict[str, Any]) -> None:
    from ileti.wire import models as wm
    from ileti.wire.endpoints import ENDPOINTS
    from ileti.wire.envelope import Authentication, request_envelope

    body = send(**kwargs)
    model = wm.SendSmsRequest.model_validate(body["order"])
    expected = request_envelope(Authentication(key=KEY, hash=HASH), ENDPOINTS["send-sms"], model)["request"]
    assert body == expected


def test_envelope_equals_the_shared_request_envelope() -> None:
    from ileti.wire import models as wm
    from ileti.wire.endpoints import ENDPOINTS
    from ileti.wire.envelope import Authentication, request_envelope

    c = core()
    auth = Authentication(key=KEY, hash=HASH)
    assert json.loads(c.get_balance().request.body) == request_envelope(auth, ENDPOINTS["get-balance"], None)
    call = c.get_report(12, page=2, row_count=10)
    payload = wm.GetReportRequest(id="12", page="2", row_count="10")
    assert json.loads(call.request.body) == request_envelope(auth, ENDPOINTS["get-report"], payload)


# --- phone numbers as objects ---------------------------------------------------------------------------


class E164:
    """What django-phonenumber-field stores: an object that spells itself with `as_e164`."""

    def __init__(self, e164: str) -> None:
        self.as_e164 = e164


def test_phone_number_objects_are_taken_wherever_a_number_is() -> None:
    import phonenumbers

    parsed = phonenumbers.parse("0530 123 45 67", "TR")
    body = send(to=[parsed, E164("+905301234568"), "5301234569"])
    numbers = body["order"]["message"][0]["receipents"]["number"]
    assert numbers == ["+905301234567", "+905301234568", "+905301234569"]
    body = send(to=parsed)
    assert body["order"]["message"][0]["receipents"]["number"] == ["+905301234567"]
    body = send(to=None, text_=None, messages=[Message("a", E164("+905301234568"))])
    assert body["order"]["message"][0]["receipents"]["number"] == ["+905301234568"]
    body = send(to=None, text_=None, messages={E164("+905301234569"): "b"})
    assert body["order"]["message"][0]["receipents"]["number"] == ["+905301234569"]
    blacklist = json.loads(core().add_blacklist(parsed).request.body)["request"]
    assert blacklist["blacklist"]["number"] == "+905301234567"
    consent = json.loads(
        core().show_consent(1, E164("+905301234567"), recipient_type="BIREYSEL", type="MESAJ").request.body
    )["request"]
    assert consent["consent"]["recipient"] == "+905301234567"


def test_a_phone_number_object_outside_turkey_is_refused_like_its_text() -> None:
    import phonenumbers

    with pytest.raises(e.InvalidRecipientsError):
        send(to=phonenumbers.parse("+44 7911 123456"))
    with pytest.raises(TypeError, match="as_e164"):
        send(to=[object()])
