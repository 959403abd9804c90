"""Order summaries and their lines (Salesforce OM names)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...money import ZERO, discount_share, line_tax
from ..base import Base, Channel, OrderStatus, Rate, enum_values, utcnow


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
