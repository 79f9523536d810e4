"""The webhook outbox (CONTRACT §6, OQ-21): events queued in the transaction of the change they report,
claimed by the delivery worker (`world/webhooks.py`) under a lease, and every attempt recorded.

A message's events are queued in the order they happen (`accepted` for every row, then `undelivered` for rows
refused at once; then each final status) and go out strictly in that order. The body is the one §6 builder of
the core, `ileti.wire.webhook.webhook_payload`, rendered when the event is queued. The lists of the log live
in `views.py`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, insert, select, update

from ileti.codes import MessageStatus
from ileti.sandbox.store import tables as t
from ileti.sandbox.store.db import Database, Sql
from ileti.sandbox.store.records import Account, NewOrder, WebhookJob
from ileti.wire import json_codec
from ileti.wire.webhook import webhook_payload

__all__ = ["Event", "Outbox"]

Event = tuple[int, str, str, str]
"""(message id, event: accepted, delivered or undelivered, to, body)."""

_UNDELIVERED = int(MessageStatus.UNDELIVERED)
_STATUS = {name: MessageStatus.from_webhook_status(name) for name in ("accepted", "delivered", "undelivered")}


def render(message_id: int, order_id: int, event: str, to: str, body: str) -> str:
    """The §6 JSON body of one event, as stored in the outbox and posted."""
    payload = webhook_payload(id=message_id, packet_id=order_id, status=_STATUS[event], to=to, body=body)
    return json_codec.dumps(payload).decode()


class Outbox:
    """The webhook outbox of every account."""

    def __init__(self, db: Database) -> None:
        self._db = db
        w = t.webhooks
        self._sql_insert = db.compile(
            insert(w).values({col.name: bindparam(col.name) for col in w.columns if col.name != "id"})
        )
        self._sql_claim: tuple[Sql, Sql] | None = None

    # ------------------------------------------------------------------------------------------ queueing

    def queue_order_events(self, account: Account, order_id: int, order: NewOrder, now: float) -> None:
        """`accepted` for every row, then `undelivered` for rows refused at once (OQ-21 ordering)."""
        texts = [block.text for block in order.blocks]
        m = t.messages
        rows = self._db.execute(
            select(m.c.id, m.c.block, m.c.number, m.c.status).where(m.c.order_id == order_id).order_by(m.c.id)
        ).fetchall()
        events = [(mid, "accepted", number, texts[block]) for mid, block, number, _ in rows]
        events += [
            (mid, "undelivered", number, texts[block])
            for mid, block, number, status in rows
            if status == _UNDELIVERED
        ]
        self.queue_events(account, order_id, events, now)

    def queue_events(self, account: Account, order_id: int, events: list[Event], now: float) -> None:
        """Queue events of one order for the account's webhook URL, inside the caller's transaction."""
        assert account.webhook_url is not None
        url = account.webhook_url
        self._db.many(
            self._sql_insert,
            [
                {
                    "account_key": account.key,
                    "order_id": order_id,
                    "message_id": mid,
                    "event": event,
                    "url": url,
                    "payload": render(mid, order_id, event, to, body),
                    "state": "pending",
                    "attempts": 0,
                    "next_ts": 0.0,
                    "created_ts": now,
                }
                for mid, event, to, body in events
            ],
        )

    # ------------------------------------------------------------------------------------------ delivery

    def claim(self, wall_now: float, limit: int, lease: float = 60.0) -> list[WebhookJob]:
        """Mark up to `limit` due deliveries as in flight; a message's events go out strictly in order.

        A claim is a lease: an in-flight row's `next_ts` is when it runs out, and a row whose lease ran out
        (its worker died mid-delivery) is due again. Several workers claim from one outbox: SQLite takes its
        write lock, PostgreSQL skips the rows another worker has just locked, so no job is claimed twice.
        """
        if self._sql_claim is None:
            w = t.webhooks
            earlier = w.alias("earlier")
            blocked = (
                select(earlier.c.id)
                .where(
                    earlier.c.message_id == w.c.message_id,
                    earlier.c.id < w.c.id,
                    earlier.c.state.in_(("pending", "sending")),
                )
                .exists()
            )
            self._sql_claim = (
                self._db.compile(
                    select(w.c.id, w.c.url, w.c.payload, w.c.attempts)
                    .where(
                        w.c.state.in_(("pending", "sending")), w.c.next_ts <= bindparam("now", 0.0), ~blocked
                    )
                    .order_by(w.c.id)
                    .limit(bindparam("limit", 1))
                    .with_for_update(skip_locked=True, of=w)
                ),
                self._db.compile(
                    update(w)
                    .where(w.c.id == bindparam("i"))
                    .values(state=bindparam("state"), next_ts=bindparam("until"))
                ),
            )
        # (the placeholder values above only let the IN list render at compile time)
        pick, mark = self._sql_claim
        # most passes find nothing: look before taking the write lock
        if not self._db.run(pick, {"now": wall_now, "limit": 1}).fetchone():
            return []
        with self._db.transaction(accounts=False):
            rows = self._db.run(pick, {"now": wall_now, "limit": limit}).fetchall()
            self._db.many(
                mark, [{"i": row[0], "state": "sending", "until": wall_now + lease} for row in rows]
            )
        return [
            WebhookJob(id=i, url=url, payload=payload.encode(), attempts=n) for i, url, payload, n in rows
        ]

    def record_attempt(
        self,
        job: WebhookJob,
        *,
        at: float,
        http_status: int | None,
        error: str | None,
        duration_ms: float,
        next_ts: float | None,
        delivered: bool,
    ) -> None:
        """Log one attempt; the delivery is then done, failed for good, or pending again at `next_ts`."""
        w = t.webhooks
        state = "delivered" if delivered else ("pending" if next_ts is not None else "failed")
        with self._db.transaction(accounts=False):
            if not self._db.execute(
                update(w)
                .where(w.c.id == job.id)
                .values(
                    state=state, attempts=job.attempts + 1, next_ts=next_ts if next_ts is not None else at
                )
            ).rowcount:
                return  # its account was deleted (or the store reset) while it was being delivered
            self._db.execute(
                insert(t.webhook_attempts).values(
                    webhook_id=job.id,
                    attempt=job.attempts + 1,
                    at_ts=at,
                    http_status=http_status,
                    error=error,
                    duration_ms=round(duration_ms, 3),
                )
            )

    def extend_lease(self, webhook_id: int, until: float) -> None:
        """Keep a claimed delivery claimed until `until` (wall clock): an injected delay outlasts a lease."""
        w = t.webhooks
        with self._db.transaction(accounts=False):
            self._db.execute(
                update(w).where(w.c.id == webhook_id, w.c.state == "sending").values(next_ts=until)
            )

    def has_pending(self) -> bool:
        w = t.webhooks
        found = self._db.execute(select(w.c.id).where(w.c.state.in_(("pending", "sending"))).limit(1))
        return found.fetchone() is not None

    # ------------------------------------------------------------------------------------------ control API

    def delivery(self, webhook_id: int) -> tuple[WebhookJob, str, str] | None:
        """A logged delivery as a job to send again, with its account key and state; None when there is
        none (`POST /_sandbox/webhooks/{id}/resend`)."""
        w = t.webhooks
        row = self._db.execute(
            select(w.c.id, w.c.url, w.c.payload, w.c.attempts, w.c.account_key, w.c.state).where(
                w.c.id == webhook_id
            )
        ).fetchone()
        if row is None:
            return None
        return WebhookJob(id=row[0], url=row[1], payload=row[2].encode(), attempts=row[3]), row[4], row[5]

    def log_delivery(
        self,
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
        """A delivery in the log, in flight (`sending`) until its attempt is recorded; the worker does not
        take it before `lease_until` (wall clock). For a sample push (`POST /_sandbox/webhooks/sample`)."""
        w = t.webhooks
        values: dict[str, Any] = {
            "account_key": account,
            "order_id": order_id,
            "message_id": message_id,
            "event": event,
            "url": url,
            "payload": payload.decode(),
            "state": "sending",
            "attempts": 0,
            "next_ts": lease_until,
            "created_ts": created_ts,
        }
        with self._db.transaction(accounts=False):
            row = self._db.execute(insert(w).values(values).returning(w.c.id)).fetchone()
        assert row is not None
        return WebhookJob(id=row[0], url=url, payload=payload, attempts=0)
