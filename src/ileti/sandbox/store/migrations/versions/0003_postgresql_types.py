"""PostgreSQL only: make the column types behave as they do on SQLite.

SQLite ignores a VARCHAR's length and stores any integer in 64 bits; PostgreSQL enforces both, so a value that
SQLite takes (a long İYS `source`, a balance of 3 billion credits) would fail there as a database error.
Every `VARCHAR(n)` becomes `TEXT` and the account-level counters become `BIGINT`, so both backends accept
exactly what the API and control-API validation accept. On SQLite this migration does nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (table, column, length) of every VARCHAR created by 0001 and 0002
_STRINGS = (
    ("accounts", "key", 128),
    ("accounts", "hash", 256),
    ("accounts", "billing", 8),
    ("accounts", "iys_brand_code", 32),
    ("accounts", "test_number", 16),
    ("orders", "account_key", 128),
    ("orders", "sender", 64),
    ("orders", "iys_list", 16),
    ("orders", "billing", 8),
    ("orders", "fingerprint", 64),
    ("order_texts", "encoding", 8),
    ("messages", "number", 32),
    ("blacklist", "account_key", 128),
    ("blacklist", "number", 16),
    ("carrier_rules", "number", 16),
    ("carrier_rules", "outcome", 16),
    ("clock", "mode", 8),
    ("meta", "name", 64),
    ("webhooks", "account_key", 128),
    ("webhooks", "event", 16),
    ("webhooks", "state", 12),
    ("groups", "account_key", 128),
    ("contacts", "account_key", 128),
    ("contacts", "gsm", 16),
    ("custom_fields", "account_key", 128),
    ("consents", "account_key", 128),
    ("consents", "brand_code", 32),
    ("consents", "recipient", 320),
    ("consents", "recipient_type", 16),
    ("consents", "type", 16),
    ("consents", "status", 8),
    ("consents", "source", 32),
    ("consents", "consent_date", 19),
    ("iys_state", "account_key", 128),
)
_COUNTERS = (("accounts", "balance_sms"), ("accounts", "iys_quota"), ("iys_state", "used"))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in _STRINGS:
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length=length))
    for table, column in _COUNTERS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column in _COUNTERS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
    for table, column, length in _STRINGS:
        op.alter_column(table, column, type_=sa.String(length=length), existing_type=sa.Text())
