"""Orders remember whether their sending has started; what deleted accounts left behind is removed.

`orders.started` is set by the carrier when it takes the first message of an order (settles or parks it).
cancel-order decides on it (and on the order being scheduled, not yet due and not cancelled), not on times
alone: after the clock is moved back, a settled order still cannot be cancelled and refunded a second time.
Existing orders are marked from their rows: immediate orders, and any order with a message the carrier has
taken (final after the order was placed, or parked at 110 with no due time).

Deleting an account used to leave its orders, messages and webhook events behind, and they came back when an
account with the same key was created again; this migration deletes such orphans once (since this version
deleting an account deletes everything it owned, `Accounts.delete`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("started", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(
        "UPDATE orders SET started = TRUE WHERE send_ts <= submit_ts OR EXISTS ("
        "SELECT 1 FROM messages m WHERE m.order_id = orders.id AND m.due_ts IS NULL"
        " AND (m.status = 110 OR m.final_ts > orders.submit_ts))"
    )
    for table in ("order_texts", "messages"):
        op.execute(
            f"DELETE FROM {table} WHERE order_id IN "  # noqa: S608 -- constant table names
            "(SELECT id FROM orders WHERE account_key NOT IN (SELECT key FROM accounts))"
        )
    op.execute(
        "DELETE FROM webhook_attempts WHERE webhook_id IN (SELECT id FROM webhooks WHERE account_key"
        " NOT IN (SELECT key FROM accounts))"
    )
    op.execute("DELETE FROM webhooks WHERE account_key NOT IN (SELECT key FROM accounts)")
    op.execute("DELETE FROM orders WHERE account_key NOT IN (SELECT key FROM accounts)")


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("started")
