"""get-report (§4.3) and get-reports (§4.4)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ileti.codes import Code, OrderStatus
from ileti.limits import REPORTS_MAX_DAYS, REPORTS_PAGE_SIZE
from ileti.sandbox.api.params import parse_order_id, parse_page, parse_row_count
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import OrderRecord
from ileti.sandbox.world.clock import LATEST
from ileti.times import day_bounds, format_timestamp, local_date
from ileti.wire.models import (
    GetReportRequest,
    GetReportsRequest,
    GetReportsResponse,
    OrderSummary,
)

__all__ = ["get_report", "get_reports", "order_status"]


def order_status(order: OrderRecord) -> OrderStatus:
    """§5: 115 once cancelled; 113 while any message is 110; then 114."""
    if order.cancelled:
        return OrderStatus.CANCELED
    return OrderStatus.SENDING if order.waiting else OrderStatus.COMPLETED


LAST_DAY = local_date(LATEST)
"""The first day past the sandbox clock's range (9999-01-01)."""


async def get_report(ctx: Context, req: GetReportRequest) -> dict[str, Any]:
    """One order with a page of its rows, in its wire form. 455 unknown order; 456 while a scheduled order is
    not due (§4.3)."""
    order_id = parse_order_id(req.id)
    page = parse_page(req.page)
    row_count = parse_row_count(req.row_count)
    order = ctx.store.orders.get(ctx.account.key, order_id)
    if order is None:
        raise ApiError(Code.ORDER_NOT_FOUND, f"order: account {ctx.account.key!r} has no order {order_id}")
    if not order.cancelled and order.send_ts > ctx.clock.now():
        raise ApiError(
            Code.SCHEDULE_NOT_REACHED,
            f"schedule: order {order_id} is scheduled for "
            f"{format_timestamp(order.send_ts)}, later than the sandbox clock",
        )
    rows = ctx.store.orders.report_rows(order.id, (page - 1) * row_count, row_count)
    # The page is built in its wire form (the aliases of `Report`): a pydantic model per row and their dump
    # cost a 1,000-row page about 5 ms, most of its server time, and even the one `Report.model_construct`
    # cost 0.15 ms (docs/benchmarks.md). The statuses are the store's own codes. tests/sandbox/test_reports.py
    # checks that `Report` reads this dict and dumps it back unchanged.
    return {
        "order": {
            "id": str(order.id),
            "status": int(order_status(order)),
            "total": order.total,
            "delivered": order.delivered,
            "undelivered": order.undelivered,
            "waiting": order.waiting,
            "submitAt": format_timestamp(order.submit_ts),
            "sendAt": format_timestamp(order.send_ts),
            "sender": order.sender,
            "price": order.price,
            "message": [{"number": number, "status": status} for number, status in rows],
        }
    }


def _parse_day(value: str | None) -> date:
    """A `YYYY-MM-DD` day; 458 when it is not one, or when it lies past the sandbox clock's range (year 9999:
    no order can be there, and the end of 9999-12-31 is past what a date can hold)."""
    try:
        day = date.fromisoformat((value or "").strip())
    except ValueError as exc:
        raise ApiError(
            Code.INVALID_DATE_RANGE, f"date range: {(value or '')[:64]!r} is not a YYYY-MM-DD day"
        ) from exc
    if day >= LAST_DAY:
        raise ApiError(
            Code.INVALID_DATE_RANGE,
            f"date range: {day} is past the sandbox clock's range (it ends with 9998)",
        )
    return day


async def get_reports(ctx: Context, req: GetReportsRequest) -> GetReportsResponse:
    """Orders created between `start` and `end` (days, inclusive, Istanbul), 30 a page, oldest first (OQ-13).

    458 when a date is missing or not YYYY-MM-DD, when end < start or when the range spans more than 10 days.
    """
    start, end = _parse_day(req.start), _parse_day(req.end)
    if end < start:
        raise ApiError(Code.INVALID_DATE_RANGE, f"date range: end {end} is before start {start}")
    if (end - start).days > REPORTS_MAX_DAYS:
        days = (end - start).days
        raise ApiError(
            Code.INVALID_DATE_RANGE,
            f"date range: {start} to {end} spans {days} days where at most {REPORTS_MAX_DAYS} are allowed",
        )
    page = parse_page(req.page)
    lo, hi = day_bounds(start, end)
    count, orders = ctx.store.orders.between(
        ctx.account.key, lo, hi, (page - 1) * REPORTS_PAGE_SIZE, REPORTS_PAGE_SIZE
    )
    return GetReportsResponse(
        count=count,
        orders=[
            OrderSummary(
                id=o.id,
                status=order_status(o),
                total=o.total,
                delivered=o.delivered,
                undelivered=o.undelivered,
                waiting=o.waiting,
                submit_at=format_timestamp(o.submit_ts),
                send_at=format_timestamp(o.send_ts),
                sender=o.sender,
            )
            for o in orders
        ],
    )
