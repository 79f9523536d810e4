"""The client's local validation and the sandbox refuse a request with several faults with the same code.

Both run the send-sms checks in the order `ileti.checks.SEND_SMS_ORDER` writes once; this property test feeds
requests with any combination of the faults the client can see (sender, İYS list, text, size, schedule,
recipients) to the client's local validation and, with validation off, to a real sandbox over HTTP.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ileti
from ileti import checks
from ileti.client import errors as e
from ileti.client._base import ClientCore
from ileti.client._config import Credentials
from ileti.codes import Code
from ileti.testing import SandboxHandle

# each fault: the request fields it sets, and the code it alone would get
FAULTS: dict[str, tuple[dict[str, Any], Code]] = {
    "sender-empty": ({"sender": ""}, Code.SENDER_EMPTY),
    "sender-blank": ({"sender": "   "}, Code.SENDER_EMPTY),
    "sender-long": ({"sender": "TWELVECHARSX"}, Code.SENDER_INVALID),
    "sender-turkish": ({"sender": "ŞİRKET"}, Code.SENDER_INVALID),
    "iys-without-list": ({"iys": True}, Code.IYS_LIST_REQUIRED),
    "text-empty": ({"text": ""}, Code.EMPTY_TEXT),
    "text-too-long": ({"text": "x" * 1200}, Code.ORDER_TOO_LARGE),
    "schedule-iso": ({"schedule": "2027-01-05 10:00"}, Code.INVALID_SEND_DATE),
    "schedule-impossible": ({"schedule": "31/02/2027 10:00"}, Code.INVALID_SEND_DATE),
    "schedule-words": ({"schedule": "tomorrow"}, Code.INVALID_SEND_DATE),
    "recipients-invalid": ({"to": ["123", "905991234567"]}, Code.INVALID_RECIPIENTS),
    "recipients-none": ({"to": []}, Code.INVALID_RECIPIENTS),
}
# faults that set the same field exclude each other
FIELDS = {name: next(iter(fields)) for name, (fields, _) in FAULTS.items()}


@st.composite
def faulty_requests(draw: st.DrawFn) -> tuple[list[str], dict[str, Any]]:
    names = draw(st.lists(st.sampled_from(sorted(FAULTS)), min_size=1, max_size=5, unique_by=FIELDS.get))
    request: dict[str, Any] = {}
    for name in names:
        request.update(FAULTS[name][0])
    return names, request


_texts = itertools.count()


def local_code(core: ClientCore, request: dict[str, Any]) -> tuple[int, bool] | None:
    try:
        core.send_sms(
            request["to"],
            request["text"],
            messages=None,
            sender=request["sender"],
            schedule=request["schedule"],
            iys=request["iys"],
            iys_list=None,
            retry=None,
            retry_default=False,
        )
    except e.ApiStatusError as exc:
        return exc.code, exc.local
    return None


def server_code(client: ileti.Client, request: dict[str, Any]) -> tuple[int, bool] | None:
    try:
        client.send_sms(
            request["to"],
            request["text"],
            sender=request["sender"],
            schedule=request["schedule"],
            iys=request["iys"],
        )
    except e.ApiStatusError as exc:
        return exc.code, exc.local
    return None


@pytest.fixture
def unvalidated(ileti_sandbox: SandboxHandle) -> Iterator[ileti.Client]:
    with ileti_sandbox.new_client(validate=False, retry=ileti.RetryPolicy(max_attempts=1)) as client:
        yield client


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(faulty_requests())
def test_several_faults_get_the_same_code_locally_and_from_the_sandbox(
    ileti_sandbox: SandboxHandle, unvalidated: ileti.Client, case: tuple[list[str], dict[str, Any]]
) -> None:
    names, faults = case
    request = {
        "to": ["5301234567"],
        "text": f"Merhaba {next(_texts)}",  # never a duplicate (451) of an earlier example
        "sender": ileti_sandbox.sender,  # approved: 450 is the server's alone to check
        "schedule": None,
        "iys": False,
        **faults,
    }
    core = ClientCore(
        base_url=ileti_sandbox.url, credentials=Credentials(ileti_sandbox.key, ileti_sandbox.hash)
    )
    local = local_code(core, request)
    expected = next(code for code in checks.SEND_SMS_ORDER if code in {FAULTS[n][1] for n in names})
    assert local == (expected, True), names
    assert server_code(unvalidated, request) == (expected, False), names


def test_the_order_is_complete_and_each_side_is_arranged_by_it() -> None:
    from ileti.client import _base
    from ileti.sandbox.api.rules import send_sms

    assert len(send_sms.CHECKS) == len(checks.SEND_SMS_ORDER)
    sandbox = send_sms.CHECKS
    assert sandbox.index(send_sms.check_sender_format) < sandbox.index(send_sms.check_schedule)
    assert _base._LOCAL_CHECKS.index(_base._check_sender_format) < _base._LOCAL_CHECKS.index(
        _base._check_schedule
    )
    with pytest.raises(ValueError, match="outside the send-sms order"):
        checks.in_order({Code.DUPLICATE_ORDER: object()}, complete=False)
    with pytest.raises(ValueError, match="no check for"):
        checks.in_order({Code.SENDER_EMPTY: object()}, complete=True)
