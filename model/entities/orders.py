"""Order summaries and everything that happens to them (Salesforce OM names)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..money import ZERO, discount_share, line_tax, round_money
from .base import (
    ApprovalStatus, Base, Channel, ChangeKind, FulfillmentStatus, OrderStatus, Rate,
    ReturnOrderStatus, enum_values, utcnow,
)


class OrderSummary(Base):
    __tablename__ = "order_summaries"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(OrderStatus)})", name="status"),
        CheckConstraint(f"channel IN ({enum_values(Channel)})", name="channel"),
        CheckConstraint("shipping_charged >= 0 AND shipping_released >= 0 AND shipping_refunded >= 0"
                        " AND shipping_captured >= 0 AND fees >= 0", name="shipping_non_negative"),
        CheckConstraint("shipping_released + shipping_refunded <= shipping_charged", name="shipping_bounds"),
        Index("ix_order_summaries_customer_placed", "customer_id", "placed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(16), default=Channel.WEB)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(24), default=OrderStatus.CREATED, index=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ship_to_name: Mapped[str | None] = mapped_column(String(200))
    ship_to_address: Mapped[str | None] = mapped_column(Text)
    pickup_store: Mapped[str | None] = mapped_column(String(80))

    # Current totals (net of cancellations, returns and discounts); kept by recompute_totals().
    subtotal: Mapped[Decimal] = mapped_column(default=ZERO)
    discounts: Mapped[Decimal] = mapped_column(default=ZERO)
    tax: Mapped[Decimal] = mapped_column(default=ZERO)
    shipping: Mapped[Decimal] = mapped_column(default=ZERO)
    grand_total: Mapped[Decimal] = mapped_column(default=ZERO)
    # Totals at placement.
    original_subtotal: Mapped[Decimal] = mapped_column(default=ZERO)
    original_tax: Mapped[Decimal] = mapped_column(default=ZERO)
    original_shipping: Mapped[Decimal] = mapped_column(default=ZERO)
    original_grand_total: Mapped[Decimal] = mapped_column(default=ZERO)
    # Shipping charge: released before capture, refunded after capture.
    shipping_charged: Mapped[Decimal] = mapped_column(default=ZERO)
    shipping_captured: Mapped[Decimal] = mapped_column(default=ZERO)
    shipping_released: Mapped[Decimal] = mapped_column(default=ZERO)
    shipping_refunded: Mapped[Decimal] = mapped_column(default=ZERO)
    # Fees kept from refunds (restocking, return shipping), charged to the customer.
    fees: Mapped[Decimal] = mapped_column(default=ZERO)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    customer = relationship("Customer")
    lines: Mapped[list["OrderItemSummary"]] = relationship(
        back_populates="order", order_by="OrderItemSummary.id", cascade="all, delete-orphan")
    payment: Mapped["OrderPaymentSummary"] = relationship(
        back_populates="order", uselist=False, cascade="all, delete-orphan")
    fulfillment_orders: Mapped[list["FulfillmentOrder"]] = relationship(
        back_populates="order", order_by="FulfillmentOrder.id", cascade="all, delete-orphan")
    change_orders: Mapped[list["ChangeOrder"]] = relationship(
        back_populates="order", order_by="ChangeOrder.id", cascade="all, delete-orphan")
    credit_memos: Mapped[list["CreditMemo"]] = relationship(
        back_populates="order", order_by="CreditMemo.id", cascade="all, delete-orphan")
    return_orders: Mapped[list["ReturnOrder"]] = relationship(
        back_populates="order", order_by="ReturnOrder.id", cascade="all, delete-orphan")

    @property
    def balance(self) -> Decimal:
        """What the customer still owes: grand total minus what was paid and kept."""
        return self.grand_total - (self.payment.captured - self.payment.refunded)

    @property
    def shipping_outstanding(self) -> Decimal:
        """Shipping charge still to capture."""
        return self.shipping_charged - self.shipping_released - self.shipping_captured

    def line(self, line_id: int) -> "OrderItemSummary | None":
        return next((ln for ln in self.lines if ln.id == line_id), None)

    def recompute_totals(self) -> None:
        """Totals from the lines (DESIGN: Totals); the only place they are set."""
        self.subtotal = sum((ln.subtotal for ln in self.lines), ZERO)
        self.discounts = sum((ln.discount for ln in self.lines), ZERO)
        self.tax = sum((ln.tax for ln in self.lines), ZERO)
        self.shipping = self.shipping_charged - self.shipping_released - self.shipping_refunded
        self.grand_total = self.subtotal - self.discounts + self.tax + self.shipping + self.fees
        self.status = self.derive_status()

    def derive_status(self) -> str:
        ordered = sum(ln.ordered for ln in self.lines)
        canceled = sum(ln.canceled for ln in self.lines)
        fulfilled = sum(ln.fulfilled for ln in self.lines)
        returned = sum(ln.returned for ln in self.lines)
        allocated = sum(ln.allocated for ln in self.lines)
        if ordered and canceled == ordered:
            return OrderStatus.CANCELED
        if fulfilled and returned == fulfilled and canceled + fulfilled == ordered:
            return OrderStatus.RETURNED
        if fulfilled and canceled + fulfilled == ordered:
            return OrderStatus.FULFILLED
        if fulfilled:
            return OrderStatus.PARTIALLY_FULFILLED
        if allocated:
            return OrderStatus.ALLOCATED
        return OrderStatus.CREATED


class OrderItemSummary(Base):
    """An order line with its quantity states and money (DESIGN: OrderItemSummary)."""

    __tablename__ = "order_item_summaries"
    __table_args__ = (
        CheckConstraint("ordered > 0 AND canceled >= 0 AND allocated >= 0 AND fulfilled >= 0"
                        " AND return_initiated >= 0 AND returned >= 0", name="quantities_non_negative"),
        CheckConstraint("canceled + allocated + fulfilled <= ordered", name="quantities_within_ordered"),
        CheckConstraint("returned + return_initiated <= fulfilled", name="returns_within_fulfilled"),
        CheckConstraint("unit_price >= 0 AND discount >= 0 AND tax >= 0", name="money_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order_summaries.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80))
    unit_price: Mapped[Decimal]
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    ordered: Mapped[int]
    canceled: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    fulfilled: Mapped[int] = mapped_column(default=0)
    return_initiated: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    # Remaining discount on the active units, and the line tax as last computed.
    discount: Mapped[Decimal] = mapped_column(default=ZERO)
    tax: Mapped[Decimal] = mapped_column(default=ZERO)
    # Money captured for this line and refunded for it.
    captured: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)

    order: Mapped[OrderSummary] = relationship(back_populates="lines")

    # --- quantities ---------------------------------------------------------
    @property
    def active(self) -> int:
        """Units the customer keeps or will receive."""
        return self.ordered - self.canceled - self.returned

    @property
    def open_quantity(self) -> int:
        """Units neither canceled nor fulfilled (allocated or not)."""
        return self.ordered - self.canceled - self.fulfilled

    @property
    def available_to_cancel(self) -> int:
        return self.ordered - self.canceled - self.allocated - self.fulfilled

    @property
    def available_to_allocate(self) -> int:
        return self.available_to_cancel

    @property
    def available_to_return(self) -> int:
        return self.fulfilled - self.returned - self.return_initiated

    @property
    def available_to_discount(self) -> bool:
        """Seed rule: before allocation or after fulfillment, never in between."""
        return self.allocated == 0 and self.active > 0

    # --- money --------------------------------------------------------------
    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def subtotal(self) -> Decimal:
        return self.unit_price * self.active

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def value(self, units: int, discount: Decimal) -> Decimal:
        """Net + tax of `units` units carrying `discount`."""
        net = self.unit_price * units - discount
        return net + line_tax(net, self.tax_rate, self.currency)

    def share(self, units: int) -> Decimal:
        """Discount carried by the last `units` active units."""
        return discount_share(self.discount, self.active, units, self.currency)

    def captured_target(self) -> Decimal:
        """What should be captured (net of refunds) for the fulfilled, kept units.

        Open units are the last ones: they take their discount share with them.
        Capturing the difference to this target, instead of a per-unit price,
        makes the captures of a line add up to its total to the cent.
        """
        open_units = self.open_quantity
        kept = self.active - open_units
        return self.value(kept, self.discount - self.share(open_units))

    def recompute_tax(self) -> None:
        self.tax = line_tax(self.net, self.tax_rate, self.currency)


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
