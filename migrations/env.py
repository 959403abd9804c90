"""Alembic environment: the models' metadata, batch mode on SQLite."""
from alembic import context

from model.db import get_engine
from model.entities import Base

config = context.config
target_metadata = Base.metadata

# Full-text search objects made by raw DDL in 0002_queue_search (not in the
# metadata): SQLite's FTS5 table with its shadow tables, PostgreSQL's tsvector table.
SEARCH_OBJECTS = ("cases_fts", "case_search", "ix_case_search_document")


def include_object(obj, name, type_, reflected, compare_to):
    if reflected and compare_to is None and name and name.startswith(SEARCH_OBJECTS):
        return False
    return True


def run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
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
