"""place_order, allocate, fulfill, report_lost on SQLite and PostgreSQL."""
from decimal import Decimal

import pytest

from model.actions import ActionError, allocate, fulfill, place_order, report_lost
from model.entities import OrderSummary

D = Decimal


@pytest.fixture
def order_id(Session, users, catalog, customer_id):
    with Session.begin() as s:
        order = place_order(s, customer_id=customer_id, lines=[("A", 2, D("15.00")), ("B", 1, D("40.00"))],
                            tax_rate=D("0.08"), shipping=D("6.00"), actor=users["agent"])
        return order.id


def test_place_order_totals_and_authorization(Session, order_id):
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        assert (order.subtotal, order.tax, order.shipping, order.grand_total) == (D("70.00"), D("5.60"), D("6.00"), D("81.60"))
        assert order.payment.authorized == D("81.60") and order.payment.captured == 0
        assert order.number.startswith("SO-") and order.status == "created"


def test_fulfill_captures_lines_and_shipping_once(Session, order_id, users):
    with Session.begin() as s:
        a, b = s.get(OrderSummary, order_id).lines
        fulfill(s, order_id, {a.id: 1}, actor=users["agent"])
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        assert order.payment.captured == D("16.20") + D("6.00")
        assert order.status == "partially_fulfilled"
    with Session.begin() as s:
        fulfill(s, order_id, actor=users["agent"])
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        assert order.payment.captured == D("81.60") == order.payment.authorized
        assert order.status == "fulfilled"
        assert all(f.status == "fulfilled" for f in order.fulfillment_orders)


def test_allocate_then_partial_fulfill_splits_the_fulfillment_order(Session, order_id, users):
    with Session.begin() as s:
        a, b = s.get(OrderSummary, order_id).lines
        allocate(s, order_id, actor=users["agent"])
        fulfill(s, order_id, {a.id: 1}, actor=users["agent"])
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        statuses = sorted(f.status for f in order.fulfillment_orders)
        assert statuses == ["allocated", "fulfilled"]
        a = order.lines[0]
        assert (a.allocated, a.fulfilled) == (1, 1)


def test_refusals_leave_database_unchanged(Session, order_id, users, customer_id):
    bad_calls = [
        lambda s: place_order(s, customer_id=customer_id, lines=[("NOPE", 1, D("1"))], tax_rate=D("0.1"),
                              shipping=D("0"), actor=users["agent"]),
        lambda s: place_order(s, customer_id=customer_id, lines=[("A", 0, D("1"))], tax_rate=D("0.1"),
                              shipping=D("0"), actor=users["agent"]),
        lambda s: place_order(s, customer_id=customer_id, lines=[("A", 1, D("1.001"))], tax_rate=D("0.1"),
                              shipping=D("0"), actor=users["agent"]),
        lambda s: place_order(s, customer_id=customer_id, lines=[("A", 1, D("1"))], tax_rate=D("0.1"),
                              shipping=D("0"), currency="XXX", actor=users["agent"]),
        lambda s: place_order(s, customer_id=999, lines=[("A", 1, D("1"))], tax_rate=D("0.1"),
                              shipping=D("0"), actor=users["agent"]),
        lambda s: allocate(s, order_id, {999: 1}, actor=users["agent"]),
        lambda s: allocate(s, order_id, {s.get(OrderSummary, order_id).lines[0].id: 5}, actor=users["agent"]),
        lambda s: fulfill(s, order_id, {s.get(OrderSummary, order_id).lines[0].id: -1}, actor=users["agent"]),
        lambda s: report_lost(s, 12345, actor=users["agent"], reason="lost_in_transit"),
    ]
    from tests.unit.helpers import digest
    before = digest(Session)
    for call in bad_calls:
        with pytest.raises(ActionError):
            with Session.begin() as s:
                call(s)
    assert digest(Session) == before


def test_report_lost_only_after_shipping(Session, order_id, users):
    with Session.begin() as s:
        fo = allocate(s, order_id, actor=users["agent"])
        fo_id = fo.id
    with pytest.raises(ActionError, match="left the warehouse"):
        with Session.begin() as s:
            report_lost(s, fo_id, actor=users["agent"], reason="lost_in_transit")
    with Session.begin() as s:
        fulfill(s, order_id, actor=users["agent"])
        report_lost(s, fo_id, actor=users["agent"], reason="lost_in_transit")
    with Session() as s:
        assert s.get(OrderSummary, order_id).fulfillment_orders[0].status == "lost"
    with pytest.raises(ActionError, match="reason"):
        with Session.begin() as s:
            report_lost(s, fo_id, actor=users["agent"], reason="aliens")
