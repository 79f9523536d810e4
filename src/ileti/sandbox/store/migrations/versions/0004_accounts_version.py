"""A version number of the accounts and blacklists, kept by the database itself.

Workers sharing a store (PostgreSQL, or `--workers N`) cache accounts and blacklists like a single server does
(`Accounts.cached`), and need to know when another worker has changed one. Triggers add 1 to
`meta.accounts_version` in the same transaction as any insert or delete of an account or a blacklist entry,
and any update of an account column other than the two balances (which change with every order and are never
read from the cache); `SharedReader` reads the number before every request, with the clock and the fault
rules. Being triggers, they also see changes made outside the sandbox's code.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# every column of `accounts` but the balances
# (tests/sandbox/store/test_store.py checks the list against the table)
CACHED_COLUMNS = (
    "key",
    "hash",
    "api_access",
    "allowed_ips",
    "billing",
    "senders",
    "iys_brand_code",
    "iys_active",
    "iys_quota",
    "documents_missing",
    "webhook_url",
    "test_number",
    "created_ts",
)
_BUMP = "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'accounts_version'"
_EVENTS = (
    ("accounts", "INSERT"),
    ("accounts", "DELETE"),
    ("accounts", f"UPDATE OF {', '.join(CACHED_COLUMNS)}"),
    ("blacklist", "INSERT"),
    ("blacklist", "DELETE"),
    ("blacklist", "UPDATE"),
)


def _name(table: str, event: str) -> str:
    return f"ileti_{table}_{event.split()[0].lower()}_version"


def upgrade() -> None:
    op.execute("INSERT INTO meta (name, value) VALUES ('accounts_version', '0')")
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute(
            f"CREATE FUNCTION ileti_bump_accounts_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
    for table, event in _EVENTS:
        if postgres:  # once per statement: a blacklist of 10,000 numbers is one bump
            op.execute(
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION ileti_bump_accounts_version()"
            )
        else:  # SQLite has row triggers only
            op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN {_BUMP}; END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, event in _EVENTS:
        op.execute(f"DROP TRIGGER {_name(table, event)}" + (f" ON {table}" if postgres else ""))
    if postgres:
        op.execute("DROP FUNCTION ileti_bump_accounts_version()")
    op.execute("DELETE FROM meta WHERE name = 'accounts_version'")
