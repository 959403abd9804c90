"""Money actions waiting for a manager, and idempotency keys of actions."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import ApprovalStatus, Base, enum_values, utcnow
from .summary import OrderSummary


class PendingApproval(Base):
    """A money action waiting for a manager (DESIGN: Approval)."""

    __tablename__ = "pending_approvals"
    __table_args__ = (CheckConstraint(f"status IN ({enum_values(ApprovalStatus)})", name="status"),
                      Index("ix_pending_approvals_order_status", "order_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(32))
    arguments: Mapped[str] = mapped_column(Text)  # JSON of the action's arguments
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.PENDING, index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    result_type: Mapped[str | None] = mapped_column(String(32))
    result_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    order: Mapped[OrderSummary] = relationship()


class IdempotencyKey(Base):
    """First result of an action run with a key; unique across the database."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    action: Mapped[str] = mapped_column(String(32))
    arguments_digest: Mapped[str] = mapped_column(String(64))
    result_type: Mapped[str | None] = mapped_column(String(32))
    result_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
