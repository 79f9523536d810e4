"""The webhook tools of the control API over the store: one logged delivery, and a delivery logged for a
sample push (`POST /_sandbox/webhooks/{id}/resend`, `POST /_sandbox/webhooks/sample`). The attempts
themselves are recorded with `SqlStore.record_webhook_attempt`, as the worker records its own."""

from __future__ import annotations

from sqlalchemy import insert, select

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.base import WebhookJob
from ileti.sandbox.store.sql import SqlStore

__all__ = ["delivery", "log_delivery"]


def delivery(store: SqlStore, webhook_id: int) -> tuple[WebhookJob, str, str] | None:
    """A logged delivery as a job to send again, with its account key and state; None when there is none."""
    w = t.webhooks
    row = store._x(
        select(w.c.id, w.c.url, w.c.payload, w.c.attempts, w.c.account_key, w.c.state).where(
            w.c.id == webhook_id
        )
    ).fetchone()
    if row is None:
        return None
    return WebhookJob(id=row[0], url=row[1], payload=row[2].encode(), attempts=row[3]), row[4], row[5]


def log_delivery(
    store: SqlStore,
    *,
    account: str,
    order_id: int,
    message_id: int,
    event: str,
    url: str,
    payload: bytes,
    created_ts: float,
    lease_until: float,
) -> WebhookJob:
    """A delivery in the log, in flight (`sending`) until its attempt is recorded; the outbox worker does not
    take it before `lease_until` (wall clock)."""
    w = t.webhooks
    with store._tx(accounts=False):
        row = store._x(
            insert(w)
            .values(
                account_key=account,
                order_id=order_id,
                message_id=message_id,
                event=event,
                url=url,
                payload=payload.decode(),
                state="sending",
                attempts=0,
                next_ts=lease_until,
                created_ts=created_ts,
            )
            .returning(w.c.id)
        ).fetchone()
    assert row is not None
    return WebhookJob(id=row[0], url=url, payload=payload, attempts=0)
