"""The sandbox schema as SQLAlchemy Core tables: what the rooms of the store build their statements from.

The schema itself is created and upgraded by the alembic migrations in `migrations/`; a change here needs a
new migration. Times are float epoch seconds (sandbox clock, or wall clock where a column says `wall`);
list-valued account fields (`senders`, `allowed_ips`) are JSON text.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, MetaData, String, Table, Text, false

__all__ = [
    "accounts",
    "blacklist",
    "carrier_rules",
    "clock",
    "consents",
    "contact_fields",
    "contact_groups",
    "contacts",
    "custom_fields",
    "groups",
    "iys_state",
    "journal",
    "messages",
    "meta",
    "metadata",
    "order_texts",
    "orders",
    "webhook_attempts",
    "webhooks",
]

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("hash", String(256), nullable=False),
    Column("api_access", Boolean, nullable=False),
    Column("allowed_ips", Text, nullable=False),  # JSON list; empty = any IP
    Column("billing", String(8), nullable=False),  # "sms" (credits) or "tl" (amount), OQ-16
    Column("balance_amount", Float, nullable=False),
    Column("balance_sms", Integer, nullable=False),
    Column("senders", Text, nullable=False),  # JSON list of approved sender IDs
    Column("iys_brand_code", String(32)),
    Column("iys_active", Boolean, nullable=False),
    Column("iys_quota", Integer),
    Column("documents_missing", Boolean, nullable=False),
    Column("webhook_url", Text),
    Column("test_number", String(16)),
    Column("created_ts", Float, nullable=False),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(128), nullable=False),
    Column("sender", String(64), nullable=False),
    Column("iys", Integer, nullable=False),
    Column("iys_list", String(16)),
    Column("submit_ts", Float, nullable=False),
    Column("send_ts", Float, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("total", Integer, nullable=False),
    Column("waiting", Integer, nullable=False),
    Column("delivered", Integer, nullable=False),
    Column("undelivered", Integer, nullable=False),
    Column("delivered_parts", Integer, nullable=False),
    Column("charged_parts", Integer, nullable=False),  # parts reserved at acceptance (0 for APITEST)
    Column("refunded_parts", Integer, nullable=False),
    Column("billing", String(8), nullable=False),  # the account's mode when the order was placed
    Column("part_price", Float, nullable=False),  # TL per part for "tl" billing, 1 credit for "sms"
    Column("fingerprint", String(64), nullable=False),  # OQ-7 duplicate key
    # the carrier has taken one of its messages (settled or parked it): no cancel from then on (0006)
    Column("started", Boolean, nullable=False, server_default=false()),
    Index("ix_orders_duplicate", "account_key", "fingerprint", "submit_ts"),
    Index("ix_orders_submitted", "account_key", "submit_ts"),
)

order_texts = Table(
    "order_texts",
    metadata,
    Column("order_id", Integer, primary_key=True),
    Column("block", Integer, primary_key=True),
    Column("text", Text, nullable=False),
    Column("encoding", String(8), nullable=False),
    Column("parts", Integer, nullable=False),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("order_id", Integer, nullable=False),
    Column("row", Integer, nullable=False),  # position in the order: get-report pages are row ranges
    Column("block", Integer, nullable=False),
    Column("number", String(32), nullable=False),
    Column("status", Integer, nullable=False),
    Column("parts", Integer, nullable=False),
    Column("due_ts", Float),  # when the carrier settles it; NULL once final or never settling
    Column("final_ts", Float),
    Index("ix_messages_order_row", "order_id", "row", unique=True),
    Index(
        "ix_messages_due",
        "due_ts",
        sqlite_where=Column("due_ts").isnot(None),
        postgresql_where=Column("due_ts").isnot(None),
    ),
)

blacklist = Table(
    "blacklist",
    metadata,
    Column("account_key", String(128), primary_key=True),
    Column("number", String(16), primary_key=True),
    Column("added_ts", Float, nullable=False),
)

carrier_rules = Table(
    "carrier_rules",
    metadata,
    Column("number", String(16), primary_key=True),
    Column("outcome", String(16), nullable=False),  # delivered | undelivered | never
)

clock = Table(
    "clock",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("mode", String(8), nullable=False),
    Column("offset", Float, nullable=False),
    Column("frozen_at", Float, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(128), nullable=False),
    Column("order_id", Integer, nullable=False),
    Column("message_id", Integer, nullable=False),
    Column("event", String(16), nullable=False),  # accepted | delivered | undelivered
    Column("url", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | sending | delivered | failed
    Column("attempts", Integer, nullable=False),
    Column("next_ts", Float, nullable=False),  # wall clock
    Column("created_ts", Float, nullable=False),  # sandbox clock
    Index("ix_webhooks_due", "state", "next_ts"),
    Index("ix_webhooks_message", "message_id"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("webhook_id", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at_ts", Float, nullable=False),  # wall clock
    Column("http_status", Integer),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False),
    Index("ix_webhook_attempts_webhook", "webhook_id"),
)

# ---------------------------------------------------------------------------------------------- directory
# Blacklist pages, contacts and groups, custom fields and İYS consents (migration 0002): `accounts.py`,
# `contacts.py`, `consents.py`.

Index("ix_blacklist_added", blacklist.c.account_key, blacklist.c.added_ts)  # get-blacklist: newest first

groups = Table(
    "groups",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(128), nullable=False),
    Column("name", Text, nullable=False),
    Column("parent_id", Integer),  # NULL = top level
    Column("created_ts", Float, nullable=False),
    Index("ix_groups_account", "account_key", "parent_id"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(128), nullable=False),
    Column("name", Text),
    Column("surname", Text),
    Column("email", Text),
    Column("gsm", String(16)),  # "+905XXXXXXXXX"
    Column("created_ts", Float, nullable=False),
    Index("ix_contacts_account", "account_key", "id"),
)

contact_groups = Table(
    "contact_groups",
    metadata,
    Column("contact_id", Integer, primary_key=True),
    Column("group_id", Integer, primary_key=True),
    Index("ix_contact_groups_group", "group_id", "contact_id"),
)

custom_fields = Table(
    "custom_fields",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_key", String(128), nullable=False),
    Column("name", Text, nullable=False),
    Index("ix_custom_fields_account", "account_key"),
)

contact_fields = Table(
    "contact_fields",
    metadata,
    Column("contact_id", Integer, primary_key=True),
    Column("field_id", Integer, primary_key=True),
    Column("value", Text, nullable=False),
)

consents = Table(
    "consents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # insertion order = history order
    Column("account_key", String(128), nullable=False),
    Column("brand_code", String(32), nullable=False),
    Column("recipient", String(320), nullable=False),  # "+905…" or a lower-cased e-mail address
    Column("recipient_type", String(16), nullable=False),  # BIREYSEL | TACIR
    Column("type", String(16), nullable=False),  # MESAJ | EPOSTA | ARAMA
    Column("status", String(8), nullable=False),  # ONAY | RET
    Column("source", String(32)),
    Column("consent_date", String(19)),  # as sent, YYYY-MM-DD HH:MM:SS (optional for TACIR)
    Column("consent_ts", Float, nullable=False),  # consent_date as epoch seconds, else the time it was stored
    Column("created_ts", Float, nullable=False),
    Index("ix_consents_key", "account_key", "brand_code", "recipient", "recipient_type", "type", "id"),
)

iys_state = Table(
    "iys_state",
    metadata,
    Column("account_key", String(128), primary_key=True),
    Column("used", Integer, nullable=False),  # consent records accepted against the quota (405)
    Column("strict", Boolean, nullable=False),  # national İYS rules (OQ-19)
    Column("quirks", Boolean, nullable=False),  # consent/show's `consent: []` (OQ-18)
)

# ------------------------------------------------------------------------------------- request journal
# Every /v1 call, accepted or refused (`sandbox/journal.py`, `store/journal_rows.py`, migration 0005). A row
# is a batch of calls written together; `meta.journal_last_id` counts the entry ids handed out.

journal = Table(
    "journal",
    metadata,
    Column("first_id", Integer, primary_key=True, autoincrement=False),  # id of the batch's first entry
    Column("count", Integer, nullable=False),  # entries in the batch: ids first_id .. first_id + count - 1
    Column("entries", Text, nullable=False),  # JSON array of entries, oldest first
)
