"""`POST /_sandbox/webhooks/{id}/resend` and `POST /_sandbox/webhooks/sample`: send a logged delivery again,
or push a sample §6 report (built by the core's `wire.webhook.webhook_payload`) to an account's webhook URL.

Both send at once, from the request, with the webhook worker's HTTP session and timeout, and answer with the
attempt; each attempt is logged like the worker's own (the sample as a delivery of its own), so
`GET /_sandbox/webhooks` and the inbox show them. Neither is retried nor touched by injected faults: they are
explicit calls, and the answer says how they went.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import Field
from starlette.requests import Request

from ileti import phone
from ileti.codes import MessageStatus
from ileti.sandbox.api.params import query_int
from ileti.sandbox.body_models import BodyModel, PhoneNumber, checked
from ileti.sandbox.context import Services, services_of
from ileti.sandbox.control.base import _body, _path_id, control
from ileti.sandbox.control.operations import Op, Param, integer, operations
from ileti.sandbox.errors import ControlError
from ileti.sandbox.store import views
from ileti.sandbox.store.records import WebhookJob
from ileti.wire import json_codec
from ileti.wire.webhook import webhook_payload

__all__ = ["SAMPLE_MESSAGE_ID", "SAMPLE_ORDER_ID", "SampleIn", "resend", "sample"]

# the ids of CONTRACT §6's example: no order of the sandbox has them
SAMPLE_MESSAGE_ID, SAMPLE_ORDER_ID = 1599558518, 104525848
SAMPLE_TO = "+905000000000"
SAMPLE_TEXT = "iletiMerkezi sandbox: örnek teslim raporu"
STATUSES = {status.webhook_status: status for status in MessageStatus}


async def _attempt(services: Services, job: WebhookJob) -> dict[str, Any]:
    started = time.time()
    status, error = await services.webhooks.post(job.url, job.payload)
    duration = (time.time() - started) * 1000
    ok = error is None
    services.store.outbox.record_attempt(
        job, at=started, http_status=status, error=error, duration_ms=duration, next_ts=None, delivered=ok
    )
    return {
        "id": job.id,
        "url": job.url,
        "attempt": job.attempts + 1,
        "ok": ok,
        "http_status": status,
        "error": error,
        "duration_ms": round(duration, 3),
        "state": "delivered" if ok else "failed",
    }


async def resend(services: Services, webhook_id: int) -> dict[str, Any]:
    """Send a logged delivery again, to the URL it was logged with: a new attempt in its log."""
    found = services.store.outbox.delivery(webhook_id)
    if found is None:
        raise ControlError(404, f"no webhook delivery {webhook_id}")
    job, _, state = found
    if state in ("pending", "sending"):
        raise ControlError(
            409,
            f"webhook delivery {webhook_id} is still being delivered ({state}); "
            "resend it once it is delivered or failed",
        )
    return await _attempt(services, job)


class SampleIn(BodyModel):
    """`POST /_sandbox/webhooks/sample`: which account's webhook URL gets a sample report, and its content."""

    account: str = Field(description="the key of an account with a webhook_url")
    status: Literal["accepted", "delivered", "undelivered"]
    to: PhoneNumber | None = Field(default=None, description="default: the account's test number")
    body: str = Field(default=SAMPLE_TEXT, max_length=10_000, description="the message text")


async def sample(services: Services, body: Any) -> dict[str, Any]:
    """Push a sample report (`SampleIn`) to the account's webhook URL."""
    given = checked(SampleIn, body)
    key = given.account
    account = services.store.accounts.get(key)
    if account is None:
        raise ControlError(404, f"no account with key {key!r}")
    if not account.webhook_url:
        raise ControlError(422, f"account {key!r} has no webhook_url to push to")
    status = STATUSES[given.status]
    number = given.to or phone.try_normalize(account.test_number or SAMPLE_TO)
    if number is None:
        raise ControlError(422, "to: a Turkish mobile number (the account has no test_number)")
    text = given.body
    payload = json_codec.dumps(
        webhook_payload(id=SAMPLE_MESSAGE_ID, packet_id=SAMPLE_ORDER_ID, status=status, to=number, body=text)
    )
    job = services.store.outbox.log_delivery(
        account=key,
        order_id=SAMPLE_ORDER_ID,
        message_id=SAMPLE_MESSAGE_ID,
        event=status.webhook_status,
        url=account.webhook_url,
        payload=payload,
        created_ts=services.clock.now(),
        lease_until=time.time() + 2 * services.settings.webhook_timeout + 10,
    )
    return {**await _attempt(services, job), "payload": json_codec.loads(payload)}


@operations(
    Op(
        "GET",
        "webhook deliveries and their attempts",
        query=(
            Param("account", "account key"),
            Param("limit", "at most this many (default 1000)", integer()),
        ),
    )
)
@control
async def webhook_log(request: Request) -> Any:
    services = services_of(request)
    limit = query_int(request.query_params, "limit") or 1000
    filters = views.Filters(account=request.query_params.get("account"))
    rows = views.webhook_rows(services.store, filters, limit=min(limit, 100_000), oldest_first=True)
    return {"webhooks": [{**row, "payload": json_codec.loads(row["payload"])} for row in rows]}


@operations(
    Op("POST", "send a logged delivery (delivered or failed) again to its URL: a new attempt in its log")
)
@control
async def webhook_resend(request: Request) -> Any:
    webhook_id = _path_id(request, "webhook_id", "webhook delivery")
    return await resend(services_of(request), webhook_id)


@operations(
    Op("POST", "push a sample §6 report to an account's webhook URL, logged as a delivery", body=SampleIn)
)
@control
async def webhook_sample(request: Request) -> Any:
    return await sample(services_of(request), await _body(request))
