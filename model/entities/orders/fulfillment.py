"""Fulfillment orders (shipments and store pickups) and their lines."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base, FulfillmentStatus, enum_values, utcnow
from .summary import OrderItemSummary, OrderSummary


class FulfillmentOrder(Base):
    __tablename__ = "fulfillment_orders"
    __table_args__ = (CheckConstraint(f"status IN ({enum_values(FulfillmentStatus)})", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), index=True)
    location: Mapped[str] = mapped_column(String(80))
    location_type: Mapped[str] = mapped_column(String(16), default="warehouse")  # warehouse | store
    status: Mapped[str] = mapped_column(String(16), default=FulfillmentStatus.ALLOCATED)
    carrier: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    is_reship: Mapped[bool] = mapped_column(default=False)
    reship_of_id: Mapped[int | None] = mapped_column(ForeignKey("fulfillment_orders.id"))
    lost_reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None]

    order: Mapped[OrderSummary] = relationship(back_populates="fulfillment_orders")
    lines: Mapped[list["FulfillmentOrderLine"]] = relationship(
        back_populates="fulfillment_order", order_by="FulfillmentOrderLine.id", cascade="all, delete-orphan")


class FulfillmentOrderLine(Base):
    __tablename__ = "fulfillment_order_lines"
    __table_args__ = (CheckConstraint("quantity > 0 AND reshipped >= 0 AND reshipped <= quantity",
                                      name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfillment_order_id: Mapped[int] = mapped_column(
        ForeignKey("fulfillment_orders.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("order_item_summaries.id"), index=True)
    quantity: Mapped[int]
    # Units of a lost shipment already sent again.
    reshipped: Mapped[int] = mapped_column(default=0)

    fulfillment_order: Mapped[FulfillmentOrder] = relationship(back_populates="lines")
    line: Mapped[OrderItemSummary] = relationship()
