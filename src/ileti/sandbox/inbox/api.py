"""The JSON views the inbox page reads that the control API does not offer, under `/_sandbox/inbox/`.

    GET /_sandbox/inbox/overview    totals, clock, accounts and senders for the filters, the status table
    GET /_sandbox/inbox/threads     one row per recipient number, newest activity first
    GET /_sandbox/inbox/orders      orders across accounts with their report counters
    GET /_sandbox/inbox/webhooks    webhook deliveries newest first, with their attempts

Every list takes the filters `number` (digits, substring), `sender`, `order_id`, `account`, and `limit`
(default 200, at most 1000). A thread's messages come from the control API's `GET /_sandbox/messages?to=`.
Times are Istanbul `YYYY-MM-DD HH:MM:SS` strings of the sandbox clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ileti.codes import Code, MessageStatus, OrderStatus
from ileti.sandbox.api.params import query_int
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store import views
from ileti.times import format_timestamp
from ileti.wire import json_codec

__all__ = ["INBOX_API_ROUTES", "STATUS_TABLE", "filters_of"]

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000


def _status_entry(code: int, label: str) -> dict[str, Any]:
    info = Code(code)
    return {"code": code, "label": label, "message": info.message, "meaning": info.meaning}


# what the page shows for a status (keyed by the code as a string, as JSON needs): a short English label,
# plus the Turkish wire text and the meaning from `codes`
STATUS_TABLE: dict[str, dict[str, Any]] = {
    str(int(status)): _status_entry(int(status), label)
    for status, label in (
        (MessageStatus.WAITING, "waiting"),
        (MessageStatus.DELIVERED, "delivered"),
        (MessageStatus.UNDELIVERED, "undelivered"),
        (OrderStatus.SENDING, "sending"),
        (OrderStatus.COMPLETED, "completed"),
        (OrderStatus.CANCELED, "cancelled"),
    )
}


def _json(body: Any, status: int = 200) -> Response:
    return Response(
        json_codec.dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def filters_of(request: Request) -> views.Filters:
    """The page's filters from the query string; empty values mean "any"."""
    params = request.query_params
    return views.Filters(
        number=params.get("number", "").strip() or None,
        sender=params.get("sender") or None,
        order_id=query_int(params, "order_id", strip=True),
        account=params.get("account") or None,
    )


def _limit(request: Request) -> int:
    return min(query_int(request.query_params, "limit", strip=True) or DEFAULT_LIMIT, MAX_LIMIT)


def _view(handler: Callable[[Request, Services], Any]) -> Callable[[Request], Awaitable[Response]]:
    """A read-only view: the handler's value as JSON; a bad query parameter is `{"error": …}` with 422."""

    async def endpoint(request: Request) -> Response:
        try:
            return _json(handler(request, services_of(request)))
        except ControlError as exc:
            return _json({"error": exc.detail}, exc.status)

    endpoint.__name__ = handler.__name__
    return endpoint


def overview(request: Request, services: Services) -> dict[str, Any]:
    clock = services.clock
    return {
        **views.overview(services.store),
        "now": format_timestamp(clock.now()),
        "clock_mode": clock.state.mode,
        "statuses": STATUS_TABLE,
    }


def threads(request: Request, services: Services) -> dict[str, Any]:
    rows = views.thread_rows(services.store, filters_of(request), limit=_limit(request))
    for row in rows:
        row["last_at"] = format_timestamp(row.pop("last_send_ts"))
        row["last_submitted_at"] = format_timestamp(row.pop("last_submit_ts"))
    return {"threads": rows}


def _order_status(row: dict[str, Any]) -> int:
    """§5: 115 once cancelled, 113 while any message waits, then 114."""
    if row["cancelled"]:
        return int(OrderStatus.CANCELED)
    return int(OrderStatus.SENDING if row["waiting"] else OrderStatus.COMPLETED)


def orders(request: Request, services: Services) -> dict[str, Any]:
    now = services.clock.now()
    rows = views.order_rows(services.store, filters_of(request), limit=_limit(request))
    for row in rows:
        row["status"] = _order_status(row)
        row["scheduled"] = not row["cancelled"] and row["send_ts"] > now
        row["submitted_at"] = format_timestamp(row.pop("submit_ts"))
        row["send_at"] = format_timestamp(row.pop("send_ts"))
    return {"orders": rows}


def webhooks(request: Request, services: Services) -> dict[str, Any]:
    rows = views.webhook_rows(services.store, filters_of(request), limit=_limit(request))
    for row in rows:
        row["created_at"] = format_timestamp(row.pop("created_ts"))
        # `payload` stays the exact JSON text that was posted; the page shows it as text
        for attempt in row["log"]:
            # attempts run on the wall clock (webhooks.py), so they are shown in Istanbul wall time
            attempt["at"] = format_timestamp(attempt.pop("at_ts"))
    return {"webhooks": rows}


INBOX_API_ROUTES: tuple[tuple[str, Callable[[Request], Awaitable[Response]]], ...] = (
    ("/_sandbox/inbox/overview", _view(overview)),
    ("/_sandbox/inbox/threads", _view(threads)),
    ("/_sandbox/inbox/orders", _view(orders)),
    ("/_sandbox/inbox/webhooks", _view(webhooks)),
)
