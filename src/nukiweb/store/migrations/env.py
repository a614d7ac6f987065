"""Alembic environment: nukiweb runs migrations on a connection it opens itself."""

from alembic import context

from nukiweb.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
