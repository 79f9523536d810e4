"""send-sms (§4.1) and cancel-order (§4.2)."""

from __future__ import annotations

from ileti.codes import Code
from ileti.sandbox.api.params import parse_order_id
from ileti.sandbox.api.rules import send_sms as rules
from ileti.sandbox.context import Context
from ileti.sandbox.errors import ApiError
from ileti.sandbox.store.records import Refusal
from ileti.wire.models import CancelOrderRequest, OrderRef, SendSmsRequest, SendSmsResponse

__all__ = ["cancel_order", "send_sms"]


async def send_sms(ctx: Context, req: SendSmsRequest) -> SendSmsResponse:
    """Create an order; the checks and their order live in `rules/send_sms.py` (OQ-2).

    A 200 means the order and every recipient row are committed.
    """
    order_id = await rules.place(ctx, req)
    if ctx.account.webhook_url:
        ctx.services.webhooks.wake()
    return SendSmsResponse(order=OrderRef(id=str(order_id)))


async def cancel_order(ctx: Context, req: CancelOrderRequest) -> None:
    """Cancel a scheduled order before its send time; 455 for an unknown, started, finished or cancelled
    order (§4.2; a second cancel is 455). The order stays reportable with status 115 (OQ-33)."""
    order_id = parse_order_id(req.id)
    try:
        ctx.store.orders.cancel(ctx.account.key, order_id, ctx.clock.now())
    except Refusal as refusal:
        raise ApiError(
            Code.ORDER_NOT_FOUND,
            f"cancel: order {order_id} is not a scheduled order of this "
            "account yet to start (unknown, started, finished or cancelled "
            "already)",
        ) from refusal
    if ctx.account.webhook_url:
        ctx.services.webhooks.wake()
