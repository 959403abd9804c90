"""The queries behind /customers and the customer 360 view, and the order page's dry run."""
from decimal import Decimal

from sqlalchemy import select

from model.actions import (
    add_case_message, create_case, create_customer, fulfill, preview, return_items, set_case_status,
)
from model.entities import CreditMemo, OrderSummary
from model.queries.customers import (
    activity_by_month, case_history, customer_kpis, load_customer, order_history, search_customers,
)
from tests.unit.order_fixtures import line_ids, make_order

D = Decimal


def _second_customer(Session, users):  # noqa: N803
    with Session.begin() as s:
        return create_customer(s, name="Grace Hopper", email="grace@navy.example", actor=users["agent"],
                               phones=["+1 (555) 123-4567"], other_emails=["amazing.grace@example.org"]).id


def test_search_by_name_any_email_phone_order_and_case_number(Session, users, catalog, customer_id):
    grace = _second_customer(Session, users)
    order_id = make_order(Session, users["agent"], grace)
    with Session.begin() as s:
        number = s.get(OrderSummary, order_id).number
        case_number = create_case(s, subject="Where is it?", actor=users["agent"], customer_id=customer_id).number
    with Session() as s:
        ids = lambda text: [r["id"] for r in search_customers(s, text).rows]  # noqa: E731
        assert ids("hopper") == [grace] and ids("ADA") == [customer_id]
        assert ids("amazing.grace@") == [grace] and ids("ada@example.com") == [customer_id]
        assert ids("555 123 4567") == [grace] and ids("5551234567") == [grace]
        assert ids(number.lower()) == [grace] and ids(case_number) == [customer_id]
        assert ids("") == [] and ids("nobody-like-this") == [] and ids("100%_") == []
        row = search_customers(s, "grace").rows[0]
        assert row["email"] == "grace@navy.example" and row["currency"] == "USD"


def test_search_caps_results_and_says_there_are_more(Session, users):
    with Session.begin() as s:
        for i in range(5):
            create_customer(s, name=f"Same Name {i}", email=f"same{i}@example.com", actor=users["agent"])
    with Session() as s:
        result = search_customers(s, "same name", limit=3)
    assert len(result.rows) == 3 and result.more


def test_kpis_history_and_activity(Session, users, catalog, customer_id):
    agent = users["agent"]
    shipped = make_order(Session, agent, customer_id, ship=True)
    make_order(Session, agent, customer_id)
    a, _b = line_ids(Session, shipped)
    with Session.begin() as s:
        return_items(s, shipped, {a: 1}, actor=agent, reason="damaged")
        case = create_case(s, subject="Broken mug", actor=agent, customer_id=customer_id, order_id=shipped)
        add_case_message(s, case.id, body="It arrived broken", kind="customer", actor=agent)
        closed = create_case(s, subject="Old question", actor=agent, customer_id=customer_id)
        set_case_status(s, closed.id, "closed", actor=agent)
    with Session() as s:
        customer = load_customer(s, customer_id)
        kpis = customer_kpis(s, customer)
        orders = order_history(s, customer_id)
        cases = case_history(s, customer_id)
        activity = activity_by_month(s, customer)
    # 81.60 placed twice, minus the 16.20 return on the shipped one
    assert kpis.lifetime_value == D("147.00")
    assert kpis.orders == 2 and kpis.items_returned == 1 and kpis.items_fulfilled == 3
    assert kpis.refunds_total == D("16.20") and kpis.open_cases == 1 and kpis.last_contact is not None
    assert round(kpis.return_rate, 3) == 0.333
    assert len(orders) == 2 and {o["status"] for o in orders} == {"fulfilled", "created"}
    assert [c["subject"] for c in cases] == ["Old question", "Broken mug"]
    assert cases[1]["order_number"] is not None
    assert sum(m["orders"] for m in activity) == 2 and sum(m["refunds"] for m in activity) == D("16.20")


def test_load_customer_unknown_or_garbage_is_none(Session, users, customer_id):
    with Session() as s:
        assert load_customer(s, 424242) is None and load_customer(s, "x; drop") is None
        assert load_customer(s, str(customer_id)).emails[0].email == "ada@example.com"


def test_dry_run_equals_the_real_return(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        seen = preview(return_items, s, order_id, {a: 1, b: 1}, actor=agent, reason="damaged")
    with Session.begin() as s:
        memo = return_items(s, order_id, {a: 1, b: 1}, actor=agent, reason="damaged")
        order = s.get(OrderSummary, order_id)
        assert seen.ok and seen.refund == memo.amount == D("59.40")
        assert seen.totals["grand_total"] == order.grand_total
    with Session() as s:
        assert len(s.scalars(select(CreditMemo)).all()) == 1
