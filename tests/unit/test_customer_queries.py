"""The queries behind /customers and the customer 360 view, and the order page's dry run."""
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from model import demo
from model.actions import (
    add_case_message, create_case, create_customer, preview, return_items, set_case_status,
)
from model.entities import CreditMemo, Customer, OrderSummary
from model.queries.customers import (
    GridRequestError, activity_by_month, case_history, customer_kpis, load_customer, order_history,
    search_customers,
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


def test_search_answers_blocks_sorted_on_the_server_and_counts_only_at_the_end(Session, users):
    with Session.begin() as s:
        for i in (3, 1, 4, 0, 2):
            create_customer(s, name=f"Same Name {i}", email=f"same{4 - i}@example.com", actor=users["agent"])
    with Session() as s:
        first = search_customers(s, "same name", start_row=0, end_row=3)
        rest = search_customers(s, "same name", start_row=3, end_row=6)
        by_email = search_customers(s, "same", sort_model=[{"colId": "email", "sort": "desc"}])
        for bad in ([{"colId": "memo", "sort": "asc"}], [{"colId": "name", "sort": "sideways"}], "name"):
            with pytest.raises(GridRequestError):
                search_customers(s, "same", sort_model=bad)
        with pytest.raises(GridRequestError):
            search_customers(s, "same", start_row=5, end_row=5)
    assert [r["name"] for r in first.rows] == ["Same Name 0", "Same Name 1", "Same Name 2"]
    assert first.total is None  # more may follow: not counted
    assert [r["name"] for r in rest.rows] == ["Same Name 3", "Same Name 4"] and rest.total == 5
    assert [r["email"] for r in by_email.rows] == [f"same{i}@example.com" for i in (4, 3, 2, 1, 0)]


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
    assert orders.total == 2 and {o["status"] for o in orders.rows} == {"fulfilled", "created"}
    assert kpis.cases == 2 and cases.total == 2
    assert [c["subject"] for c in cases.rows] == ["Old question", "Broken mug"]
    assert cases.rows[1]["order_number"] is not None
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


def test_histories_page_and_sort_on_the_server(Session, users, catalog, customer_id):
    agent = users["agent"]
    orders = [make_order(Session, agent, customer_id, lines=(("A", n, "15.00"),)) for n in (3, 1, 2)]
    with Session.begin() as s:
        for n, subject in enumerate(("Beta", "Alpha", "Gamma")):
            create_case(s, subject=subject, actor=agent, customer_id=customer_id,
                        order_id=orders[n] if n else None)
    with Session() as s:
        numbers = [s.get(OrderSummary, o).number for o in orders]
        newest = order_history(s, customer_id, start_row=0, end_row=2)
        oldest_last = order_history(s, customer_id, start_row=2, end_row=4)
        by_total = order_history(s, customer_id, sort_model=[{"colId": "total", "sort": "asc"}])
        by_subject = case_history(s, customer_id, sort_model=[{"colId": "subject", "sort": "asc"}])
        by_order = case_history(s, customer_id, sort_model=[{"colId": "order", "sort": "desc"}])
        with pytest.raises(GridRequestError):
            order_history(s, customer_id, sort_model=[{"colId": "customer_id; drop table", "sort": "asc"}])
    assert [r["number"] for r in newest.rows + oldest_last.rows] == numbers[::-1] and newest.total == 3
    assert [r["number"] for r in by_total.rows] == [numbers[1], numbers[2], numbers[0]]
    assert [r["subject"] for r in by_subject.rows] == ["Alpha", "Beta", "Gamma"]
    assert [r["order_number"] for r in by_order.rows][:2] == [numbers[2], numbers[1]]


def test_activity_counts_the_whole_history_by_month(Session, users, catalog, customer_id):
    agent = users["agent"]
    orders = [make_order(Session, agent, customer_id, ship=True) for _ in range(3)]
    a, _b = line_ids(Session, orders[0])
    with Session.begin() as s:
        for order_id, placed in zip(orders, ("2025-01-31T23:30:00+00:00", "2025-02-01T00:30:00+00:00",
                                             "2025-02-15T12:00:00+00:00")):
            s.execute(update(OrderSummary).where(OrderSummary.id == order_id)
                      .values(placed_at=datetime.fromisoformat(placed)))
        return_items(s, orders[0], {a: 1}, actor=agent, reason="damaged")
    with Session() as s:
        activity = activity_by_month(s, load_customer(s, customer_id))
    refund_month = datetime.now(timezone.utc).strftime("%Y-%m")
    assert {m["month"]: m["orders"] for m in activity if m["orders"]} == {"2025-01": 1, "2025-02": 2}
    assert {m["month"]: m["refunds"] for m in activity if m["refunds"]} == {refund_month: D("16.20")}


# --- Japanese customers of the demo: search and sort on both databases ------------------------
@pytest.fixture
def demo_customers(database_url):
    demo.generate(database_url, seed=1, customers=300, orders=300, cases=30)
    return database_url


def test_given_the_demos_japanese_customers_then_a_name_fragment_finds_them_and_they_sort_by_code_point(
        Session, demo_customers):
    with Session() as s:
        japanese = s.scalars(select(Customer.name).where(Customer.language == "ja")).all()
        surname = max({name.split(" ")[0] for name in japanese},
                      key=lambda n: sum(x.startswith(n + " ") for x in japanese))
        given = next(name for name in japanese if name.startswith(surname + " ")).split(" ")[1]
        expected = sorted(name for name in japanese if surname in name)
        found = search_customers(s, surname, end_row=500)
        descending = search_customers(s, surname, sort_model=[{"colId": "name", "sort": "desc"}])
        no_space = search_customers(s, surname + given)         # typed without the space
        ideographic = search_customers(s, f"{surname}\u3000{given}")  # typed with a full-width space
        all_ja = search_customers(s, "", end_row=10)
        pages = [search_customers(s, "ja", start_row=start, end_row=start + 7,
                                  sort_model=[{"colId": "language", "sort": "asc"},
                                              {"colId": "name", "sort": "asc"}]) for start in range(0, 21, 7)]
    assert len(expected) >= 2
    assert [r["name"] for r in found.rows] == expected and found.total == len(expected)
    assert [r["name"] for r in descending.rows] == expected[::-1]
    assert f"{surname} {given}" in [r["name"] for r in no_space.rows]
    assert [r["name"] for r in ideographic.rows] == [r["name"] for r in no_space.rows]
    assert all_ja.rows == []
    # Blocks of a sorted search join up without gaps or repeats, whatever block the grid asks for.
    joined = [r["id"] for page in pages for r in page.rows]
    assert len(joined) == len(set(joined))


def test_a_japanese_name_typed_in_full_width_or_half_width_forms_is_found(Session, users):
    with Session.begin() as s:
        kana = create_customer(s, name="ヤマダ タロウ", email="yamada@example.jp", actor=users["agent"]).id
        latin = create_customer(s, name="Suzuki Ichiro", email="ichiro@example.jp", actor=users["agent"]).id
    with Session() as s:
        ids = lambda text: [r["id"] for r in search_customers(s, text).rows]  # noqa: E731
        assert ids("ﾔﾏﾀﾞ") == [kana]           # half-width katakana
        assert ids("ＳＵＺＵＫＩ") == [latin]   # full-width Latin letters
        assert ids("ｉｃｈｉｒｏ＠") == [latin]  # an email typed with a Japanese IME


def test_one_latin_letter_is_too_short_to_search_but_one_kanji_is_a_surname(Session, users):
    with Session.begin() as s:
        hayashi = create_customer(s, name="林 大輔", email="daisuke@example.jp", actor=users["agent"]).id
        create_customer(s, name="Ana Alba", email="ana@example.es", actor=users["agent"])
    with Session() as s:
        assert search_customers(s, "a").rows == [] and search_customers(s, "a").total == 0
        assert [r["id"] for r in search_customers(s, "林").rows] == [hayashi]
        assert [r["name"] for r in search_customers(s, "an").rows] == ["Ana Alba"]
        assert [r["name"] for r in search_customers(s, "ALBA").rows] == ["Ana Alba"]  # any case, both databases
        assert [r["name"] for r in search_customers(s, "álba").rows] == []  # accents are letters of their own
