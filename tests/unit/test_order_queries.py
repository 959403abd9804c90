"""The Actions panel's rules: offered only when valid, with a reason when not."""
from model.actions import cancel_items, fulfill, report_lost
from model.queries.orders import action_states, load_order, timeline
from tests.unit.order_fixtures import line_ids, make_order


def states(Session, order_id):  # noqa: N803
    with Session() as s:
        order = load_order(s, order_id)
        return {st.action: st for st in action_states(s, order)}


def test_new_order_offers_cancel_and_discount_not_return(Session, users, catalog, customer_id):
    order_id = make_order(Session, users["agent"], customer_id)
    st = states(Session, order_id)
    assert st["cancel"].enabled and st["discount"].enabled
    assert not st["return"].enabled and st["return"].why_not == "Nothing shipped is left to return."
    assert not st["reship"].enabled and not st["credit_shipping"].enabled


def test_shipped_order_offers_return_and_reship_after_loss(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, ship=True)
    st = states(Session, order_id)
    assert st["return"].enabled and st["credit_shipping"].enabled and not st["cancel"].enabled
    assert not st["reship"].enabled
    with Session.begin() as s:
        order = load_order(s, order_id)
        report_lost(s, order.fulfillment_orders[0].id, actor=agent, reason="lost_in_transit")
    assert states(Session, order_id)["reship"].enabled


def test_load_by_number_and_timeline(Session, users, catalog, customer_id):
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id)
    a, b = line_ids(Session, order_id)
    with Session.begin() as s:
        cancel_items(s, order_id, {a: 1}, actor=agent, reason="customer_request")
        fulfill(s, order_id, actor=agent)
    with Session() as s:
        number = load_order(s, order_id).number
        order = load_order(s, number.lower())
        assert order.id == order_id and load_order(s, "SO-99999999") is None and load_order(s, None) is None
        kinds = [e.kind for e in timeline(s, order)]
        assert kinds[:3] == ["order.fulfill", "order.allocate", "order.cancel"] and kinds[-1] == "order.place"
