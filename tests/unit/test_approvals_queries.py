"""The approvals list: pending requests with their order, amount, requester, reason and what was asked."""
from decimal import Decimal

import pytest

from model.actions import (
    ActionError, approve_action, close_return_order, create_return_order, discount_items, receive_return_order,
    reject_action, return_items,
)
from model.entities import OrderSummary, PendingApproval, User
from model.queries.approvals import pending_approvals, pending_request
from tests.unit.order_fixtures import line_ids, make_order

D = Decimal


def big_order(Session, users, customer_id, currency="USD"):  # noqa: N803
    order_id = make_order(Session, users["agent"], customer_id, lines=(("B", 30, "40.00"), ("A", 2, "15.00")),
                          currency=currency, ship=True)
    return order_id, line_ids(Session, order_id)


def test_nothing_pending_gives_an_empty_list(Session, users):  # noqa: N803
    with Session() as s:
        listed = pending_approvals(s)
    assert listed.rows == [] and listed.total == 0


def test_pending_requests_oldest_first_with_what_was_asked(Session, users, catalog, customer_id):  # noqa: N803
    order_id, (b, a) = big_order(Session, users, customer_id)
    with Session.begin() as s:
        agent, lead = s.get(User, users["agent"].id), s.get(User, users["lead"].id)
        first = return_items(s, order_id, {b: 15}, actor=agent, reason="defective", note="Box crushed")
        second = discount_items(s, order_id, {b: D("520.00")}, actor=lead, reason="goodwill")
        number = s.get(OrderSummary, order_id).number
        ids = (first.id, second.id)

    with Session() as s:
        listed = pending_approvals(s)
        one = pending_request(s, ids[1])
        oldest = pending_approvals(s, limit=1)

    assert listed.total == 2 and [r.id for r in listed.rows] == list(ids)
    assert oldest.total == 2 and [r.id for r in oldest.rows] == [ids[0]]
    returned, discounted = listed.rows
    assert (returned.order_number, returned.order_id, returned.action, returned.amount, returned.currency) == (
        number, order_id, "return_items", D("648.00"), "USD")
    assert (returned.requested_by, returned.reason, returned.note, returned.details) == (
        "Agent", "defective", "Box crushed", (("B", "15"),))
    assert (discounted.action, discounted.requested_by, discounted.reason, discounted.details) == (
        "discount_items", "Lead", "goodwill", (("B", "520.00"),))
    assert discounted.amount == D("561.60")  # 520.00 and its 8 % tax
    assert one == discounted


def test_decided_requests_leave_the_list(Session, users, catalog, customer_id):  # noqa: N803
    order_id, (b, a) = big_order(Session, users, customer_id)
    with Session.begin() as s:
        agent = s.get(User, users["agent"].id)
        first = return_items(s, order_id, {b: 13}, actor=agent, reason="defective").id
        second = return_items(s, order_id, {b: 12}, actor=agent, reason="wrong_item").id
    with Session.begin() as s:
        manager = s.get(User, users["manager"].id)
        approve_action(s, first, actor=manager)
        reject_action(s, second, actor=manager, reason="Photos show no damage")

    with Session() as s:
        assert pending_approvals(s).rows == [] and pending_approvals(s).total == 0
        assert pending_request(s, first) is None and pending_request(s, second) is None


def test_rma_close_names_its_return_order(Session, users, catalog, customer_id):  # noqa: N803
    order_id, (b, a) = big_order(Session, users, customer_id)
    with Session.begin() as s:
        agent = s.get(User, users["agent"].id)
        first = return_items(s, order_id, {a: 1}, actor=agent, reason="defective")  # small: refunded at once
        return_order = create_return_order(s, order_id, {b: 14}, actor=agent, reason="wrong_size")
        receive_return_order(s, return_order.id, None, actor=agent)
        waiting = close_return_order(s, return_order.id, actor=agent)
        assert not isinstance(first, PendingApproval) and isinstance(waiting, PendingApproval)
        rma_number, waiting_id = return_order.number, waiting.id

    with Session() as s:
        listed = pending_approvals(s)

    assert listed.total == 1 and len(listed.rows) == 1
    row = listed.rows[0]
    assert (row.id, row.action, row.reason, row.details) == (
        waiting_id, "close_return_order", "wrong_size", (("return_order", rma_number),))


def test_bad_request_ids_find_nothing(Session, users):  # noqa: N803
    # Beyond 32 bits PostgreSQL would refuse the statement (integer out of range): no request has such an id.
    bad_ids = (None, "1", True, 1.0, 99999, 0, -1, 2 ** 31, 2 ** 40, 2 ** 63)
    with Session() as s:
        assert [pending_request(s, bad) for bad in bad_ids] == [None] * len(bad_ids)
    with Session() as s:
        manager = s.get(User, users["manager"].id)
        with pytest.raises(ActionError, match=f"^Approval request {2 ** 40} does not exist"):
            approve_action(s, 2 ** 40, actor=manager)
        with pytest.raises(ActionError, match=f"^Approval request {2 ** 40} does not exist"):
            reject_action(s, 2 ** 40, actor=manager, reason="no")
