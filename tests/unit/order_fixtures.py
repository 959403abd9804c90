"""Builders shared by the order-action tests."""
from decimal import Decimal

from model.actions import create_customer, create_product, fulfill, place_order
from model.entities import OrderSummary

D = Decimal


def make_order(Session, actor, customer_id, lines=(("A", 2, "15.00"), ("B", 1, "40.00")), *,  # noqa: N803
               tax_rate="0.08", shipping="6.00", currency="USD", ship=False) -> int:
    with Session.begin() as s:
        order = place_order(s, customer_id=customer_id, lines=[(sku, q, D(p)) for sku, q, p in lines],
                            tax_rate=D(tax_rate), shipping=D(shipping), currency=currency, actor=actor)
        if ship:
            fulfill(s, order.id, actor=actor)
        return order.id


def line_ids(Session, order_id) -> list[int]:  # noqa: N803
    with Session() as s:
        return [ln.id for ln in s.get(OrderSummary, order_id).lines]


def snapshot(Session, order_id) -> dict:  # noqa: N803
    with Session() as s:
        o = s.get(OrderSummary, order_id)
        return {"subtotal": o.subtotal, "discounts": o.discounts, "tax": o.tax, "shipping": o.shipping,
                "grand_total": o.grand_total, "authorized": o.payment.authorized,
                "captured": o.payment.captured, "refunded": o.payment.refunded, "status": o.status,
                "credit_memos": [m.amount for m in o.credit_memos],
                "change_orders": [(c.kind, c.amount, c.refunded) for c in o.change_orders]}


def make_catalog(s):
    for sku, price in (("A", "15.00"), ("B", "40.00"), ("C", "9.99")):
        create_product(s, sku=sku, name=f"Product {sku}", category=f"cat-{sku.lower()}", price=D(price))


def make_customer(s, actor, name="Ada", email="ada@example.com"):
    return create_customer(s, name=name, email=email, actor=actor).id
