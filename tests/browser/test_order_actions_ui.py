"""The order summary's Actions panel in a real browser: an agent runs each action through the modal."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from model import db as model_db
from model.entities import OrderSummary
from tests.browser.order_helpers import (  # noqa: F401 - make_order and the modal helpers are shared from here too
    AGENT, MANAGER, choose_reason, click, confirm, line_cells, make_order, open_action, open_order, order_facts,
    run_action, set_quantity, sign_in_at, type_into, wait_for_toast,
)

D = Decimal


def open_from_customer_history(dash_duo, app, url: str, number: str) -> None:
    """Sign in on the customer's 360 view and follow the order's link in their order history."""
    with model_db.read_session(url) as s:
        customer_id = s.scalar(select(OrderSummary.customer_id).where(OrderSummary.number == number))
    sign_in_at(dash_duo, app, f"/customers/{customer_id}")
    dash_duo.wait_for_element("#customer-orders-grid .ag-row[row-index='0'] [col-id='number'] a")
    click(dash_duo, "#customer-orders-grid .ag-row[row-index='0'] [col-id='number'] a")
    dash_duo.wait_for_text_to_equal("#order-number", number)


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
    confirm(dash_duo)

    wait_for_toast(dash_duo, "Refunded $16.20 — credit memo CM-")
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

    run_action(dash_duo, "cancel", quantities={line_a: "1"}, reason="customer_request",
               preview={"#order-preview-released": "$16.20"})

    wait_for_toast(dash_duo, "Canceled — $16.20 of authorization released")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$65.40")
    dash_duo.wait_for_text_to_equal("#order-total-authorized", "$65.40")
    assert line_cells(dash_duo, 1)[2:4] == ["2", "1"]  # ordered, canceled
    assert order_facts(app_database_url, number)["canceled"] == [1, 0]


def test_given_a_shipped_order_opened_from_the_customers_history_when_the_agent_discounts_a_line_then_a_credit_memo_refunds_it(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    open_from_customer_history(dash_duo, app, app_database_url, number)

    # 3.00 off line A's 30.00 net, and the 0.24 of tax on it: both were captured, so both go back.
    run_action(dash_duo, "discount", amounts={line_a: "3"}, reason="price_match",
               preview={"#order-preview-refund": "$3.24", "#order-preview-grand-total": "$78.36"})

    wait_for_toast(dash_duo, "Refunded $3.24 — credit memo CM-")
    dash_duo.wait_for_text_to_equal("#order-total-discounts", "-$3.00")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$78.36")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$3.24")
    dash_duo.wait_for_contains_text("#order-credit-memos-table", "$3.24")
    assert line_cells(dash_duo, 1)[8:] == ["$3.00", "$2.16", "$29.16"]  # discount, tax, total of line A
    facts = order_facts(app_database_url, number)
    assert (facts["discounts"], facts["refunded"], facts["memos"]) == (D("3.00"), D("3.24"), 1)


def test_given_a_shipped_order_when_the_agent_credits_part_of_the_shipping_then_it_is_refunded(
        dash_duo, app, app_database_url):
    number, _lines = make_order(app_database_url, ship=True)
    open_order(dash_duo, app, number)

    run_action(dash_duo, "credit_shipping", shipping="4", reason="late_delivery",
               preview={"#order-preview-refund": "$4.00", "#order-preview-grand-total": "$77.60"})

    wait_for_toast(dash_duo, "Refunded $4.00 — credit memo CM-")
    dash_duo.wait_for_text_to_equal("#order-total-shipping", "$2.00")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$77.60")
    dash_duo.wait_for_contains_text("#order-credit-memos-table", "$4.00")
    dash_duo.wait_for_contains_text("#order-change-orders-table", "Shipping credit")
    facts = order_facts(app_database_url, number)
    assert (facts["shipping"], facts["refunded"], facts["memos"]) == (D("2.00"), D("4.00"), 1)


def test_given_a_lost_shipment_when_the_agent_reships_a_line_then_a_free_shipment_is_added(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True, lost=True)
    open_order(dash_duo, app, number)

    run_action(dash_duo, "reship", quantities={line_a: "2"}, reason="lost_in_transit",
               preview={"#order-preview": "No money moves with this step."})

    wait_for_toast(dash_duo, "Reship created: shipment #")
    dash_duo.wait_for_contains_text("#order-fulfillments-table", "A × 2")
    dash_duo.wait_for_contains_text("#order-fulfillments-table", "Reship")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$81.60")  # at no charge
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$0.00")
    dash_duo.wait_for_text_to_equal("#order-credit-memos-table", "No credit memos.")
    facts = order_facts(app_database_url, number)
    assert facts["shipments"] == [(False, "lost", [2, 1]), (True, "allocated", [2])] and facts["memos"] == 0


def test_given_a_shipped_order_when_the_agent_creates_receives_and_closes_an_rma_then_the_unit_is_refunded(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    open_order(dash_duo, app, number)

    run_action(dash_duo, "rma", quantities={line_a: "1"}, reason="wrong_size",
               preview={"#order-preview-refund": "$16.20"})
    wait_for_toast(dash_duo, "Return order RMA-")
    dash_duo.wait_for_contains_text("#order-return-orders-table", "A: 0/1")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$0.00")
    assert line_cells(dash_duo, 1)[6] == "1"  # return initiated

    run_action(dash_duo, "receive_return", quantities={line_a: "1"}, where="#order-return-orders",
               preview={"#order-preview": "No money moves with this step."})
    wait_for_toast(dash_duo, "Received on return order RMA-")
    dash_duo.wait_for_contains_text("#order-return-orders-table", "A: 1/1")
    dash_duo.wait_for_contains_text("#order-return-orders-table", "Received")

    run_action(dash_duo, "close_return", where="#order-return-orders",
               preview={"#order-preview-refund": "$16.20", "#order-preview-grand-total": "$65.40"})
    wait_for_toast(dash_duo, "Refunded $16.20 — credit memo CM-")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$16.20")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "$65.40")
    dash_duo.wait_for_contains_text("#order-credit-memos-table", "$16.20")
    dash_duo.wait_for_contains_text("#order-return-orders-table", "Closed")
    assert line_cells(dash_duo, 1)[6:8] == ["0", "1"]  # return initiated, returned
    facts = order_facts(app_database_url, number)
    assert (facts["returned"], facts["return_initiated"], facts["refunded"], facts["memos"]) == (
        [1, 0], [0, 0], D("16.20"), 1)


def test_given_a_refund_above_the_threshold_when_an_agent_returns_then_it_waits_and_a_manager_approves_it(
        dash_duo, app, app_database_url):
    number, (line_b,) = make_order(app_database_url, lines=(("B", 20, "40.00"),), ship=True)
    open_order(dash_duo, app, number)

    run_action(dash_duo, "return", quantities={line_b: "15"}, reason="defective",
               preview={"#order-preview-refund": "$648.00"})
    wait_for_toast(dash_duo, "Sent for manager approval")
    dash_duo.wait_for_contains_text("#order-approvals-table", "$648.00")
    facts = order_facts(app_database_url, number)
    assert facts["pending"] == 1 and facts["refunded"] == 0 and facts["memos"] == 0
    assert dash_duo.find_elements("#order-approvals-link") == []  # agents don't decide

    dash_duo.driver.get(dash_duo.server.url + "/logout")
    sign_in_at(dash_duo, app, "/approvals", MANAGER)
    dash_duo.wait_for_contains_text("#approvals-row-1", number)
    row = dash_duo.find_element("#approvals-row-1").text
    assert all(text in row for text in ("Return with refund", "$648.00", "B × 15", AGENT["display_name"],
                                        "Defective"))
    click(dash_duo, ".approvals-approve-1")
    dash_duo.wait_for_text_to_equal("#approvals-modal-title", "Approve request #1")
    click(dash_duo, "#approvals-confirm")

    dash_duo.wait_for_contains_text("#approvals-toast-message",
                                    f"Approved request #1 on order {number}: Refunded $648.00 — credit memo CM-")
    dash_duo.wait_for_element("#approvals-empty")
    facts = order_facts(app_database_url, number)
    assert facts["approvals"] == ["approved"] and facts["refunded"] == D("648.00") and facts["memos"] == 1

    dash_duo.driver.get(dash_duo.server.url + f"/orders/{number}")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "$648.00")
    assert line_cells(dash_duo, 1)[7] == "15"  # returned


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


def test_given_a_complaint_about_one_unit_when_comparing_then_each_action_shows_its_outcome_or_why_not(
        dash_duo, app, app_database_url):
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    before = order_facts(app_database_url, number)
    open_order(dash_duo, app, number)

    type_into(dash_duo, f".order-compare-qty-line-{line_a}", "1")
    click(dash_duo, "#order-compare-run")

    dash_duo.wait_for_text_to_equal("#order-compare-return-refund", "$16.20")
    expected = {"#order-compare-return-grand-total": "$65.40", "#order-compare-return-stock": "1 come back",
                "#order-compare-return-status": "Fulfilled", "#order-compare-rma-refund": "$16.20",
                "#order-compare-rma-stock": "1 come back when received", "#order-compare-discount-discount": "$1.50",
                "#order-compare-discount-refund": "$1.62", "#order-compare-discount-stock": "No units move",
                "#order-compare-return-approval": "Not needed"}
    assert {selector: dash_duo.find_element(selector).text for selector in expected} == expected
    assert dash_duo.find_element("#order-compare-cancel-error").text == (
        "No unit of A can be canceled: 2 are already shipped.")
    assert "report it lost first" in dash_duo.find_element("#order-compare-reship-error").text
    assert order_facts(app_database_url, number) == before  # a comparison changes nothing
