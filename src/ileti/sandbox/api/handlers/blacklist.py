"""get-blacklist (§4.7), add-blacklist (§4.8) and delete-blacklist (§4.9).

Numbers are stored and answered as `+905XXXXXXXXX` (§8), whatever form they came in. send-sms honours the list
(OQ-6: a blacklisted recipient becomes a free 112 row; `rules/send_sms.py`).
"""

from __future__ import annotations

from ileti import phone
from ileti.codes import Code
from ileti.sandbox.api.handlers.reports import parse_page, parse_row_count
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.times import parse_timestamp
from ileti.wire.models import (
    AddBlacklistRequest,
    Blacklist,
    DeleteBlacklistRequest,
    GetBlacklistRequest,
    GetBlacklistResponse,
)

__all__ = ["add_blacklist", "delete_blacklist", "get_blacklist", "parse_number"]


def parse_number(value: str | None) -> str:
    """A Turkish mobile number in any §8 form as `+905…`; anything else (missing included) is 466 (OQ-15)."""
    number = phone.try_normalize(value) if value is not None else None
    if number is None:
        what = "missing" if value is None else f"{value[:64]!r}, not a Turkish mobile number"
        raise ApiError(Code.INVALID_NUMBER, f"number: blacklist.number is {what}")
    return number


def _bound(value: str | None) -> float | None:
    """A filter bound, `YYYY-MM-DD HH:MM:SS` Istanbul (§3); empty is no bound, another form is 422."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise ApiError(Code.VALIDATION_FAILED, f"filter: {text[:64]!r} is not YYYY-MM-DD HH:MM:SS") from exc


async def get_blacklist(ctx: Context, req: GetBlacklistRequest) -> GetBlacklistResponse:
    """A page of the account's blacklist, newest first (OQ-14), optionally limited to a range of time added.

    `count` is the number of entries matching the filter, whatever the page (the whole list without a filter);
    464 for page < 1, rowCount clamped to 1..1000 (OQ-12).
    """
    start = _bound(req.filter.start if req.filter else None)
    end = _bound(req.filter.end if req.filter else None)
    page = parse_page(req.page)
    row_count = parse_row_count(req.row_count)
    count, numbers = ctx.store.directory.blacklist_page(
        ctx.account.key, start=start, end=end, offset=(page - 1) * row_count, limit=row_count
    )
    return GetBlacklistResponse(blacklist=Blacklist(count=count, numbers=numbers))


async def add_blacklist(ctx: Context, req: AddBlacklistRequest) -> None:
    """Add one number; adding a listed number again is a 200 too (idempotent, §4.8). 466 for a bad number."""
    ctx.store.directory.add_blacklist(ctx.account.key, [parse_number(req.number)], ctx.clock.now())


async def delete_blacklist(ctx: Context, req: DeleteBlacklistRequest) -> None:
    """Remove one number; 466 for a bad number, 474 when it is not on the list (§4.9, not idempotent)."""
    number = parse_number(req.number)
    if not ctx.store.directory.remove_blacklist(ctx.account.key, number):
        raise ApiError(Code.BLACKLIST_REMOVE_FAILED, f"blacklist: {number} is not on the account's blacklist")
