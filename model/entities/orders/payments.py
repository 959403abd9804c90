"""The payment summary of an order."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...money import ZERO
from ..base import Base
from .summary import OrderSummary


class OrderPaymentSummary(Base):
    __tablename__ = "order_payment_summaries"
    __table_args__ = (
        CheckConstraint("refunded >= 0 AND refunded <= captured AND captured <= authorized",
                        name="payment_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(32), default="card")
    authorized: Mapped[Decimal] = mapped_column(default=ZERO)
    captured: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)

    order: Mapped[OrderSummary] = relationship(back_populates="payment")
