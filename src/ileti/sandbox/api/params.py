"""The parameters several endpoints read, parsed once: pages, row counts, ids, numbers, time bounds.

The `/v1` parsers raise `ApiError` with the code the API answers (CONTRACT §2, OQ-12, OQ-15); `query_int`
reads an integer from a query string of the control API or the inbox and raises `ControlError` (422).
An id is at most 18 digits: past that it names nothing, and it would not fit the 64-bit integers of either
store, which would refuse it as a database error.
"""

from __future__ import annotations

from collections.abc import Mapping

from ileti import phone
from ileti.codes import Code
from ileti.limits import ROW_COUNT_MAX
from ileti.sandbox.errors import ApiError, ControlError
from ileti.times import parse_timestamp

__all__ = [
    "ID_MAX_DIGITS",
    "MAX_PAGE",
    "parse_filter_bound",
    "parse_number",
    "parse_order_id",
    "parse_page",
    "parse_row_count",
    "plain_id",
    "query_int",
]

ID_MAX_DIGITS = 18

MAX_PAGE = 10**12
"""No order, blacklist or contact list has this many pages; any page beyond it reads as this one."""


def _is_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= ID_MAX_DIGITS


def plain_id(value: str | None) -> int | None:
    """An id as sent (ASCII digits, blanks around ignored, at most 18 digits); None for anything else."""
    text = (value or "").strip()
    return int(text) if _is_id(text) else None


def parse_order_id(value: str | None) -> int:
    """An order id as sent (digit string or int); anything else names no order: 455."""
    order_id = plain_id(value)
    if order_id is None:
        text = (value or "").strip()
        raise ApiError(Code.ORDER_NOT_FOUND, f"order id: {text[:64]!r} is not an order id")
    return order_id


def parse_page(value: str | None) -> int:
    """`page`: default 1; below 1 is 464 on every paginated endpoint (OQ-12); not a number is 422."""
    if value is None or not value.strip():
        return 1
    try:
        page = int(value.strip())
    except ValueError as exc:
        raise ApiError(Code.VALIDATION_FAILED, f"page: {value[:64]!r} is not a number") from exc
    if page < 1:
        raise ApiError(Code.INVALID_PAGE, f"page: {page} where pages start at 1")
    # A page far past the end is simply empty (OQ-12); capping keeps `(page - 1) * rows` inside the 64-bit
    # integers SQL offsets are.
    return min(page, MAX_PAGE)


def parse_row_count(value: str | None) -> int:
    """`rowCount`: default and maximum 1000, clamped to 1..1000 (OQ-12); not a number is 422."""
    if value is None or not value.strip():
        return ROW_COUNT_MAX
    try:
        count = int(value.strip())
    except ValueError as exc:
        raise ApiError(Code.VALIDATION_FAILED, f"rowCount: {value[:64]!r} is not a number") from exc
    return min(max(count, 1), ROW_COUNT_MAX)


def parse_number(value: str | None) -> str:
    """A Turkish mobile number in any §8 form as `+905…`; anything else (missing included) is 466 (OQ-15)."""
    number = phone.try_normalize(value) if value is not None else None
    if number is None:
        what = "missing" if value is None else f"{value[:64]!r}, not a Turkish mobile number"
        raise ApiError(Code.INVALID_NUMBER, f"number: blacklist.number is {what}")
    return number


def parse_filter_bound(value: str | None) -> float | None:
    """A get-blacklist filter bound, `YYYY-MM-DD HH:MM:SS` Istanbul (§3); empty is no bound, another form
    is 422."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise ApiError(Code.VALIDATION_FAILED, f"filter: {text[:64]!r} is not YYYY-MM-DD HH:MM:SS") from exc


def query_int(params: Mapping[str, str], name: str, *, strip: bool = False) -> int | None:
    """The query parameter `name` as a non-negative integer of at most 18 ASCII digits; None when absent.
    With `strip`, blanks around it are ignored and an empty value is absent (the inbox's filter form sends
    every field). Anything else is `ControlError(422)`."""
    raw = params.get(name)
    if raw is None:
        return None
    if strip:
        raw = raw.strip()
        if not raw:
            return None
    if not _is_id(raw):
        raise ControlError(422, f"{name} must be a non-negative integer of at most {ID_MAX_DIGITS} digits")
    return int(raw)
