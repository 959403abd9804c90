"""The order summary's Actions panel in a real browser: an agent runs actions through the modal."""
from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import func, select

from model import db as model_db
from model.actions import create_customer, create_product, fulfill, place_order
from model.entities import ChangeOrder, CreditMemo, OrderSummary, PendingApproval, Product, User
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
D = Decimal


def make_order(url: str, lines=(("A", 2, "15.00"), ("B", 1, "40.00")), *, ship: bool) -> tuple[str, list[int]]:
    """An order for a new customer (tax 8 %, shipping 6.00), shipped in full when `ship`."""
    with model_db.transaction(url) as s:
        agent = s.scalars(select(User).where(User.login == AGENT["login"])).one()
        for sku, _qty, price in lines:
            if not s.scalars(select(Product.id).where(Product.sku == sku)).first():
                create_product(s, sku=sku, name=f"Product {sku}", category="kitchen", price=D(price))
        customer = create_customer(s, name="Grace Hopper", email="grace@example.com", actor=agent)
        order = place_order(s, customer_id=customer.id, lines=[(sku, q, D(p)) for sku, q, p in lines],
                            tax_rate=D("0.08"), shipping=D("6.00"), actor=agent)
        if ship:
            fulfill(s, order.id, actor=agent)
        return order.number, [line.id for line in order.lines]


def order_facts(url: str, number: str) -> dict:
    with model_db.read_session(url) as s:
        order = s.scalars(select(OrderSummary).where(OrderSummary.number == number)).one()
        return {"grand_total": order.grand_total, "refunded": order.payment.refunded,
                "canceled": [ln.canceled for ln in order.lines], "returned": [ln.returned for ln in order.lines],
                "memos": s.scalar(select(func.count()).select_from(CreditMemo)),
                "changes": s.scalar(select(func.count()).select_from(ChangeOrder)),
                "pending": s.scalar(select(func.count()).select_from(PendingApproval))}


def open_order(dash_duo, app, number: str) -> None:
    open_path(dash_duo, app, f"/orders/{number}")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#order-number", number)


def open_action(dash_duo, action: str) -> None:
    dash_duo.find_element(f"#order-actions .order-action-{action}").click()
    dash_duo.wait_for_element("#order-action-form")


def set_quantity(dash_duo, line_id: int, value: str) -> None:
    box = dash_duo.find_element(f".order-qty-line-{line_id}")
    box.click()
    box.send_keys(Keys.END, *[Keys.BACKSPACE] * 6, value)


def choose_reason(dash_duo, code: str) -> None:
    Select(dash_duo.find_element("#order-action-form .order-field-reason")).select_by_value(code)


def test_given_a_fulfilled_order_when_the_agent_returns_one_unit_then_the_refund_shows_before_and_after(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    open_order(dash_duo, app, number)
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$81.60")

    open_action(dash_duo, "return")
    set_quantity(dash_duo, line_a, "1")
    choose_reason(dash_duo, "damaged")

    dash_duo.wait_for_text_to_equal("#order-preview-refund", "$16.20")
    dash_duo.wait_for_text_to_equal("#order-preview-grand-total", "$65.40")
    assert order_facts(app_database_url, number)["memos"] == 0  # the preview wrote nothing
    dash_duo.find_element("#order-action-confirm").click()

    dash_duo.wait_for_contains_text("#order-toast-message", "Refunded $16.20 — credit memo CM-")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$16.20")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$65.40")
    dash_duo.wait_for_contains_text("#order-credit-memos-table", "$16.20")
    facts = order_facts(app_database_url, number)
    assert facts["refunded"] == D("16.20") and facts["returned"] == [1, 0] and facts["memos"] == 1


def test_given_an_unfulfilled_order_when_the_agent_cancels_a_unit_then_totals_and_quantities_update(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=False)
    open_order(dash_duo, app, number)
    dash_duo.wait_for_text_to_equal("#order-why-not-return", "Nothing shipped is left to return.")

    open_action(dash_duo, "cancel")
    set_quantity(dash_duo, line_a, "1")
    choose_reason(dash_duo, "customer_request")
    dash_duo.wait_for_text_to_equal("#order-preview-released", "$16.20")
    dash_duo.find_element("#order-action-confirm").click()

    dash_duo.wait_for_contains_text("#order-toast-message", "Canceled — $16.20 of authorization released")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$65.40")
    dash_duo.wait_for_text_to_equal("#order-total-authorized", "$65.40")
    assert order_facts(app_database_url, number)["canceled"] == [1, 0]


def test_given_a_refund_above_the_threshold_when_an_agent_returns_then_it_waits_for_approval(
        dash_duo, app, app_database_url):
    number, (line_b,) = make_order(app_database_url, lines=(("B", 20, "40.00"),), ship=True)
    open_order(dash_duo, app, number)

    open_action(dash_duo, "return")
    set_quantity(dash_duo, line_b, "15")
    choose_reason(dash_duo, "defective")
    dash_duo.wait_for_text_to_equal("#order-preview-refund", "$648.00")
    dash_duo.wait_for_element("#order-preview-approval")
    dash_duo.find_element("#order-action-confirm").click()

    dash_duo.wait_for_contains_text("#order-toast-message", "Sent for manager approval")
    dash_duo.wait_for_contains_text("#order-approvals-table", "$648.00")
    facts = order_facts(app_database_url, number)
    assert facts["pending"] == 1 and facts["refunded"] == 0 and facts["memos"] == 0


def test_given_bad_quantities_when_typed_then_the_modal_refuses_and_nothing_changes(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    before = order_facts(app_database_url, number)
    open_order(dash_duo, app, number)
    open_action(dash_duo, "return")
    choose_reason(dash_duo, "damaged")

    for bad in ("-1", "5", "1.5", "e"):
        set_quantity(dash_duo, line_a, bad)
        dash_duo.wait_for_contains_text("#order-preview-error", "Enter a whole number from 0 to the units")
        assert dash_duo.find_element("#order-action-confirm").get_attribute("disabled") is not None

    assert order_facts(app_database_url, number) == before
