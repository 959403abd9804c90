"""Alembic environment: the models' metadata, batch mode on SQLite."""
from alembic import context

from model.db import get_engine
from model.entities import Base

config = context.config
target_metadata = Base.metadata


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    with get_engine().connect() as conn:
        run(conn)
        conn.commit()
