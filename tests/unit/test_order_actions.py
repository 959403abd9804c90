"""Order actions engine: the worked example, every action's happy path and refusals."""
from decimal import Decimal

import pytest

from model.actions import (
    ActionError, allocate, approve_action, cancel_items, close_return_order, create_return_order,
    credit_shipping, discount_items, fulfill, preview, receive_return_order, reject_action, report_lost,
    reship_items, return_items,
)
from model.entities import OrderSummary, PendingApproval
from tests.unit.helpers import digest
from tests.unit.order_fixtures import line_ids, make_order, snapshot

D = Decimal


@pytest.fixture
def agent(users):
    return users["agent"]


def refused(Session, call, match):  # noqa: N803
    """Assert `call(s)` raises ActionError matching `match` and leaves every table as it was."""
    before = digest(Session)
    with pytest.raises(ActionError, match=match):
        with Session.begin() as s:
            call(s)
    assert digest(Session) == before


def test_worked_example_from_the_issue(Session, agent, catalog, customer_id):
    """Given 2×A@15 + 1×B@40, 8 % tax, 6.00 shipping: cancel, fulfill, return, refuse."""
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    assert snapshot(Session, order_id)["grand_total"] == D("81.60")
    with Session.begin() as s:
        change = cancel_items(s, order_id, {a: 1}, actor=agent, reason="customer_request")
        assert change.released == D("16.20") and change.refunded == 0
    snap = snapshot(Session, order_id)
    assert (snap["subtotal"], snap["tax"], snap["grand_total"]) == (D("55.00"), D("4.40"), D("65.40"))
    assert snap["authorized"] == D("65.40") and snap["credit_memos"] == []
    with Session.begin() as s:
        fulfill(s, order_id, actor=agent)
    assert snapshot(Session, order_id)["captured"] == D("65.40")
    with Session.begin() as s:
        memo = return_items(s, order_id, {a: 1}, actor=agent, reason="damaged")
        assert memo.amount == D("16.20")
    snap = snapshot(Session, order_id)
    assert (snap["refunded"], snap["grand_total"], snap["credit_memos"]) == (D("16.20"), D("49.20"), [D("16.20")])
    refused(Session, lambda s: return_items(s, order_id, {a: 1}, actor=agent, reason="damaged"),
            "No unit of A can be returned: 1 is already returned")


def test_cancel_everything_cancels_order_and_releases_shipping(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    with Session.begin() as s:
        change = cancel_items(s, order_id, None, actor=agent, reason="duplicate_order")
        assert change.amount == D("81.60") and change.released == D("81.60")
    snap = snapshot(Session, order_id)
    assert snap["status"] == "canceled" and snap["grand_total"] == 0 and snap["authorized"] == 0


def test_cancel_refusals(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        allocate(s, order_id, {a: 1}, actor=agent)
    refused(Session, lambda s: cancel_items(s, order_id, {a: 2}, actor=agent, reason="customer_request"),
            "Only 1 of 2 units of A can be canceled: 1 is allocated")
    refused(Session, lambda s: cancel_items(s, order_id, {a: 1}, actor=agent, reason="because"), "reason")
    refused(Session, lambda s: cancel_items(s, order_id, {a: 0}, actor=agent, reason="other"), "at least 1")
    refused(Session, lambda s: cancel_items(s, order_id, {a: "x"}, actor=agent, reason="other"), "whole number")
    refused(Session, lambda s: cancel_items(s, order_id, {a: 1.5}, actor=agent, reason="other"), "whole number")
    refused(Session, lambda s: cancel_items(s, order_id, {999999: 1}, actor=agent, reason="other"), "not a line")
    refused(Session, lambda s: cancel_items(s, 424242, {a: 1}, actor=agent, reason="other"), "does not exist")
    refused(Session, lambda s: cancel_items(s, order_id, {}, actor=agent, reason="other"), "at least one line")
    refused(Session, lambda s: cancel_items(s, order_id, {a: 1}, actor=None, reason="other"), "Sign in")


def test_discount_before_allocation_moves_no_money(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        change = discount_items(s, order_id, {b: D("10.00")}, actor=agent, reason="price_match")
        assert change.amount == D("10.80") and change.refunded == 0
    snap = snapshot(Session, order_id)
    assert snap["discounts"] == D("10.00") and snap["grand_total"] == D("70.80")
    assert snap["authorized"] == D("70.80")


def test_discount_after_fulfillment_refunds_net_and_tax(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        memo = discount_items(s, order_id, {a: D("3.00")}, actor=agent, reason="goodwill")
        assert memo.amount == D("3.24")
    snap = snapshot(Session, order_id)
    assert snap["refunded"] == D("3.24") and snap["grand_total"] == D("78.36")
    # The discount is spread over A's two units: returning one takes 1.50 (+ tax) with it.
    with Session.begin() as s:
        memo = return_items(s, order_id, {a: 1}, actor=agent, reason="changed_mind")
        assert memo.amount == D("14.58")


def test_discount_refusals(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        allocate(s, order_id, {a: 1}, actor=agent)
    refused(Session, lambda s: discount_items(s, order_id, {a: D("1")}, actor=agent, reason="goodwill"),
            "allocated and not yet shipped")
    refused(Session, lambda s: discount_items(s, order_id, {b: D("40.01")}, actor=agent, reason="goodwill"),
            "at most 40.00")
    refused(Session, lambda s: discount_items(s, order_id, {b: D("0.001")}, actor=agent, reason="goodwill"),
            "decimals")
    refused(Session, lambda s: discount_items(s, order_id, {b: D("-5")}, actor=agent, reason="goodwill"),
            "above zero")
    refused(Session, lambda s: discount_items(s, order_id, {b: "NaN"}, actor=agent, reason="goodwill"),
            "above zero")
    refused(Session, lambda s: discount_items(s, order_id, {b: D("5")}, actor=agent, reason="out_of_stock"),
            "reason")


def test_credit_shipping_is_capped_at_captured_shipping(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    refused(Session, lambda s: credit_shipping(s, order_id, D("6.00"), actor=agent, reason="goodwill"),
            "not been charged yet")
    with Session.begin() as s:
        fulfill(s, order_id, actor=agent)
    with Session.begin() as s:
        memo = credit_shipping(s, order_id, D("2.50"), actor=agent, reason="late_delivery")
        assert memo.amount == D("2.50")
    refused(Session, lambda s: credit_shipping(s, order_id, D("3.51"), actor=agent, reason="goodwill"),
            "At most 3.50")
    snap = snapshot(Session, order_id)
    assert snap["shipping"] == D("3.50") and snap["grand_total"] == D("79.10") and snap["refunded"] == D("2.50")


def test_full_return_refunds_everything_captured_including_shipping(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, lines=(("A", 3, "15.00"), ("C", 7, "9.99")),
                          tax_rate="0.0825", ship=True)
    a, c = line_ids(Session, order_id)
    with Session.begin() as s:
        discount_items(s, order_id, {c: D("0.05")}, actor=agent, reason="goodwill")
    for qty in (1, 2):
        with Session.begin() as s:
            return_items(s, order_id, {a: 1, c: qty}, actor=agent, reason="defective")
    with Session.begin() as s:
        return_items(s, order_id, None, actor=agent, reason="defective")
    snap = snapshot(Session, order_id)
    assert snap["refunded"] == snap["captured"] and snap["grand_total"] == 0 and snap["status"] == "returned"


def test_reship_only_after_a_lost_shipment(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    refused(Session, lambda s: reship_items(s, order_id, {a: 1}, actor=agent, reason="lost_in_transit"),
            "report it lost first")
    with Session() as s:
        fo_id = s.get(OrderSummary, order_id).fulfillment_orders[0].id
    with Session.begin() as s:
        report_lost(s, fo_id, actor=agent, reason="lost_in_transit")
    before = snapshot(Session, order_id)
    with Session.begin() as s:
        reship = reship_items(s, order_id, {a: 2}, actor=agent, reason="lost_in_transit")
        assert reship.is_reship and reship.status == "allocated"
    refused(Session, lambda s: reship_items(s, order_id, {a: 1}, actor=agent, reason="lost_in_transit"),
            "No unit of A can be reshipped")
    with Session.begin() as s:
        fulfill(s, order_id, actor=agent)
    after = snapshot(Session, order_id)
    assert before == after  # totals and payments unchanged; the reship captured nothing
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        assert [f.status for f in order.fulfillment_orders] == ["lost", "fulfilled"]


def test_rma_flow_refunds_what_was_received(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        rma = create_return_order(s, order_id, {a: 2, b: 1}, actor=agent, reason="wrong_size")
        rma_id = rma.id
        assert rma.number.startswith("RMA-") and rma.status == "submitted"
    refused(Session, lambda s: return_items(s, order_id, {a: 1}, actor=agent, reason="damaged"),
            "2 are on an open return order")
    with Session.begin() as s:
        receive_return_order(s, rma_id, {a: 1}, actor=agent, condition="resellable")
    refused(Session, lambda s: receive_return_order(s, rma_id, {a: 2}, actor=agent), "Only 1 more")
    with Session.begin() as s:
        memo = close_return_order(s, rma_id, actor=agent)
        assert memo.amount == D("16.20")
    snap = snapshot(Session, order_id)
    assert snap["refunded"] == D("16.20") and snap["grand_total"] == D("65.40")
    refused(Session, lambda s: close_return_order(s, rma_id, actor=agent), "already closed")
    # The unreceived units are returnable again; the last return also refunds the shipping.
    with Session.begin() as s:
        memo = return_items(s, order_id, {a: 1, b: 1}, actor=agent, reason="damaged")
        assert memo.amount == D("16.20") + D("43.20") + D("6.00")


def test_rma_closed_with_nothing_received_moves_no_money(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        rma_id = create_return_order(s, order_id, {a: 1}, actor=agent, reason="changed_mind").id
    before = snapshot(Session, order_id)
    with Session.begin() as s:
        assert close_return_order(s, rma_id, actor=agent) is None
    assert snapshot(Session, order_id) == before


def test_rma_policy_fees_reduce_the_refund(Session, agent, catalog, customer_id):
    from dataclasses import replace

    from model.policy import current_policy, set_policy
    set_policy(replace(current_policy(), restocking_fee_rate={"resellable": D("0"), "damaged": D("0.10")},
                       return_shipping_fee={"USD": D("4.00")}))
    try:
        order_id = make_order(Session, agent, customer_id, ship=True)
        a, b = line_ids(Session, order_id)
        with Session.begin() as s:
            rma_id = create_return_order(s, order_id, {b: 1}, actor=agent, reason="damaged").id
            receive_return_order(s, rma_id, None, actor=agent, condition="damaged")
        with Session.begin() as s:
            memo = close_return_order(s, rma_id, actor=agent)
            # 43.20 − 10 % restocking (4.32) − 4.00 return shipping
            assert (memo.amount, memo.fees) == (D("34.88"), D("8.32"))
        snap = snapshot(Session, order_id)
        assert snap["grand_total"] == D("81.60") - D("43.20") + D("8.32")
        assert snap["authorized"] == snap["grand_total"] + snap["refunded"]
    finally:
        set_policy(None)


def test_a_return_order_of_another_order_is_refused_where_an_order_is_named(Session, agent, catalog, customer_id):
    """Given order B's return order, when receive or close is asked from order A (a forged request from
    A's page: order_id=A), then it is refused and nothing moves; from B it goes through."""
    order_a = make_order(Session, agent, customer_id, ship=True)
    order_b = make_order(Session, agent, customer_id, ship=True)
    b_line = line_ids(Session, order_b)[0]
    with Session.begin() as s:
        rma_b = create_return_order(s, order_b, {b_line: 1}, actor=agent, reason="wrong_size").id
    other = "belongs to another order"
    refused(Session, lambda s: receive_return_order(s, rma_b, {b_line: 1}, actor=agent, order_id=order_a), other)
    refused(Session, lambda s: close_return_order(s, rma_b, actor=agent, order_id=order_a), other)
    with Session() as s:  # the dry run of the close, as the page previews it: refused the same way
        assert other in preview(close_return_order, s, rma_b, actor=agent, order_id=order_a).error
    with Session.begin() as s:
        receive_return_order(s, rma_b, {b_line: 1}, actor=agent, order_id=order_b)
        assert close_return_order(s, rma_b, actor=agent, order_id=order_b).amount > 0


@pytest.mark.parametrize("action", ["receive_return", "close_return"])
def test_the_order_page_refuses_a_return_order_of_another_order(Session, agent, catalog, customer_id, action):
    """Given order B's return order, when order A's Actions panel names it (dry run or for real),
    then the page refuses it before any service runs and nothing moves."""
    from pages import _order_actions as order_actions

    order_a = make_order(Session, agent, customer_id, ship=True)
    order_b = make_order(Session, agent, customer_id, ship=True)
    b_line = line_ids(Session, order_b)[0]
    with Session.begin() as s:
        rma_b = create_return_order(s, order_b, {b_line: 1}, actor=agent, reason="wrong_size").id
    forged = order_actions.Request(action=action, order_id=order_a, target=rma_b, quantities={b_line: 1})
    refused(Session, lambda s: order_actions.run(s, forged, agent, key=f"k-{action}"), "belongs to another order")
    refused(Session, lambda s: order_actions.dry_run(s, forged, agent), "belongs to another order")
    own = order_actions.Request(action=action, order_id=order_b, target=rma_b, quantities={b_line: 1})
    with Session.begin() as s:
        order_actions.check_request(s, own)  # its own order's page: accepted


def return_shipping_fee_step(flow):
    """An extra policy step: a flat 1.00 fee on immediate returns."""
    flow.fees += D("1.00")


def test_policy_can_add_a_step(Session, agent, catalog, customer_id):
    from dataclasses import replace

    from model.policy import current_policy, set_policy
    set_policy(replace(current_policy(), extra_steps={
        "return_items": ("tests.unit.test_order_actions:return_shipping_fee_step",)}))
    try:
        order_id = make_order(Session, agent, customer_id, ship=True)
        a, b = line_ids(Session, order_id)
        with Session.begin() as s:
            memo = return_items(s, order_id, {a: 1}, actor=agent, reason="changed_mind")
            assert (memo.amount, memo.fees) == (D("15.20"), D("1.00"))
    finally:
        set_policy(None)


def test_preview_is_the_same_path_and_writes_nothing(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    before = digest(Session)
    with Session.begin() as s:
        result = preview(return_items, s, order_id, {a: 1}, actor=agent, reason="damaged")
        assert result.ok and result.refund == D("16.20") and result.totals["grand_total"] == D("65.40")
        bad = preview(return_items, s, order_id, {a: 3}, actor=agent, reason="damaged")
        assert not bad.ok and "Only 2 of 2 units of A" in bad.error
    assert digest(Session) == before


def test_over_threshold_refund_waits_for_a_manager(Session, users, catalog, customer_id):
    agent, manager = users["agent"], users["manager"]
    order_id = make_order(Session, agent, customer_id, lines=(("B", 20, "40.00"),), ship=True)
    (b,) = line_ids(Session, order_id)
    before = snapshot(Session, order_id)
    with Session.begin() as s:
        pending = return_items(s, order_id, {b: 15}, actor=agent, reason="defective")
        assert isinstance(pending, PendingApproval) and pending.amount == D("648.00")
        pending_id = pending.id
    assert snapshot(Session, order_id) == before  # no money moved
    # Its amount is reserved: only captured − refunded − pending can be refunded now.
    refused(Session, lambda s: return_items(s, order_id, None, actor=users["manager"], reason="defective"),
            "can be refunded")
    refused(Session, lambda s: approve_action(s, pending_id, actor=users["agent2"]), "Only a manager")
    refused(Session, lambda s: approve_action(s, pending_id, actor=users["lead"]), "Only a manager")
    with Session.begin() as s:
        memo = approve_action(s, pending_id, actor=manager)
        assert memo.amount == D("648.00")
    refused(Session, lambda s: reject_action(s, pending_id, actor=manager, reason="no"), "already approved")
    with Session.begin() as s:  # 5 × 43.20 = 216.00 is under the threshold: no approval needed
        memo = return_items(s, order_id, {b: 5}, actor=agent, reason="defective")
        assert memo.amount == D("216.00") + D("6.00")  # the last units take the shipping with them
    assert snapshot(Session, order_id)["refunded"] == D("870.00") == snapshot(Session, order_id)["captured"]


def test_rejected_request_moves_nothing(Session, users, catalog, customer_id):
    agent, manager = users["agent"], users["manager"]
    order_id = make_order(Session, agent, customer_id, lines=(("B", 20, "40.00"),), ship=True)
    (b,) = line_ids(Session, order_id)
    with Session.begin() as s:
        pending_id = return_items(s, order_id, None, actor=agent, reason="defective").id
    before = snapshot(Session, order_id)
    with Session.begin() as s:
        reject_action(s, pending_id, actor=manager, reason="Customer keeps the goods")
    assert snapshot(Session, order_id) == before
    with Session.begin() as s:  # a manager's own refund does not wait
        memo = return_items(s, order_id, None, actor=manager, reason="defective")
        assert memo.amount == before["captured"]
    assert snapshot(Session, order_id)["refunded"] == snapshot(Session, order_id)["captured"]


def test_idempotency_key_returns_first_result(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        first = return_items(s, order_id, {a: 1}, actor=agent, reason="damaged", idempotency_key="k-1").id
    with Session.begin() as s:
        again = return_items(s, order_id, {a: 1}, actor=agent, reason="damaged", idempotency_key="k-1").id
    assert first == again and snapshot(Session, order_id)["refunded"] == D("16.20")
    refused(Session, lambda s: return_items(s, order_id, {a: 2}, actor=agent, reason="damaged",
                                            idempotency_key="k-1"), "different action")


def test_receiving_twice_with_one_key_counts_the_units_once(Session, agent, catalog, customer_id):
    """A double-click on Receive (same idempotency key) must not count the parcel twice."""
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        rma_id = create_return_order(s, order_id, {a: 2}, actor=agent, reason="wrong_size",
                                     idempotency_key="rma-1").id
    with Session.begin() as s:
        assert create_return_order(s, order_id, {a: 2}, actor=agent, reason="wrong_size",
                                   idempotency_key="rma-1").id == rma_id
    for _ in range(2):
        with Session.begin() as s:
            receive_return_order(s, rma_id, {a: 1}, actor=agent, idempotency_key="receive-1")
    with Session.begin() as s:
        memo = close_return_order(s, rma_id, actor=agent)
        assert memo.amount == D("16.20")  # one unit received, not two
    refused(Session, lambda s: receive_return_order(s, rma_id, {a: 2}, actor=agent, idempotency_key="receive-1"),
            "different action")


def test_jpy_has_no_decimals(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id, lines=(("A", 3, "1999"),), tax_rate="0.10",
                          shipping="500", currency="JPY", ship=True)
    (a,) = line_ids(Session, order_id)
    with Session.begin() as s:
        discount_items(s, order_id, {a: D("100")}, actor=agent, reason="goodwill")
        memo = return_items(s, order_id, {a: 1}, actor=agent, reason="damaged")
        assert memo.amount == memo.amount.to_integral_value()
    refused(Session, lambda s: discount_items(s, order_id, {a: D("0.5")}, actor=agent, reason="goodwill"),
            "decimals")


def test_every_action_writes_an_audit_event_with_amounts(Session, agent, catalog, customer_id):
    from sqlalchemy import select

    from model.entities import AuditEvent
    order_id = make_order(Session, agent, customer_id, ship=True)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        return_items(s, order_id, {a: 1}, actor=agent, reason="damaged")
        credit_shipping(s, order_id, D("1.00"), actor=agent, reason="goodwill")
    with Session() as s:
        events = {e.action: e for e in s.execute(select(AuditEvent).where(AuditEvent.order_id == order_id)).scalars()}
    assert {"order.place", "order.fulfill", "order.return", "order.shipping_credit"} <= set(events)
    assert (events["order.return"].before_amount, events["order.return"].after_amount) == (D("81.60"), D("65.40"))
    assert events["order.return"].actor_id == agent.id


def test_a_recorded_reason_code_never_changes(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        change_id = cancel_items(s, order_id, {a: 1}, actor=agent, reason="customer_request").id
    from model.entities import ChangeOrder
    with pytest.raises(ValueError, match="can't be changed"):
        with Session.begin() as s:
            s.get(ChangeOrder, change_id).reason = "other"


def test_preview_of_an_over_threshold_refund_files_no_request(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("B", 20, "40.00"),), ship=True)
    (b,) = line_ids(Session, order_id)
    before = digest(Session)
    with Session.begin() as s:
        result = preview(return_items, s, order_id, {b: 15}, actor=agent, reason="defective")
        assert result.ok and result.needs_approval and result.refund == D("648.00")
    assert digest(Session) == before


def test_action_done_for_a_case_names_it_in_the_audit_even_after_approval(Session, users, catalog, customer_id):
    """An agent working a case runs the action from it: the audit event links the case,
    and a refund that waits for approval still links it once a manager approves (with a note)."""
    from sqlalchemy import select

    from model.actions import create_case, create_customer
    from model.entities import AuditEvent
    agent, manager = users["agent"], users["manager"]
    order_id = make_order(Session, agent, customer_id, lines=(("B", 20, "40.00"),), ship=True)
    (b,) = line_ids(Session, order_id)
    with Session.begin() as s:
        case_id = create_case(s, subject="Lamps broken", actor=agent, customer_id=customer_id, order_id=order_id).id
        other = create_customer(s, name="Grace Hopper", email="grace@example.com", actor=agent).id
        stranger_case = create_case(s, subject="Hello", actor=agent, customer_id=other).id
    refused(Session, lambda s: return_items(s, order_id, {b: 1}, actor=agent, reason="defective",
                                            case_id=stranger_case), "is not about order")
    refused(Session, lambda s: return_items(s, order_id, {b: 1}, actor=agent, reason="defective",
                                            case_id=10**9), "does not exist")
    with Session.begin() as s:
        memo = return_items(s, order_id, {b: 1}, actor=agent, reason="defective", case_id=case_id)
        memo_id = memo.id
        pending_id = return_items(s, order_id, {b: 15}, actor=agent, reason="defective", case_id=case_id).id
    with Session.begin() as s:
        approve_action(s, pending_id, actor=manager, note="Customer of ten years")
    with Session() as s:
        events = s.execute(select(AuditEvent.action, AuditEvent.case_id).where(
            AuditEvent.order_id == order_id, AuditEvent.action.in_(
                ["order.return", "approval.request", "approval.approve"]))).all()
        assert sorted(events) == sorted([("order.return", case_id), ("approval.request", case_id),
                                         ("order.return", case_id), ("approval.approve", case_id)])
        assert s.get(PendingApproval, pending_id).decision_reason == "Customer of ten years"
        assert s.get(type(memo), memo_id).amount == D("43.20")


def test_preview_says_what_the_order_status_becomes(Session, agent, catalog, customer_id):
    order_id = make_order(Session, agent, customer_id)
    a, _ = line_ids(Session, order_id)
    with Session() as s:
        result = preview(cancel_items, s, order_id, None, actor=agent, reason="customer_request")
        assert result.ok and result.totals["status"] == "canceled"
        result = preview(cancel_items, s, order_id, {a: 1}, actor=agent, reason="customer_request")
        assert result.totals["status"] == s.get(OrderSummary, order_id).status
