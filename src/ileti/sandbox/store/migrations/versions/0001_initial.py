"""Initial schema: accounts, orders and their texts and messages, blacklist, carrier rules, clock, meta,
webhook outbox and attempt log.

Revision ID: 0001
Revises:
Create Date: 2026-05-12
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("hash", sa.String(length=256), nullable=False),
        sa.Column("api_access", sa.Boolean(), nullable=False),
        sa.Column("allowed_ips", sa.Text(), nullable=False),
        sa.Column("billing", sa.String(length=8), nullable=False),
        sa.Column("balance_amount", sa.Float(), nullable=False),
        sa.Column("balance_sms", sa.Integer(), nullable=False),
        sa.Column("senders", sa.Text(), nullable=False),
        sa.Column("iys_brand_code", sa.String(length=32), nullable=True),
        sa.Column("iys_active", sa.Boolean(), nullable=False),
        sa.Column("iys_quota", sa.Integer(), nullable=True),
        sa.Column("documents_missing", sa.Boolean(), nullable=False),
        sa.Column("webhook_url", sa.Text(), nullable=True),
        sa.Column("test_number", sa.String(length=16), nullable=True),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "blacklist",
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("added_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("account_key", "number"),
    )
    op.create_table(
        "carrier_rules",
        sa.Column("number", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    op.create_table(
        "clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("offset", sa.Float(), nullable=False),
        sa.Column("frozen_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("due_ts", sa.Float(), nullable=True),
        sa.Column("final_ts", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_messages_due",
        "messages",
        ["due_ts"],
        unique=False,
        sqlite_where=sa.text("due_ts IS NOT NULL"),
        postgresql_where=sa.text("due_ts IS NOT NULL"),
    )
    op.create_index("ix_messages_order_row", "messages", ["order_id", "row"], unique=True)
    op.create_table(
        "meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "order_texts",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("encoding", sa.String(length=8), nullable=False),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("order_id", "block"),
    )
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("iys", sa.Integer(), nullable=False),
        sa.Column("iys_list", sa.String(length=16), nullable=True),
        sa.Column("submit_ts", sa.Float(), nullable=False),
        sa.Column("send_ts", sa.Float(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("undelivered", sa.Integer(), nullable=False),
        sa.Column("delivered_parts", sa.Integer(), nullable=False),
        sa.Column("charged_parts", sa.Integer(), nullable=False),
        sa.Column("refunded_parts", sa.Integer(), nullable=False),
        sa.Column("billing", sa.String(length=8), nullable=False),
        sa.Column("part_price", sa.Float(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_orders_duplicate", "orders", ["account_key", "fingerprint", "submit_ts"], unique=False
    )
    op.create_index("ix_orders_submitted", "orders", ["account_key", "submit_ts"], unique=False)
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at_ts", sa.Float(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_attempts_webhook", "webhook_attempts", ["webhook_id"], unique=False)
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_ts", sa.Float(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhooks_due", "webhooks", ["state", "next_ts"], unique=False)
    op.create_index("ix_webhooks_message", "webhooks", ["message_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webhooks_message", table_name="webhooks")
    op.drop_index("ix_webhooks_due", table_name="webhooks")
    op.drop_table("webhooks")
    op.drop_index("ix_webhook_attempts_webhook", table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index("ix_orders_submitted", table_name="orders")
    op.drop_index("ix_orders_duplicate", table_name="orders")
    op.drop_table("orders")
    op.drop_table("order_texts")
    op.drop_table("meta")
    op.drop_index("ix_messages_order_row", table_name="messages")
    op.drop_index(
        "ix_messages_due",
        table_name="messages",
        sqlite_where=sa.text("due_ts IS NOT NULL"),
        postgresql_where=sa.text("due_ts IS NOT NULL"),
    )
    op.drop_table("messages")
    op.drop_table("clock")
    op.drop_table("carrier_rules")
    op.drop_table("blacklist")
    op.drop_table("accounts")
