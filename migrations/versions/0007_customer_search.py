"""Trigram indexes for the customer search on PostgreSQL: name and email infix matches.

The search (model/queries/customer_search.py) asks `name ILIKE '%text%'`, the same on the name
without its spaces (Japanese names typed without the space between family and given name),
and `email LIKE '%text%'`. Without these indexes each is a scan of every customer or email
(300,000 customers: up to seconds); pg_trgm's GIN indexes answer them from the trigrams
of the text. SQLite has no such index: nothing changes there.

Revision ID: 0007_customer_search
Revises: 0006_merge
"""
from __future__ import annotations

from alembic import op

revision = "0007_customer_search"
down_revision = "0006_merge"
branch_labels = None
depends_on = None

INDEXES = {
    "customers_name_trgm": "customers USING gin (name gin_trgm_ops)",
    "customers_name_without_spaces_trgm": "customers USING gin ((replace(name, ' ', '')) gin_trgm_ops)",
    "customer_emails_email_trgm": "customer_emails USING gin (email gin_trgm_ops)",
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, target in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
