"""Real threads against the database: money moves once, never more than captured."""
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from model.actions import ActionError, cancel_items, return_items
from model.entities import CreditMemo, OrderSummary
from tests.unit.order_fixtures import line_ids, make_order, snapshot

D = Decimal
THREADS = 50


def run_in_threads(Session, call, n=THREADS):  # noqa: N803
    """Run `call(s)` in n threads, each in its own transaction; return (results, errors)."""
    def one(_):
        try:
            with Session.begin() as s:
                result = call(s)
                return ("ok", getattr(result, "id", None))
        except ActionError as error:
            return ("refused", str(error))
    with ThreadPoolExecutor(max_workers=n) as pool:
        outcomes = list(pool.map(one, range(n)))
    return [o[1] for o in outcomes if o[0] == "ok"], [o[1] for o in outcomes if o[0] == "refused"]


@pytest.mark.slow
def test_fifty_threads_return_one_unit_each_of_five(Session, users, catalog, customer_id):
    """Given a line with 5 returnable units, when 50 threads each return 1, then exactly 5 succeed."""
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("A", 5, "15.00"), ("B", 1, "40.00")), ship=True)
    a, _ = line_ids(Session, order_id)
    done, refused = run_in_threads(Session, lambda s: return_items(s, order_id, {a: 1}, actor=agent,
                                                                   reason="damaged"))
    assert len(done) == 5 and len(refused) == THREADS - 5
    assert all(message.startswith("No unit of A can be returned: 5 are already returned")
               for message in refused)
    snap = snapshot(Session, order_id)
    assert snap["refunded"] == 5 * D("16.20") and snap["credit_memos"] == [D("16.20")] * 5
    assert snap["refunded"] <= snap["captured"]


@pytest.mark.slow
def test_fifty_threads_sharing_one_idempotency_key_refund_once(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("A", 5, "15.00"),), ship=True)
    (a,) = line_ids(Session, order_id)
    done, refused = run_in_threads(Session, lambda s: return_items(
        s, order_id, {a: 1}, actor=agent, reason="damaged", idempotency_key="double-click-42"))
    assert refused == [] and len(done) == THREADS and len(set(done)) == 1
    with Session() as s:
        assert s.query(CreditMemo).count() == 1
    assert snapshot(Session, order_id)["refunded"] == D("16.20")


@pytest.mark.slow
def test_concurrent_cancel_and_return_never_overdraw(Session, users, catalog, customer_id):
    """Cancels of open units and returns of shipped ones race on one order; quantities stay whole."""
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("A", 4, "15.00"), ("B", 4, "40.00")))
    a, b = line_ids(Session, order_id)
    from model.actions import fulfill
    with Session.begin() as s:
        fulfill(s, order_id, {a: 4}, actor=agent)

    def mixed(s, i=iter(range(10_000))):
        n = next(i)
        if n % 2:
            return cancel_items(s, order_id, {b: 1}, actor=agent, reason="customer_request")
        return return_items(s, order_id, {a: 1}, actor=agent, reason="damaged")
    done, refused = run_in_threads(Session, mixed, n=20)
    assert len(done) == 8
    with Session() as s:
        order = s.get(OrderSummary, order_id)
        line_a, line_b = order.lines
        assert (line_a.returned, line_b.canceled) == (4, 4)
        assert order.payment.refunded == order.payment.captured and order.grand_total == 0
