"""Change orders (what happened to an order's money) and the credit memos refunding them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ...money import ZERO
from ..base import Base, ChangeKind, enum_values, utcnow
from .summary import OrderItemSummary, OrderSummary


class ChangeOrder(Base):
    __tablename__ = "change_orders"
    __table_args__ = (CheckConstraint(f"kind IN ({enum_values(ChangeKind)})", name="kind"),
                      Index("ix_change_orders_kind_created", "kind", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Change of the order's grand total (positive: the order got smaller).
    amount: Mapped[Decimal] = mapped_column(default=ZERO)
    # Authorization released (money never captured) and money refunded.
    released: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[OrderSummary] = relationship(back_populates="change_orders")

    @validates("kind", "reason", "amount", "released", "refunded")
    def _recorded_once(self, key, value):
        """A change order is a record of what happened: once written it never changes."""
        if self.id is not None and getattr(self, key) is not None and getattr(self, key) != value:
            raise ValueError(f"A change order's {key} can't be changed once recorded.")
        return value

    lines: Mapped[list["ChangeOrderLine"]] = relationship(
        back_populates="change_order", order_by="ChangeOrderLine.id", cascade="all, delete-orphan")


class ChangeOrderLine(Base):
    __tablename__ = "change_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_order_id: Mapped[int] = mapped_column(ForeignKey("change_orders.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("order_item_summaries.id"), index=True)
    quantity: Mapped[int] = mapped_column(default=0)
    subtotal_change: Mapped[Decimal] = mapped_column(default=ZERO)
    discount_change: Mapped[Decimal] = mapped_column(default=ZERO)
    tax_change: Mapped[Decimal] = mapped_column(default=ZERO)
    shipping_change: Mapped[Decimal] = mapped_column(default=ZERO)
    # Change of the line's net + tax (positive: the line got smaller).
    amount: Mapped[Decimal] = mapped_column(default=ZERO)
    # Captured money this line gave back (before fees); on the shipping/fee row (no line_id):
    # shipping refunded − fees. Σ over a change order == its refunded (analytics drilldowns).
    # None only on rows written before migration 0004 whose history could not be replayed.
    refunded: Mapped[Decimal | None]

    change_order: Mapped[ChangeOrder] = relationship(back_populates="lines")
    line: Mapped[OrderItemSummary | None] = relationship()


class CreditMemo(Base):
    __tablename__ = "credit_memos"
    __table_args__ = (CheckConstraint("amount > 0 AND fees >= 0", name="amount_positive"),
                      Index("ix_credit_memos_created", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), index=True)
    change_order_id: Mapped[int] = mapped_column(ForeignKey("change_orders.id"), index=True)
    # Money refunded to the customer (after fees).
    amount: Mapped[Decimal]
    fees: Mapped[Decimal] = mapped_column(default=ZERO)
    refund_reference: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    order: Mapped[OrderSummary] = relationship(back_populates="credit_memos")
    change_order: Mapped[ChangeOrder] = relationship()
