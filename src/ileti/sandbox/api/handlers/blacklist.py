"""get-blacklist (§4.7), add-blacklist (§4.8) and delete-blacklist (§4.9).

Numbers are stored and answered as `+905XXXXXXXXX` (§8), whatever form they came in. send-sms honours the list
(OQ-6: a blacklisted recipient becomes a free 112 row; `rules/send_sms.py`).
"""

from __future__ import annotations

from ileti.codes import Code
from ileti.sandbox.api.params import parse_filter_bound, parse_number, parse_page, parse_row_count
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.wire.models import (
    AddBlacklistRequest,
    Blacklist,
    DeleteBlacklistRequest,
    GetBlacklistRequest,
    GetBlacklistResponse,
)

__all__ = ["add_blacklist", "delete_blacklist", "get_blacklist"]


async def get_blacklist(ctx: Context, req: GetBlacklistRequest) -> GetBlacklistResponse:
    """A page of the account's blacklist, newest first (OQ-14), optionally limited to a range of time added.

    `count` is the number of entries matching the filter, whatever the page (the whole list without a filter);
    464 for page < 1, rowCount clamped to 1..1000 (OQ-12).
    """
    start = parse_filter_bound(req.filter.start if req.filter else None)
    end = parse_filter_bound(req.filter.end if req.filter else None)
    page = parse_page(req.page)
    row_count = parse_row_count(req.row_count)
    count, numbers = ctx.store.accounts.blacklist_page(
        ctx.account.key, start=start, end=end, offset=(page - 1) * row_count, limit=row_count
    )
    return GetBlacklistResponse(blacklist=Blacklist(count=count, numbers=numbers))


async def add_blacklist(ctx: Context, req: AddBlacklistRequest) -> None:
    """Add one number; adding a listed number again is a 200 too (idempotent, §4.8). 466 for a bad number."""
    ctx.store.accounts.add_blacklist(ctx.account.key, [parse_number(req.number)], ctx.clock.now())


async def delete_blacklist(ctx: Context, req: DeleteBlacklistRequest) -> None:
    """Remove one number; 466 for a bad number, 474 when it is not on the list (§4.9, not idempotent)."""
    number = parse_number(req.number)
    if not ctx.store.accounts.remove_blacklist(ctx.account.key, number):
        raise ApiError(Code.BLACKLIST_REMOVE_FAILED, f"blacklist: {number} is not on the account's blacklist")
