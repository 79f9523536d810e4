"""The request journal: every /v1 call, accepted or refused (`sandbox/journal.py`).

A row holds a batch of calls a worker answered together (a JSON array); `meta.journal_last_id` counts the
entry ids handed out, so ids are consecutive across workers and never reused after entries are pruned or
the journal is emptied.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal",
        sa.Column("first_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("first_id"),
    )
    op.execute("INSERT INTO meta (name, value) VALUES ('journal_last_id', '0')")


def downgrade() -> None:
    op.execute("DELETE FROM meta WHERE name = 'journal_last_id'")
    op.drop_table("journal")
