"""alembic environment for the sandbox store: runs on the connection `db.upgrade` passes in.

There is no alembic.ini: `db.migrate` builds the config in code, so the migrations ship inside the package.
"""

from __future__ import annotations

from alembic import context

from ileti.sandbox.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
