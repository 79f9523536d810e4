"""The error tree: one class per status code, grouped by family, carrying what the caller needs."""

from __future__ import annotations

import pytest

from ileti import codes
from ileti.client import errors as e

ERROR_CODES = [c for c in codes.Code if c.family is not codes.Family.REPORT and c is not codes.Code.OK]


def leaf_classes() -> list[type[e.ApiStatusError]]:
    found = []
    stack: list[type[e.ApiStatusError]] = [e.ApiStatusError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "code" in cls.__dict__ and cls is not e.ApiStatusError:
            found.append(cls)
    return found


def test_exactly_one_class_per_non_report_code() -> None:
    by_code: dict[int, list[str]] = {}
    for cls in leaf_classes():
        by_code.setdefault(cls.code, []).append(cls.__name__)
    assert sorted(by_code) == sorted(int(c) for c in ERROR_CODES)
    assert all(len(names) == 1 for names in by_code.values()), by_code


@pytest.mark.parametrize("code", ERROR_CODES, ids=lambda c: f"{int(c)}-{c.name}")
def test_each_code_maps_to_its_class_with_table_texts(code: codes.Code) -> None:
    cls = e.error_class(int(code))
    assert cls.code == code
    assert cls.__name__.endswith("Error")
    error = cls()
    assert error.code == code
    assert error.message == code.message
    assert error.meaning == code.meaning
    assert error.hint == code.hint
    assert isinstance(error, e.ApiStatusError)
    assert isinstance(error, e.IletiError)
    # every leaf sits under a family base, never directly under ApiStatusError
    assert cls.__bases__[0] is not e.ApiStatusError


@pytest.mark.parametrize(
    ("code", "family"),
    [
        (401, e.AuthenticationError),
        (402, e.BalanceError),
        (400, e.InvalidRequestError),
        (404, e.InvalidRequestError),
        (422, e.InvalidRequestError),
        (450, e.SenderError),
        (459, e.SenderError),
        (460, e.SenderError),
        (451, e.OrderError),
        (455, e.OrderError),
        (458, e.OrderError),
        (452, e.RecipientsError),
        (463, e.ContactsError),
        (471, e.ContactsError),
        (466, e.BlacklistError),
        (474, e.BlacklistError),
        (403, e.IysError),
        (405, e.IysError),
        (469, e.IysError),
        (475, e.IysError),
        (503, e.ServerError),
    ],
)
def test_families(code: int, family: type[e.ApiStatusError]) -> None:
    assert issubclass(e.error_class(code), family)


def test_401_hint_points_at_the_allow_api_access_toggle() -> None:
    error = e.UnauthorizedError("Üyelik bilgileri hatalı", endpoint="get-balance")
    assert "Allow API access" in str(error)
    assert "Üyelik bilgileri hatalı" in str(error)


def test_server_message_is_kept_and_raw_response_attached() -> None:
    raw = e.RawResponse(450, {"content-type": "application/json"}, b'{"response": {}}')
    error = e.SenderNotApprovedError("başka mesaj", endpoint="send-sms", response=raw)
    assert error.message == "başka mesaj"
    assert error.response is raw
    assert error.body == '{"response": {}}'
    assert "450" in repr(error)
    assert "send-sms" in repr(error)


def test_unknown_code_is_a_plain_api_status_error() -> None:
    cls = e.error_class(499)
    assert cls is e.ApiStatusError
    error = cls("?", code=499)
    assert error.code == 499
    assert "Unknown" in str(error)


def test_local_refusals_say_nothing_was_sent() -> None:
    error = e.EmptyTextError(local=True)
    assert error.local
    assert error.response is None
    assert "nothing was sent" in str(error)


def test_transport_errors_say_whether_the_request_may_have_arrived() -> None:
    assert not e.ConnectError("x").may_have_reached_server
    assert not e.ConnectTimeoutError("x").may_have_reached_server
    assert not e.PoolTimeoutError("x").may_have_reached_server
    assert e.ReadTimeoutError("x").may_have_reached_server
    assert e.ConnectionLostError("x").may_have_reached_server
    assert e.InvalidResponseError("x").may_have_reached_server
    assert issubclass(e.ReadTimeoutError, e.RequestTimeoutError)
    assert issubclass(e.InvalidResponseError, e.TransportError)
