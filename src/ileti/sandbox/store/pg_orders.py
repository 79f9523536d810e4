"""Group commit on PostgreSQL: a batch of send-sms orders in two round trips, whatever its size.

Placing one order the portable way (`Orders.place`) is a conversation: read the payer, look for a 451
duplicate, charge, insert the order, its texts, its rows, each waiting for the answer before the next. On
SQLite a statement costs microseconds; on PostgreSQL each is a network round trip and a wake-up of both
processes, and a send took about eleven of them (docs/benchmarks.md). Here the batch is instead:

1. `BEGIN` and the lock of the batch's accounts in key order (the store's lock order,
   `Database.lock_accounts`), which also reads each payer's billing and webhook URL: one pipelined round
   trip.
2. One statement per order that does the whole order on the server (data-modifying CTEs: the duplicate
   check, the conditional charge, the order with its texts and rows from JSON arrays), and `COMMIT`: all
   pipelined, one round trip. Each statement sees the orders before it, so a duplicate inside the batch is
   still 451, and a refused order writes nothing (its charge and inserts are conditional on the checks).

The statements are prepared on the server by psycopg after a few runs. An account with a webhook URL queues
its events after its orders, before a separate `COMMIT`. Any error rolls the whole batch back and raises,
as `Orders.place_many` does; a result is only returned once the `COMMIT` succeeded.

The send-sms group commit, on a connection of its own (`pg_lane`), uses `place_batch_in_one_trip`: both
steps in one round trip, the billing decided on the server.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson

from ileti.sandbox.store.records import Refusal, RefusalReason
from ileti.sandbox.world.billing import recorded_unit, reserve

if TYPE_CHECKING:
    from ileti.sandbox.store.orders import Orders
    from ileti.sandbox.store.records import PlaceOrder

__all__ = ["place_batch", "place_batch_in_one_trip"]

WAITING, UNDELIVERED = 110, 112  # as in orders.py

_LOCK = (
    "SELECT key, billing, webhook_url FROM accounts WHERE key = ANY(%(keys)s::text[]) ORDER BY key FOR UPDATE"
)

_CHARGE = {
    "sms": "UPDATE accounts SET balance_sms = balance_sms - %(cost)s::integer "
    "WHERE key = %(k)s::text AND balance_sms >= %(cost)s::integer",
    "tl": "UPDATE accounts SET balance_amount = round(CAST(balance_amount - %(cost)s::float8 AS numeric), 6) "
    "WHERE key = %(k)s::text AND balance_amount >= %(cost)s::float8 - 1e-9",
}

_PLACE = """WITH dup AS (
  SELECT id FROM orders
  WHERE account_key = %(k)s::text AND fingerprint = %(fp)s::text AND submit_ts > %(since)s::float8 LIMIT 1
), charged AS (
  {charge} AND %(parts)s::integer > 0 AND NOT EXISTS (SELECT FROM dup) RETURNING 1
), placed AS (
  INSERT INTO orders (account_key, sender, iys, iys_list, submit_ts, send_ts, cancelled, total, waiting,
                      delivered, undelivered, delivered_parts, charged_parts, refunded_parts, billing,
                      part_price, fingerprint, started)
  SELECT %(k)s::text, %(sender)s::text, %(iys)s::integer, %(iys_list)s::text, %(submit)s::float8,
         %(send)s::float8, false, %(total)s::integer, %(waiting)s::integer, 0, %(undelivered)s::integer, 0,
         %(parts)s::integer, 0, %(billing)s::text, %(price)s::float8, %(fp)s::text, %(started)s::boolean
  WHERE NOT EXISTS (SELECT FROM dup) AND (%(parts)s::integer = 0 OR EXISTS (SELECT FROM charged))
  RETURNING id
), texts AS (
  INSERT INTO order_texts (order_id, block, text, encoding, parts)
  SELECT placed.id, x.ord - 1, x.v->>0, x.v->>1, (x.v->>2)::integer
  FROM placed, json_array_elements(%(texts)s::json) WITH ORDINALITY AS x(v, ord)
), rows_ AS (
  INSERT INTO messages (order_id, "row", block, number, status, parts, due_ts, final_ts)
  SELECT placed.id, x.ord - 1, (x.v->>0)::integer, x.v->>1, (x.v->>2)::integer, (x.v->>3)::integer,
         (x.v->>4)::float8, (x.v->>5)::float8
  FROM placed, json_array_elements(%(rows)s::json) WITH ORDINALITY AS x(v, ord)
  ORDER BY x.ord
)
SELECT (SELECT id FROM dup), (SELECT id FROM placed)"""

_PLACE_SQL = {billing: _PLACE.format(charge=charge) for billing, charge in _CHARGE.items()}


def _text(value: str) -> str:
    # PostgreSQL text cannot hold NUL (SQLite stores it): U+FFFD, as `postgres.py` does for parameters
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _params(item: PlaceOrder, billing: str) -> dict[str, Any]:
    """The parameters of one order's statement: its texts and rows as JSON arrays (one parameter each,
    one string for psycopg to send; Python lists would be dumped element by element). The charge and the
    recorded part price are `billing.reserve` and `billing.recorded_unit` for `billing`; `_PLACE_ANY`, given
    the TL ones, takes the credit ones (`parts`, 1.0) itself when the locked account bills in credits."""
    order = item.order
    rows: list[tuple[int, str, int, int, float | None, float | None]] = []
    due = order.send_ts + item.settle_delay
    deliverable = 0
    for index, block in enumerate(order.blocks):
        parts = block.parts
        for number, ok in zip(block.numbers, block.deliverable, strict=True):
            if ok:
                rows.append((index, _text(number), WAITING, parts, due, None))
                deliverable += 1
            else:
                rows.append((index, _text(number), UNDELIVERED, parts, None, item.now))
    return {
        "k": order.account_key,
        "fp": order.fingerprint,
        "since": item.duplicate_since,
        "cost": reserve(billing, order.charged_parts, item.part_price),
        "parts": order.charged_parts,
        "sender": order.sender,
        "iys": order.iys,
        "iys_list": order.iys_list,
        "submit": order.submit_ts,
        "send": order.send_ts,
        "total": len(rows),
        "waiting": deliverable,
        "undelivered": len(rows) - deliverable,
        "billing": billing,
        "price": recorded_unit(billing, item.part_price, order.charged_parts),
        "started": order.send_ts <= order.submit_ts,
        "texts": orjson.dumps(
            [(_text(block.text), block.encoding, block.parts) for block in order.blocks]
        ).decode(),
        "rows": orjson.dumps(rows).decode(),
    }


def place_batch(store: Orders, connection: Any, batch: Sequence[PlaceOrder]) -> list[int | Refusal]:
    """`Orders.place_many` on PostgreSQL; `connection` is the store's psycopg connection (autocommit)."""
    keys = sorted({item.order.account_key for item in batch})
    results: list[int | Refusal | None] = [None] * len(batch)
    try:
        with connection.pipeline() as pipeline:
            connection.execute("BEGIN")
            payers = {
                key: (billing, url)
                for key, billing, url in connection.execute(_LOCK, {"keys": keys}).fetchall()
            }
            cursors: list[tuple[int, Any]] = []
            for position, item in enumerate(batch):
                payer = payers.get(item.order.account_key)
                if payer is None:
                    results[position] = Refusal(RefusalReason.NOT_FOUND)
                    continue
                billing = payer[0]
                cursors.append((position, connection.execute(_PLACE_SQL[billing], _params(item, billing))))
            webhooks = any(url for _, url in payers.values())
            if not webhooks:
                connection.execute("COMMIT")
            pipeline.sync()
            for position, cursor in cursors:
                duplicate, placed = cursor.fetchone()
                if duplicate is not None:
                    results[position] = Refusal(RefusalReason.DUPLICATE, order_id=duplicate)
                elif placed is None:
                    results[position] = Refusal(RefusalReason.BALANCE)
                else:
                    results[position] = int(placed)
        if webhooks:
            for position, item in enumerate(batch):
                order_id = results[position]
                url = payers.get(item.order.account_key, (None, None))[1]
                if url and isinstance(order_id, int):
                    account = store.accounts.get(item.order.account_key)
                    assert account is not None
                    store.outbox.queue_order_events(account, order_id, item.order, item.now)
            connection.execute("COMMIT")
    except BaseException:
        import psycopg

        with contextlib.suppress(psycopg.Error):  # the connection gone: its transaction went with it
            connection.execute("ROLLBACK")
        raise
    return [result for result in results if result is not None]


_PLACE_ANY_HEAD = """WITH payer AS (
  SELECT billing, coalesce(webhook_url, '') <> '' AS hooked FROM accounts WHERE key = %(k)s::text
), dup AS (
  SELECT id FROM orders
  WHERE account_key = %(k)s::text AND fingerprint = %(fp)s::text AND submit_ts > %(since)s::float8 LIMIT 1
), go AS (
  SELECT billing FROM payer WHERE NOT hooked AND NOT EXISTS (SELECT FROM dup)
), charged AS (
  UPDATE accounts SET
    balance_sms = CASE WHEN go.billing = 'tl' THEN balance_sms ELSE balance_sms - %(parts)s::integer END,
    balance_amount = CASE WHEN go.billing = 'tl'
      THEN round(CAST(balance_amount - %(cost)s::float8 AS numeric), 6) ELSE balance_amount END
  FROM go
  WHERE key = %(k)s::text AND %(parts)s::integer > 0 AND CASE WHEN go.billing = 'tl'
    THEN balance_amount >= %(cost)s::float8 - 1e-9 ELSE balance_sms >= %(parts)s::integer END
  RETURNING 1
), placed AS (
  INSERT INTO orders (account_key, sender, iys, iys_list, submit_ts, send_ts, cancelled, total, waiting,
                      delivered, undelivered, delivered_parts, charged_parts, refunded_parts, billing,
                      part_price, fingerprint, started)
  SELECT %(k)s::text, %(sender)s::text, %(iys)s::integer, %(iys_list)s::text, %(submit)s::float8,
         %(send)s::float8, false, %(total)s::integer, %(waiting)s::integer, 0, %(undelivered)s::integer, 0,
         %(parts)s::integer, 0, go.billing,
         CASE WHEN %(parts)s::integer = 0 THEN 0.0 WHEN go.billing = 'tl' THEN %(price)s::float8 ELSE 1.0 END,
         %(fp)s::text, %(started)s::boolean
  FROM go WHERE %(parts)s::integer = 0 OR EXISTS (SELECT FROM charged)
  RETURNING id"""
_PLACE_ANY = "".join(
    (
        _PLACE_ANY_HEAD,
        _PLACE[_PLACE.index("\n), texts AS (") : _PLACE.index("\nSELECT (SELECT id FROM dup)")],  # as there
        "\nSELECT (SELECT id FROM dup), (SELECT id FROM placed), (SELECT hooked FROM payer)",
    )
)
"""One order whatever its account's billing (the charge and the order's price decided on the server), so
that a batch needs no answer before its `COMMIT`; an account with a webhook URL gets nothing (`hooked`)."""


def place_batch_in_one_trip(connection: Any, batch: Sequence[PlaceOrder]) -> list[int | Refusal | None]:
    """`place_batch` for a connection of its own (a `pg_lane`): one pipelined round trip, `BEGIN`, the lock
    of the batch's accounts in key order, one `_PLACE_ANY` per order and `COMMIT`, so the transaction ends
    on the server without waiting for this process (its locks are held for no client's work). The orders of
    an account with a webhook URL, whose events the store queues, are left out: None at their place, for the
    caller to place with the store (`Orders.place_many`) once this has returned."""
    keys = sorted({item.order.account_key for item in batch})
    results: list[int | Refusal | None] = []
    try:
        with connection.pipeline() as pipeline:
            connection.execute("BEGIN")
            connection.execute(_LOCK, {"keys": keys})
            cursors = [connection.execute(_PLACE_ANY, _params(item, "tl")) for item in batch]
            connection.execute("COMMIT")
            pipeline.sync()
            for cursor in cursors:
                duplicate, placed, hooked = cursor.fetchone()
                if hooked is None:
                    results.append(Refusal(RefusalReason.NOT_FOUND))
                elif hooked:
                    results.append(None)
                elif duplicate is not None:
                    results.append(Refusal(RefusalReason.DUPLICATE, order_id=duplicate))
                elif placed is None:
                    results.append(Refusal(RefusalReason.BALANCE))
                else:
                    results.append(int(placed))
    except BaseException:
        import psycopg

        with contextlib.suppress(psycopg.Error):  # the connection gone: its transaction went with it
            connection.execute("ROLLBACK")
        raise
    return results
