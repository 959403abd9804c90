"""Saved queue views (a person's named filter) and the queue's extra sort indexes."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow
from .cases import Case


class SavedView(Base):
    """A queue filter someone named; `query` is the queue URL's query string (no leading '?')."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# Every queue column is sortable: a single-column index per sort column keeps an
# unfiltered sort off a full scan (PITFALLS: speed). The others are in cases.py.
Index("ix_cases_subject", Case.__table__.c.subject)
Index("ix_cases_last_message_at", Case.__table__.c.last_message_at)
