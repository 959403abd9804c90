"""One row per thing a person (or the system) did."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_order", "order_id", "id"),
                      Index("ix_audit_events_case", "case_id", "id"),
                      Index("ix_audit_events_customer", "customer_id", "id"),
                      # The admin page's audit list filters by actor, by action and by time.
                      Index("ix_audit_events_actor", "actor_id", "id"),
                      Index("ix_audit_events_action", "action", "id"),
                      Index("ix_audit_events_at", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(48))
    order_id: Mapped[int | None]
    case_id: Mapped[int | None]
    customer_id: Mapped[int | None]
    before_amount: Mapped[Decimal | None]
    after_amount: Mapped[Decimal | None]
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
