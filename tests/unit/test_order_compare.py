"""Compare resolutions: each column equals what the real action then does, and nothing is written."""
from dataclasses import replace
from decimal import Decimal

import pytest

from model.actions import (
    cancel_items, close_return_order, create_return_order, discount_items, receive_return_order, report_lost,
    reship_items, return_items,
)
from model.entities import FulfillmentOrder, OrderSummary, User
from model.policy import current_policy, set_policy
from pages import _order_compare as order_compare
from tests.unit.helpers import digest
from tests.unit.order_fixtures import line_ids, make_order

D = Decimal


def run_compare(Session, actor_id, order_id, quantities, percent=10):  # noqa: N803
    """The comparison as the page gets it: in a transaction that is rolled back afterwards."""
    with Session() as s:
        try:
            return {o.action: o for o in order_compare.compare(s, order_id, quantities, percent,
                                                               s.get(User, actor_id))}
        finally:
            s.rollback()


def real(Session, order_id, act, read):  # noqa: N803
    """Run `act(session)` for real; `read(result)`, the order's grand total and status after it; roll back."""
    with Session() as s:
        try:
            result = act(s)
            s.flush()
            order = s.get(OrderSummary, order_id)
            return read(result), order.grand_total, order.status
        finally:
            s.rollback()


@pytest.fixture
def fees_policy():
    set_policy(replace(current_policy(), return_shipping_fee={"USD": D("4.00"), "EUR": D("0"), "JPY": D("0")}))
    yield
    set_policy(None)


def test_shipped_order_each_column_matches_the_real_action_and_nothing_is_written(
        Session, users, catalog, customer_id, fees_policy):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, _b = line_ids(Session, order_id)
    before = digest(Session)

    outcomes = run_compare(Session, agent.id, order_id, {a: 1, _b: 0}, percent=10)

    assert digest(Session) == before
    assert list(outcomes) == ["cancel", "discount", "return", "rma", "reship"]
    assert not outcomes["cancel"].ok
    assert outcomes["cancel"].error == "No unit of A can be canceled: 2 are already shipped."
    assert not outcomes["reship"].ok and "report it lost first" in outcomes["reship"].error

    refund, total, status = real(Session, order_id, lambda s: return_items(
        s, order_id, {a: 1}, actor=s.get(User, agent.id), reason="damaged"), lambda memo: memo.amount)
    ret = outcomes["return"]
    assert (ret.refund, ret.grand_total, ret.status, ret.units_back) == (refund, total, status, 1)
    assert ret.refund == D("16.20") and ret.fees == 0 and not ret.needs_approval

    refund, total, status = real(Session, order_id, lambda s: discount_items(
        s, order_id, {a: D("1.50")}, actor=s.get(User, agent.id), reason="goodwill"), lambda memo: memo.amount)
    disc = outcomes["discount"]
    assert (disc.refund, disc.grand_total, disc.status, disc.discount) == (refund, total, status, D("1.50"))
    assert disc.refund == D("1.62")  # 1.50 off the net and its 8 % tax

    def rma(s):
        actor = s.get(User, agent.id)
        return_order = create_return_order(s, order_id, {a: 1}, actor=actor, reason="defective")
        receive_return_order(s, return_order.id, None, actor=actor)
        return close_return_order(s, return_order.id, actor=actor)
    (refund, fees), total, status = real(Session, order_id, rma, lambda memo: (memo.amount, memo.fees))
    rma_outcome = outcomes["rma"]
    assert (rma_outcome.refund, rma_outcome.fees, rma_outcome.grand_total, rma_outcome.status) == (
        refund, fees, total, status)
    assert rma_outcome.fees == D("4.00") and rma_outcome.refund == D("12.20")
    assert digest(Session) == before


def test_unshipped_order_cancel_column_matches_the_real_cancel_of_everything(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)

    outcomes = run_compare(Session, agent.id, order_id, {a: 2, b: 1})

    released, total, status = real(Session, order_id, lambda s: cancel_items(
        s, order_id, {a: 2, b: 1}, actor=s.get(User, agent.id), reason="customer_request"),
        lambda change: change.released)
    cancel = outcomes["cancel"]
    assert (cancel.released, cancel.refund, cancel.grand_total, cancel.status) == (released, 0, total, status)
    assert cancel.status == "canceled" and cancel.released == D("81.60") and cancel.units_kept_in_stock == 3
    assert outcomes["return"].error == "No unit of A can be returned: 2 are not yet shipped."
    assert outcomes["rma"].error == outcomes["return"].error
    # Nothing is captured yet: 10 % off (3.00 + 4.00) lowers the total and releases authorization, refunds nothing.
    disc = outcomes["discount"]
    assert (disc.ok, disc.refund, disc.discount, disc.released, disc.grand_total) == (
        True, 0, D("7.00"), D("7.56"), D("74.04"))


def test_lost_shipment_reship_column_matches_the_real_reship(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        shipment = s.get(OrderSummary, order_id).fulfillment_orders[0]
        report_lost(s, shipment.id, actor=s.get(User, agent.id), reason="lost_in_transit")

    outcomes = run_compare(Session, agent.id, order_id, {a: 2, b: 1})

    units, total, status = real(Session, order_id, lambda s: reship_items(
        s, order_id, {a: 2, b: 1}, actor=s.get(User, agent.id), reason="lost_in_transit"),
        lambda shipment: sum(fl.quantity for fl in shipment.lines) if isinstance(shipment, FulfillmentOrder) else None)
    reship = outcomes["reship"]
    assert reship.ok and reship.units_out == units == 3
    assert (reship.refund, reship.grand_total, reship.status) == (0, None, status)
    assert total == D("81.60")


def test_a_refund_above_the_threshold_is_flagged_and_files_no_request(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("B", 20, "40.00"),), ship=True)
    (b,) = line_ids(Session, order_id)
    before = digest(Session)

    outcomes = run_compare(Session, agent.id, order_id, {b: 15})

    assert outcomes["return"].needs_approval and outcomes["return"].refund == D("648.00")
    assert outcomes["rma"].needs_approval and outcomes["rma"].refund == D("648.00")
    assert not outcomes["discount"].needs_approval  # 10 % of 15 units: 60.00 + tax
    assert digest(Session) == before  # in particular, no PendingApproval


@pytest.mark.parametrize("quantities, percent, message", [
    ({}, 10, "Enter the units the customer is asking about on at least one line."),
    ({"LINE": 0}, 10, "Enter the units the customer is asking about on at least one line."),
    ({"LINE": None}, 10, "Enter a whole number from 0 to the units on each line."),
    ({"LINE": 1.5}, 10, "Enter a whole number from 0 to the units on each line."),
    ({"LINE": -1}, 10, "Enter a whole number from 0 to the units on each line."),
    ({"LINE": "x"}, 10, "Enter a whole number from 0 to the units on each line."),
    ({"LINE": 1}, 0, "Enter a discount percentage above 0 and at most 100."),
    ({"LINE": 1}, 101, "Enter a discount percentage above 0 and at most 100."),
    ({"LINE": 1}, None, "Enter a discount percentage above 0 and at most 100."),
    ({"LINE": 1}, "NaN", "Enter a discount percentage above 0 and at most 100."),
])
def test_bad_form_input_is_refused_with_a_sentence_and_changes_nothing(
        Session, users, catalog, customer_id, quantities, percent, message):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, _b = line_ids(Session, order_id)
    before = digest(Session)

    with pytest.raises(order_compare.CompareInputError) as refused:
        run_compare(Session, agent.id, order_id, {a if k == "LINE" else k: v for k, v in quantities.items()}, percent)

    assert str(refused.value) == message
    assert digest(Session) == before


def test_a_line_of_another_order_is_refused(Session, users, catalog, customer_id):
    agent = users["agent"]
    first = make_order(Session, agent, customer_id, ship=True)
    other = make_order(Session, agent, customer_id, ship=True)
    foreign = line_ids(Session, other)[0]

    with pytest.raises(order_compare.CompareInputError, match="Choose lines of this order."):
        run_compare(Session, agent.id, first, {foreign: 1})
