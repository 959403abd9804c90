"""place_order: an order summary with its lines, authorized for the grand total."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import (
    Channel, Customer, OrderItemSummary, OrderPaymentSummary, OrderSummary, Product, User, utcnow,
)
from ..money import round_money
from ._common import ActionError, add_rollup, assign_number, record, require_actor
from .customers import CURRENCIES


def _amount(value, what: str, currency: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ActionError(f"{value!r} is not an amount for the {what}.") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e9"):
        raise ActionError(f"The {what} must be a non-negative amount.")
    if round_money(amount, currency) != amount:
        raise ActionError(f"The {what} has more decimals than {currency} allows.")
    return amount


def place_order(s: Session, *, customer_id: int, lines, tax_rate, shipping, currency: str = "USD",
                channel: str = "web", actor: User, placed_at=None, pickup_store: str | None = None,
                method: str = "card") -> OrderSummary:
    """lines: [(sku, qty, unit_price)]; authorizes the grand total."""
    require_actor(actor)
    if currency not in CURRENCIES:
        raise ActionError(f"Choose a currency: {', '.join(CURRENCIES)}.")
    if channel not in {c.value for c in Channel}:
        raise ActionError(f"Choose a channel: {', '.join(c.value for c in Channel)}.")
    customer = s.get(Customer, customer_id) if isinstance(customer_id, int) else None
    if customer is None:
        raise ActionError(f"Customer {customer_id} does not exist.")
    try:
        rate = Decimal(str(tax_rate))
    except InvalidOperation:
        raise ActionError(f"{tax_rate!r} is not a tax rate.") from None
    if not rate.is_finite() or rate < 0 or rate >= 1:
        raise ActionError("The tax rate is a fraction between 0 and 1, like 0.08.")
    shipping_amount = _amount(shipping, "shipping charge", currency)
    if not lines:
        raise ActionError("An order needs at least one line.")
    order = OrderSummary(customer_id=customer.id, channel=channel, currency=currency,
                         placed_at=placed_at or utcnow(), ship_to_name=customer.name,
                         pickup_store=pickup_store, shipping_charged=shipping_amount,
                         shipping_captured=Decimal(0), shipping_released=Decimal(0),
                         shipping_refunded=Decimal(0), fees=Decimal(0))
    for entry in lines:
        try:
            sku, qty, unit_price = entry
        except (TypeError, ValueError):
            raise ActionError("Each line is (sku, quantity, unit price).") from None
        if isinstance(qty, bool) or not isinstance(qty, int) or qty <= 0:
            raise ActionError(f"Enter a quantity of at least 1 for {sku}.")
        product = s.execute(select(Product).where(Product.sku == sku)).scalar_one_or_none()
        if product is None:
            raise ActionError(f"There is no product with SKU {sku}.")
        price = _amount(unit_price, f"price of {sku}", currency)
        line = OrderItemSummary(product_id=product.id, sku=product.sku, name=product.name,
                                category=product.category, unit_price=price, tax_rate=rate,
                                ordered=qty, canceled=0, allocated=0, fulfilled=0,
                                return_initiated=0, returned=0, discount=Decimal(0),
                                captured=Decimal(0), refunded=Decimal(0))
        order.lines.append(line)
    for line in order.lines:
        line.order = order
        line.recompute_tax()
    order.recompute_totals()
    order.original_subtotal, order.original_tax = order.subtotal, order.tax
    order.original_shipping, order.original_grand_total = order.shipping, order.grand_total
    order.payment = OrderPaymentSummary(method=method, authorized=order.grand_total,
                                        captured=Decimal(0), refunded=Decimal(0))
    assign_number(s, order, "order")
    day = order.placed_at.date()
    for line in order.lines:
        add_rollup(s, day=day, kind="placed", channel=channel, currency=currency, category=line.category,
                   events=1 if line is order.lines[0] else 0, units=line.ordered, amount=line.total)
    if shipping_amount:
        add_rollup(s, day=day, kind="placed", channel=channel, currency=currency, amount=shipping_amount)
    record(s, actor, "order.place", order=order, before=Decimal(0), after=order.grand_total)
    return order
