"""Return orders and their lines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, ReturnOrderStatus, enum_values, utcnow
from .summary import OrderItemSummary, OrderSummary


class ReturnOrder(Base):
    __tablename__ = "return_orders"
    __table_args__ = (CheckConstraint(f"status IN ({enum_values(ReturnOrderStatus)})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ReturnOrderStatus.SUBMITTED)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    condition: Mapped[str | None] = mapped_column(String(24))
    change_order_id: Mapped[int | None] = mapped_column(ForeignKey("change_orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    order: Mapped[OrderSummary] = relationship(back_populates="return_orders")
    lines: Mapped[list["ReturnOrderLine"]] = relationship(
        back_populates="return_order", order_by="ReturnOrderLine.id", cascade="all, delete-orphan")


class ReturnOrderLine(Base):
    __tablename__ = "return_order_lines"
    __table_args__ = (CheckConstraint("expected > 0 AND received >= 0 AND received <= expected",
                                      name="received_within_expected"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_order_id: Mapped[int] = mapped_column(ForeignKey("return_orders.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_item_summaries.id"), index=True)
    expected: Mapped[int]
    received: Mapped[int] = mapped_column(default=0)

    return_order: Mapped[ReturnOrder] = relationship(back_populates="lines")
    line: Mapped[OrderItemSummary] = relationship()
