"""Migration 0006 on a store written by the previous version: orders the carrier has taken are marked started
(so they cannot be cancelled after the clock moves back), scheduled ones not yet taken stay cancellable, and
what deleted accounts left behind is removed."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from ileti.sandbox.store import tables as t
from ileti.sandbox.store.db import MIGRATIONS


def _upgrade(engine: sa.Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _order(connection: sa.Connection, key: str, submit: float, send: float) -> int:
    values = {
        "account_key": key,
        "sender": "S",
        "iys": 0,
        "submit_ts": submit,
        "send_ts": send,
        "cancelled": False,
        "total": 1,
        "waiting": 1,
        "delivered": 0,
        "undelivered": 0,
        "delivered_parts": 0,
        "charged_parts": 1,
        "refunded_parts": 0,
        "billing": "sms",
        "part_price": 1.0,
        "fingerprint": f"f{submit}{send}",
    }
    table = sa.table("orders", *(sa.column(name) for name in values))  # the 0005 columns: no `started`
    order_id: int = connection.execute(
        sa.insert(table).values(values).returning(sa.column("id"))
    ).scalar_one()
    return order_id


def _message(
    connection: sa.Connection, order_id: int, status: int, due: float | None, final: float | None
) -> None:
    connection.execute(
        sa.insert(t.messages).values(
            order_id=order_id,
            row=0,
            block=0,
            number="+905301112233",
            status=status,
            parts=1,
            due_ts=due,
            final_ts=final,
        )
    )


def test_0006_marks_taken_orders_and_removes_orphans(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _upgrade(engine, "0005")
    with engine.begin() as connection:
        connection.execute(
            sa.insert(t.accounts).values(
                key="alive",
                hash="h",
                api_access=True,
                allowed_ips="[]",
                billing="sms",
                balance_amount=0.0,
                balance_sms=10,
                senders="[]",
                iys_active=False,
                documents_missing=False,
                created_ts=0.0,
            )
        )
        immediate = _order(connection, "alive", 100.0, 100.0)
        _message(connection, immediate, 110, 102.0, None)
        settled = _order(connection, "alive", 100.0, 200.0)
        _message(connection, settled, 111, None, 250.0)
        parked = _order(connection, "alive", 100.0, 200.0)
        _message(connection, parked, 110, None, None)
        waiting = _order(connection, "alive", 100.0, 300.0)
        _message(connection, waiting, 110, 302.0, None)
        orphan = _order(connection, "deleted", 100.0, 100.0)
        _message(connection, orphan, 111, None, 103.0)
        connection.execute(
            sa.insert(t.order_texts).values(order_id=orphan, block=0, text="x", encoding="GSM-7", parts=1)
        )
        connection.execute(
            sa.insert(t.webhooks).values(
                account_key="deleted",
                order_id=orphan,
                message_id=1,
                event="accepted",
                url="http://127.0.0.1:9/",
                payload="{}",
                state="failed",
                attempts=1,
                next_ts=0.0,
                created_ts=0.0,
            )
        )
    _upgrade(engine, "head")
    with engine.connect() as connection:
        started = dict(connection.execute(sa.select(t.orders.c.id, t.orders.c.started)).all())
        assert started == {immediate: True, settled: True, parked: True, waiting: False}
        assert connection.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one() == 4
        for table in (t.order_texts, t.webhooks):
            assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
    engine.dispose()
