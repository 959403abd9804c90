"""Join the queue sort, analytics and security branches (written in parallel off 0002).

Revision ID: 0006_merge
Revises: 0003_queue_sort, 0004_analytics, 0005_security
"""
from __future__ import annotations

revision = "0006_merge"
down_revision = ("0003_queue_sort", "0004_analytics", "0005_security")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: this revision only makes the history one line again."""


def downgrade() -> None:
    """Nothing to undo."""
