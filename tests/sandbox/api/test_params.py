"""`sandbox/api/params.py`: the parameters several endpoints read, each with the code the API answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ileti.codes import Code
from ileti.sandbox.api import params
from ileti.sandbox.errors import ApiError, ControlError


def _code(parse: Callable[[str | None], object], value: str | None) -> Code:
    with pytest.raises(ApiError) as info:
        parse(value)
    return info.value.code


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, 1), ("", 1), ("  ", 1), ("3", 3), (" 7 ", 7), ("99999999999999999999", params.MAX_PAGE)],
)
def test_page(value: str | None, expected: int) -> None:
    assert params.parse_page(value) == expected


@pytest.mark.parametrize(("value", "code"), [("0", Code.INVALID_PAGE), ("-2", Code.INVALID_PAGE), ("x", 422)])
def test_a_bad_page(value: str, code: int) -> None:
    assert _code(params.parse_page, value) == code


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 1000), ("", 1000), ("0", 1), ("-5", 1), ("20", 20), ("5000", 1000)]
)
def test_row_count_is_clamped(value: str | None, expected: int) -> None:
    assert params.parse_row_count(value) == expected


def test_a_row_count_that_is_not_a_number_is_422() -> None:
    assert _code(params.parse_row_count, "many") == Code.VALIDATION_FAILED


@pytest.mark.parametrize(
    ("value", "expected"),
    [("42", 42), (" 42 ", 42), ("9" * 18, int("9" * 18)), ("9" * 19, None), ("", None), (None, None),
     ("-1", None), ("1.0", None), ("٣", None), ("²", None)],
)  # fmt: skip
def test_plain_id(value: str | None, expected: int | None) -> None:
    assert params.plain_id(value) == expected


@pytest.mark.parametrize("value", [None, "", "abc", "1" * 19, "٣"])
def test_an_order_id_that_names_no_order_is_455(value: str | None) -> None:
    assert _code(params.parse_order_id, value) == Code.ORDER_NOT_FOUND
    assert params.parse_order_id(" 1234 ") == 1234


def test_number_in_any_form_and_466_otherwise() -> None:
    assert params.parse_number("0530 123 45 67") == "+905301234567"
    for bad in (None, "", "12345", "+441234567890"):
        assert _code(params.parse_number, bad) == Code.INVALID_NUMBER


def test_filter_bound() -> None:
    assert params.parse_filter_bound(None) is None
    assert params.parse_filter_bound("  ") is None
    assert params.parse_filter_bound("2026-03-01 03:00:00") == datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    assert _code(params.parse_filter_bound, "2026-03-01") == Code.VALIDATION_FAILED


@pytest.mark.parametrize(
    ("query", "strip", "expected"),
    [({}, False, None), ({"n": "12"}, False, 12), ({}, True, None), ({"n": ""}, True, None),
     ({"n": " 12 "}, True, 12), ({"n": "9" * 18}, False, int("9" * 18))],
)  # fmt: skip
def test_query_int(query: dict[str, str], strip: bool, expected: int | None) -> None:
    assert params.query_int(query, "n", strip=strip) == expected


@pytest.mark.parametrize(
    ("value", "strip"),
    [("", False), (" 12", False), ("-1", False), ("x", True), ("9" * 19, True), ("٣", True), ("²", True)],
)
def test_a_bad_query_int_is_422(value: str, strip: bool) -> None:
    with pytest.raises(ControlError) as info:
        params.query_int({"limit": value}, "limit", strip=strip)
    assert info.value.status == 422
    assert info.value.detail == "limit must be a non-negative integer of at most 18 digits"
