"""Analytics rollups, kept by the action services in the same transaction."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..money import ZERO
from .base import Base


class OrderRollup(Base):
    """Per day × kind × reason × category × channel × currency.

    kind: placed, fulfilled, cancel, discount, return, rma, shipping_credit.
    `events` counts orders (placed, fulfilled) or change orders; `units` the
    units; `amount` the money: grand total placed, captured, released or refunded.
    `refunded` is the part of `amount` that went back to the customer.
    """

    __tablename__ = "order_rollups"
    __table_args__ = (UniqueConstraint("day", "kind", "reason", "category", "channel", "currency",
                                       name="uq_order_rollups_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    channel: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    events: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)
