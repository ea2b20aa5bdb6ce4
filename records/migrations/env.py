"""Alembic environment: runs on the engine handed over in config.attributes (see records.db)."""

from alembic import context

from records.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # invoked by the alembic CLI: use the configured database
    from records.db import make_engine

    engine = make_engine()

with engine.connect() as connection:
    if connection.dialect.name == "postgresql":  # a migration may take longer than one call's bound
        connection.exec_driver_sql("SET statement_timeout = 0")
        connection.exec_driver_sql("SET lock_timeout = 0")
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
