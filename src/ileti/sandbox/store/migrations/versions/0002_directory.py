"""Contacts and groups, custom fields, İYS consents and per-account İYS state, and an index
for get-blacklist pages (newest first).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_blacklist_added", "blacklist", ["account_key", "added_ts"], unique=False)
    op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_groups_account", "groups", ["account_key", "parent_id"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("surname", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("gsm", sa.String(length=16), nullable=True),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_contacts_account", "contacts", ["account_key", "id"], unique=False)
    op.create_table(
        "contact_groups",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", "group_id"),
    )
    op.create_index("ix_contact_groups_group", "contact_groups", ["group_id", "contact_id"], unique=False)
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_custom_fields_account", "custom_fields", ["account_key"], unique=False)
    op.create_table(
        "contact_fields",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", "field_id"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("brand_code", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("recipient_type", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=True),
        sa.Column("consent_date", sa.String(length=19), nullable=True),
        sa.Column("consent_ts", sa.Float(), nullable=False),
        sa.Column("created_ts", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_consents_key",
        "consents",
        ["account_key", "brand_code", "recipient", "recipient_type", "type", "id"],
        unique=False,
    )
    op.create_table(
        "iys_state",
        sa.Column("account_key", sa.String(length=128), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column("strict", sa.Boolean(), nullable=False),
        sa.Column("quirks", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("account_key"),
    )


def downgrade() -> None:
    op.drop_table("iys_state")
    op.drop_index("ix_consents_key", table_name="consents")
    op.drop_table("consents")
    op.drop_table("contact_fields")
    op.drop_index("ix_custom_fields_account", table_name="custom_fields")
    op.drop_table("custom_fields")
    op.drop_index("ix_contact_groups_group", table_name="contact_groups")
    op.drop_table("contact_groups")
    op.drop_index("ix_contacts_account", table_name="contacts")
    op.drop_table("contacts")
    op.drop_index("ix_groups_account", table_name="groups")
    op.drop_table("groups")
    op.drop_index("ix_blacklist_added", table_name="blacklist")
