"""The battery as data: no probe can send or change anything whatever a server does, every expectation comes
from the core, and the comparer names type drift without flagging what is not a difference."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from ileti import phone
from ileti.codes import Code
from ileti.conformance.compare import against_contract, between
from ileti.conformance.probes import (
    NOT_A_NUMBER,
    Credentials,
    Expected,
    HttpRequest,
    Probe,
    Profile,
    Safety,
    Setup,
    battery,
    send_expectation,
    send_order,
)
from ileti.conformance.runner import Observation, Target, UnsafeProbeError, check_safe, run, shape_of
from ileti.conformance.session import public_url
from ileti.limits import APITEST_SENDER, IYS_LISTS
from ileti.wire import models as wm
from ileti.wire.endpoints import ENDPOINTS
from ileti.wire.envelope import Authentication, request_envelope
from ileti.wire.xml_codec import from_xml

PROFILES = {
    "plain": Profile(("ACME",), "ACME", iys_active=False),
    "iys": Profile(("ACME", "NOSENDER0"), "ACME", iys_active=True, brand_code="612345"),
    "iys-unknown-brand": Profile(("ACME",), "ACME", iys_active=True),
}
CREDENTIALS = Credentials("k" * 32, "h" * 64)
SETUPS = [Setup(CREDENTIALS, profile, date(2026, 12, 4), "1234") for profile in PROFILES.values()]


def _setup(profile: str, order_id: str | None = None) -> Setup:
    return Setup(CREDENTIALS, PROFILES[profile], date(2026, 12, 4), order_id)


def _document(probe: Probe, setup: Setup) -> Any:
    request = probe.build(setup)
    if request.query:
        return dict(request.query)
    body = request.body or b""
    if body.startswith(b"data="):
        body = urllib.parse.parse_qs(body.decode())["data"][0].encode()
    return from_xml(body) if body.startswith(b"<") else json.loads(body)


def _sends(setup: Setup) -> list[tuple[Probe, Any]]:
    return [
        (p, _document(p, setup)) for p in battery() if p.endpoint == "send-sms" and p.build(setup).body != b""
    ]


def _recipients(document: Any) -> list[str]:
    if "receipents" in document:  # the GET variant's query
        return document["receipents"].split(",") if document["receipents"] else []
    blocks = document["request"]["order"]["message"]
    numbers: list[str] = []
    for block in blocks if isinstance(blocks, list) else [blocks]:
        found = (block.get("receipents") or {}).get("number") or []
        numbers += found if isinstance(found, list) else [found]
    return numbers


@pytest.mark.parametrize("setup", SETUPS, ids=list(PROFILES))
def test_every_send_sms_probe_has_only_recipients_no_carrier_can_route(setup: Setup) -> None:
    sends = _sends(setup)
    assert len(sends) > 20
    for probe, document in sends:
        assert probe.safety in (Safety.NO_RECIPIENT, Safety.UNREADABLE), probe.name
        for number in _recipients(document):
            assert phone.try_normalize(number) is None, (probe.name, number)
            assert not any(ch.isdigit() for ch in number), (probe.name, number)
            with pytest.raises(phonenumbers.NumberParseException):
                phonenumbers.parse(number, "TR")
        sender = (
            document.get("sender") if "sender" in document else document["request"]["order"].get("sender")
        )
        assert sender != APITEST_SENDER, probe.name  # APITEST would go to the registered test number


def test_read_only_probes_call_only_read_only_endpoints_and_writes_say_why_they_are_safe() -> None:
    for probe in battery():
        endpoint = ENDPOINTS.get(probe.endpoint or "")
        if probe.safety is Safety.READ_ONLY:
            assert endpoint is not None, probe.name
            assert endpoint.read_only, probe.name
        elif endpoint is not None and not endpoint.read_only:
            assert probe.safety is not Safety.READ_ONLY, probe.name


@pytest.mark.parametrize("setup", SETUPS, ids=list(PROFILES))
def test_writes_name_nothing_that_can_exist(setup: Setup) -> None:
    for probe in battery():
        if probe.safety not in (Safety.NOTHING_NAMED, Safety.REFUSED_TWICE, Safety.INVALID_RECORDS):
            continue
        document = _document(probe, setup)
        payload = next(v for k, v in document["request"].items() if k != "authentication")
        if probe.safety is Safety.NOTHING_NAMED:  # cancel / delete: letters, no digit can name a row
            value = payload.get("id") or payload.get("number")
            assert value, probe.name
            assert not any(ch.isdigit() for ch in value), probe.name
        elif probe.safety is Safety.INVALID_RECORDS:  # every record wrong in every field
            records = payload["list"] if isinstance(payload["list"], list) else [payload["list"]]
            for record in records:
                assert phone.try_normalize(record["recipient"]) is None
                assert "@" not in record["recipient"]
                assert record["recipientType"] not in IYS_LISTS
                assert record["type"] not in ("MESAJ", "EPOSTA", "ARAMA")
                assert record["status"] not in ("ONAY", "RET")
        else:  # two independent faults: nothing to name (an unknown parent or group) besides the probed one
            unknown = {payload.get("parent"), *(payload.get("groups") or [])} - {None}
            assert unknown, probe.name
            assert all(len(v) >= 18 for v in unknown), probe.name


def test_probe_names_are_unique_and_expectations_come_from_codes() -> None:
    probes = battery()
    assert len({p.name for p in probes}) == len(probes)
    for profile in PROFILES.values():
        for probe in probes:
            expected = probe.expected(profile)
            code = Code(expected.code)
            assert expected.message == code.message
            assert expected.http_status == int(code)


def test_send_sms_expectations_follow_the_oq2_order() -> None:
    plain, iys = PROFILES["plain"], PROFILES["iys"]
    assert send_expectation(["454", "457"], plain) is Code.EMPTY_TEXT
    assert send_expectation(["457"], plain) is Code.INVALID_SEND_DATE  # before the invalid recipient's 452
    assert send_expectation(["401", "459"], plain) is Code.UNAUTHORIZED
    assert send_expectation(["470"], plain) is Code.IYS_CODE_MISSING
    assert send_expectation(["470"], iys) is Code.INVALID_RECIPIENTS  # an account with İYS goes on
    assert send_expectation(["470", "454"], iys) is Code.EMPTY_TEXT
    assert send_expectation([], plain) is Code.INVALID_RECIPIENTS


def test_iys_probes_expect_403_without_a_subscription_and_skip_without_a_brand_code() -> None:
    probes = {p.name: p for p in battery()}
    assert probes["consent/show/422"].expected(PROFILES["plain"]).code == 403
    assert probes["consent/show/422"].expected(PROFILES["iys"]).code == 422
    assert probes["consent/show/422"].skipped(_setup("iys-unknown-brand"))
    assert probes["consent/create/475"].expected(PROFILES["iys"]).code == 475
    assert probes["consent/show/200-quirk"].skipped(_setup("iys-unknown-brand")) is None
    assert probes["get-report/200"].skipped(_setup("plain"))
    assert probes["get-report/200"].skipped(_setup("plain", "1234")) is None
    assert probes["send-sms/459"].skipped(
        Setup(CREDENTIALS, Profile((), None, iys_active=False), date.today())
    )


def test_without_defusedxml_the_xml_probes_are_skipped_not_crashed(monkeypatch: pytest.MonkeyPatch) -> None:
    from ileti.conformance import probes as module

    monkeypatch.setattr(module, "xml_available", lambda: False)  # a client-only install
    setup = _setup("plain", "1234")
    skipped = {p.name for p in battery() if p.skipped(setup)}
    assert skipped == {p.name for p in battery() if p.variant != "json"}
    assert all("ileti[sandbox]" in (p.skipped(setup) or "") for p in battery() if p.variant == "xml")


# ---------------------------------------------------------------------------------------------- comparer


def _answer(body: dict[str, Any], *, http: int = 200, media: str = "application/json") -> Observation:
    status = body["response"]["status"]
    return Observation(
        http_status=http,
        code=int(status["code"]),
        message=status["message"],
        media_type=media,
        fields=shape_of(body),
    )


BALANCE = Expected.of(
    Code.OK,
    "json",
    {"response.balance": "object", "response.balance.amount": "number", "response.balance.sms": "integer"},
)
OK = {"code": 200, "message": Code.OK.message}


def test_the_comparer_names_the_type_drift_of_section_1_5() -> None:
    drifted = _answer(
        {
            "response": {
                "status": {"code": "200", "message": Code.OK.message},
                "balance": {"amount": "0", "sms": "18343"},
            }
        }
    )
    assert against_contract(BALANCE, drifted) == [
        "type response.status.code: string ≠ integer",
        "type response.balance.amount: string ≠ number",
        "type response.balance.sms: string ≠ integer",
    ]
    faithful = _answer({"response": {"status": OK, "balance": {"amount": 10, "sms": 5}}})
    assert against_contract(BALANCE, faithful) == []  # a whole amount is still a number
    assert between(faithful, drifted, BALANCE) == [
        "type response.balance.amount: string ≠ integer",
        "type response.balance.sms: string ≠ integer",
        "type response.status.code: string ≠ integer",
    ]


def test_the_comparer_names_missing_and_extra_fields_but_not_empty_lists() -> None:
    senders = Expected.of(
        Code.OK,
        "json",
        {
            "response.senders": "object",
            "response.senders.sender": "array",
            "response.senders.sender[]": "string",
        },
    )
    empty = _answer({"response": {"status": OK, "senders": {"sender": []}}})
    full = _answer({"response": {"status": OK, "senders": {"sender": ["ACME", 7]}}})
    assert against_contract(senders, empty) == []
    assert against_contract(senders, full) == ["type response.senders.sender[]: integer|string ≠ string"]
    assert between(empty, full, senders) == []  # items of an empty list say nothing
    error = Expected.of(Code.ORDER_NOT_FOUND, "json")
    chatty = _answer(
        {"response": {"status": {"code": 455, "message": Code.ORDER_NOT_FOUND.message}, "order": {}}},
        http=455,
    )
    assert against_contract(error, chatty) == ["field response.order extra (object)"]
    bare = Observation(
        http_status=455,
        code=455,
        message=Code.ORDER_NOT_FOUND.message,
        media_type="text/html",
        fields={"response": "object"},
    )
    assert against_contract(error, bare) == [
        "content-type text/html ≠ application/json",
        "field response.status missing",
        "field response.status.code missing",
        "field response.status.message missing",
    ]


def test_an_empty_xml_list_is_not_a_difference_between_two_answers() -> None:
    probe = next(p for p in battery() if p.name == "get-blacklist/xml/200")
    expected = probe.expected(PROFILES["plain"])
    status = {"code": "200", "message": Code.OK.message}
    empty = _answer({"response": {"status": status, "blacklist": {"count": "0"}}}, media="text/xml")
    full = _answer(
        {"response": {"status": status, "blacklist": {"count": "2", "number": ["+905301234567"] * 2}}},
        media="text/xml",
    )
    assert against_contract(expected, empty) == []
    assert against_contract(expected, full) == []
    assert between(empty, full, expected) == []
    drifted = _answer(
        {"response": {"status": status, "blacklist": {"count": "2", "total": "2"}}}, media="text/xml"
    )
    assert between(empty, drifted, expected) == ["field response.blacklist.total extra (string)"]


def test_the_record_url_keeps_no_secret() -> None:
    assert (
        public_url("https://user:pw@api.example.com:8443/base/?key=k#x")
        == "https://api.example.com:8443/base"
    )


def test_the_docs_list_every_probe_with_its_safety_class() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "conformance.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(" `"): line for line in docs.splitlines() if line.startswith("| `")}
    for probe in battery():
        assert probe.name in rows, f"docs/conformance.md does not list {probe.name}"
        assert f"| {probe.safety.value} |" in rows[probe.name], probe.name


# ---------------------------------------------------------------------------------------------- the guard


@pytest.mark.parametrize("setup", SETUPS, ids=list(PROFILES))
def test_every_probe_passes_the_runtime_guard(setup: Setup) -> None:
    for probe in battery():
        check_safe(probe, probe.build(setup))


def _variant(name: str, **changes: Any) -> Probe:
    probe = next(p for p in battery() if p.name == name)
    return dataclasses.replace(probe, **changes)


def _order_to(number: str, sender: str = "ACME") -> Callable[[Setup], HttpRequest]:
    def build(setup: Setup) -> HttpRequest:
        order = send_order(setup.profile).model_copy(update={"sender": sender})
        order.messages[0].recipients = wm.Recipients(numbers=[NOT_A_NUMBER, number])  # type: ignore[index]
        body = request_envelope(Authentication(key="k", hash="h"), ENDPOINTS["send-sms"], order)
        return HttpRequest("POST", "/v1/send-sms/json", json.dumps(body).encode(), "application/json")

    return build


UNSAFE = {
    "a real number": _variant("send-sms/452", build=_order_to("5301234567")),
    "a number in letters and digits": _variant("send-sms/452", build=_order_to("tel:0530")),
    "the APITEST sender": _variant("send-sms/452", build=_order_to("NO-NUMBER", sender=APITEST_SENDER)),
    "a cancel of a numeric id": _variant(
        "cancel-order/455",
        build=lambda s: HttpRequest(
            "POST",
            "/v1/cancel-order/json",
            json.dumps({"request": {"authentication": {}, "order": {"id": "12"}}}).encode(),
            "application/json",
        ),
    ),
    "a read-only label on a write": _variant("add-group/461", safety=Safety.READ_ONLY),
    "add-blacklist": _variant(
        "delete-blacklist/466",
        endpoint="add-blacklist",
        build=lambda s: HttpRequest(
            "POST",
            "/v1/add-blacklist/json",
            json.dumps({"request": {"authentication": {}, "blacklist": {"number": "x"}}}).encode(),
            "application/json",
        ),
    ),
}


@pytest.mark.parametrize("probe", UNSAFE.values(), ids=list(UNSAFE))
def test_the_guard_refuses_an_unsafe_probe_and_nothing_is_sent(probe: Probe) -> None:
    class NeverCalled(Target):
        def exchange(self, request: HttpRequest) -> tuple[Observation, Any]:
            raise AssertionError("a request was sent")

    setup = _setup("plain", "1234")
    with pytest.raises(UnsafeProbeError):
        check_safe(probe, probe.build(setup))
    with pytest.raises(UnsafeProbeError):  # the unsafe probe is last: the safe ones before it are not sent
        run(NeverCalled("server", "http://127.0.0.1:9"), [*battery()[:5], probe], setup)
