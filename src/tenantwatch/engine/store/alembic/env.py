"""Alembic environment: always run programmatically by store.db.migrate on a given connection."""

from alembic import context

from tenantwatch.engine.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
