"""Every service that writes leaves an audit event: who (actor), when, what, before/after.

The services are found, not listed by hand: every public function of
model.actions' modules that takes an `actor` or
`actor_id`, plus everything model.actions exports, minus the read-only
helpers named in READ_ONLY. Each must have a call in CALLS; each call must add
at least one audit event naming the actor. A new writing service without an
audit event, or without a row here, fails this test.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from decimal import Decimal

import pytest
from sqlalchemy import func, select

import model.actions
from model.actions import (
    add_case_message, allocate, approve_action, assign_case, bulk_apply, cancel_items, close_return_order,
    create_case, create_customer, create_product, create_return_order, create_user, credit_shipping,
    discount_items, fulfill, link_case_order, place_order, receive_return_order, reject_action, report_lost,
    reship_items, return_items, set_case_fields, set_case_status, set_user_active, set_user_role, take_case,
)
from model.actions.customer_profile import update_customer
from model.entities import AuditEvent, FulfillmentOrder, OrderSummary, PendingApproval, User
from model.policy import Policy, current_policy, set_policy
from tests.unit.order_fixtures import line_ids, make_order

D = Decimal
INFRASTRUCTURE = {"_common", "flow"}  # locks, audit, keys, the flow's steps: used by the services below
READ_ONLY = {
    "ActionError", "Preview", "preview", "refundable",  # dry runs roll back; refundable reads
    "find_user",  # looks a login up for the command line
}


def services() -> dict[str, object]:
    found = {name: getattr(model.actions, name) for name in model.actions.__all__}
    modules = [importlib.import_module(f"model.actions.{m.name}") for m in pkgutil.iter_modules(model.actions.__path__)
               if m.name not in INFRASTRUCTURE]
    for module in modules:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and (
                    {"actor", "actor_id"} & set(inspect.signature(fn).parameters)):
                found[name] = fn
    return {name: fn for name, fn in found.items() if name not in READ_ONLY}


class Scene:
    """Ids shared by the calls, filled as they run (in CALLS order)."""

    def __init__(self, users, customer_id, order_id, lines):
        self.users, self.customer_id, self.order_id, self.lines = users, customer_id, order_id, lines
        self.values: dict = {}

    def actor(self, s, role="agent") -> User:
        return s.get(User, self.users[role].id)


def _fulfillment_of(s, order_id) -> int:
    return s.execute(select(FulfillmentOrder.id).where(FulfillmentOrder.order_id == order_id)
                     .order_by(FulfillmentOrder.id)).scalars().first()


def waiting_refunds(Session, scene: Scene, count: int = 2) -> list[int]:  # noqa: N803
    """Refunds of one unit each waiting for approval (threshold lowered for the requests only)."""
    old, ids = current_policy(), []
    try:
        set_policy(Policy(approval_threshold={"USD": D("1"), "EUR": D("1"), "JPY": D("100")}))
        for _ in range(count):
            with Session.begin() as s:
                pending = return_items(s, scene.order_id, {scene.lines[0]: 1}, actor=scene.actor(s),
                                       reason="damaged")
                assert isinstance(pending, PendingApproval)
                ids.append(pending.id)
    finally:
        set_policy(old)
    return ids


# name → (call(s, scene) returning what it made, the role acting; None: the system)
CALLS = {
    "create_user": (lambda s, c: create_user(s, login="newbie", role="agent", password="long enough",
                                             actor=c.actor(s, "admin")), "admin"),
    "set_user_role": (lambda s, c: set_user_role(s, c.users["agent2"].id, "lead", actor=c.actor(s, "admin")), "admin"),
    "set_user_active": (lambda s, c: set_user_active(s, c.users["agent2"].id, False, actor=c.actor(s, "admin")),
                        "admin"),
    "create_customer": (lambda s, c: create_customer(s, name="Grace Hopper", email="grace@example.com",
                                                     actor=c.actor(s)), "agent"),
    "update_customer": (lambda s, c: update_customer(s, c.customer_id, actor=c.actor(s), memo="Prefers email."),
                        "agent"),
    "create_product": (lambda s, c: create_product(s, sku="Z", name="Zeta", category="misc", price=D("1.00")), None),
    "place_order": (lambda s, c: place_order(s, customer_id=c.customer_id, lines=[("A", 1, D("15.00"))],
                                             tax_rate=D("0.08"), shipping=D("0"), actor=c.actor(s)), "agent"),
    "allocate": (lambda s, c: allocate(s, c.order_id, {c.lines[1]: 1}, actor=c.actor(s)), "agent"),
    "fulfill": (lambda s, c: fulfill(s, c.order_id, actor=c.actor(s)), "agent"),
    "report_lost": (lambda s, c: report_lost(s, _fulfillment_of(s, c.order_id), actor=c.actor(s),
                                             reason="lost_in_transit"), "agent"),
    "reship_items": (lambda s, c: reship_items(s, c.order_id, {c.lines[0]: 1}, actor=c.actor(s),
                                               reason="lost_in_transit"), "agent"),
    "cancel_items": (lambda s, c: cancel_items(s, c.values["open_order"], None, actor=c.actor(s),
                                               reason="customer_request"), "agent"),
    "discount_items": (lambda s, c: discount_items(s, c.order_id, {c.lines[0]: "1.00"}, actor=c.actor(s),
                                                   reason="goodwill"), "agent"),
    "credit_shipping": (lambda s, c: credit_shipping(s, c.order_id, "1.00", actor=c.actor(s), reason="goodwill"),
                        "agent"),
    "return_items": (lambda s, c: return_items(s, c.order_id, {c.lines[0]: 1}, actor=c.actor(s), reason="damaged"),
                     "agent"),
    "create_return_order": (lambda s, c: c.values.setdefault("rma", create_return_order(
        s, c.order_id, {c.lines[1]: 1}, actor=c.actor(s), reason="defective").id), "agent"),
    "receive_return_order": (lambda s, c: receive_return_order(s, c.values["rma"], {c.lines[1]: 1},
                                                               actor=c.actor(s)), "agent"),
    "close_return_order": (lambda s, c: close_return_order(s, c.values["rma"], actor=c.actor(s)), "agent"),
    "approve_action": (lambda s, c: approve_action(s, c.values["pending"][0], actor=c.actor(s, "manager")),
                       "manager"),
    "reject_action": (lambda s, c: reject_action(s, c.values["pending"][1], actor=c.actor(s, "manager"),
                                                 reason="Not covered"), "manager"),
    "create_case": (lambda s, c: c.values.setdefault("case", create_case(
        s, subject="Lamp broken", actor=c.actor(s), customer_id=c.customer_id).id), "agent"),
    "take_case": (lambda s, c: take_case(s, c.values["case"], actor=c.actor(s)), "agent"),
    "link_case_order": (lambda s, c: link_case_order(s, c.values["case"], c.order_id, actor=c.actor(s)), "agent"),
    "assign_case": (lambda s, c: assign_case(s, c.values["case"], c.users["lead"].id, actor=c.actor(s, "lead")),
                    "lead"),
    "add_case_message": (lambda s, c: add_case_message(s, c.values["case"], body="On its way.", kind="reply",
                                                       actor=c.actor(s)), "agent"),
    "set_case_fields": (lambda s, c: set_case_fields(s, c.values["case"], actor=c.actor(s), priority="urgent",
                                                     tags=["vip"]), "agent"),
    "set_case_status": (lambda s, c: set_case_status(s, c.values["case"], "resolved", actor=c.actor(s)), "agent"),
}
# Runs outside a caller's transaction (its own per case), so it is called on its own.
BULK = "bulk_apply"


def audit_count(Session) -> int:  # noqa: N803
    with Session() as s:
        return s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_every_writing_service_is_called_here():
    found = set(services())
    assert found - set(CALLS) - {BULK} == set(), "a writing service without a call in CALLS"
    assert set(CALLS) - found == set(), "CALLS names a service that no longer exists"


def test_every_writing_service_writes_an_audit_event_naming_its_actor(Session, users, catalog, customer_id):  # noqa: N803
    agent = users["agent"]
    order_id = make_order(Session, agent, customer_id, lines=(("A", 5, "15.00"), ("B", 2, "40.00")))
    lines = line_ids(Session, order_id)
    scene = Scene(users, customer_id, order_id, lines)
    scene.values["open_order"] = make_order(Session, agent, customer_id)
    with Session.begin() as s:
        fulfill(s, order_id, {lines[0]: 2}, actor=s.get(User, agent.id))
    scene.values["pending"] = waiting_refunds(Session, scene)
    audited = {}
    for name, (call, role) in CALLS.items():
        before = audit_count(Session)
        with Session.begin() as s:
            call(s, scene)
        with Session() as s:
            new = s.execute(select(AuditEvent).order_by(AuditEvent.id).offset(before)).scalars().all()
            assert new, f"{name} wrote no audit event"
            expected_actor = users[role].id if role else None
            assert all(event.actor_id == expected_actor and event.at is not None and event.action for event in new), \
                f"{name}: {[(e.action, e.actor_id) for e in new]}"
            audited[name] = [event.action for event in new]
    assert set(audited) == set(CALLS)
    with Session() as s:  # money actions record the order's total before and after
        events = s.execute(select(AuditEvent).where(AuditEvent.action.in_(
            ["order.cancel", "order.discount", "order.return", "order.shipping_credit", "order.rma"]))).scalars().all()
        assert {e.action for e in events} == {"order.cancel", "order.discount", "order.return",
                                              "order.shipping_credit", "order.rma"}
        assert all(e.before_amount is not None and e.after_amount is not None and e.order_id for e in events)


def test_bulk_changes_write_one_audit_event_per_case(Session, users, customer_id):  # noqa: N803
    with Session.begin() as s:
        ids = [create_case(s, subject=f"Case {i}", actor=s.get(User, users["agent"].id),
                           customer_id=customer_id).id for i in range(3)]
    before = audit_count(Session)

    result = bulk_apply(Session.begin, actor_id=users["lead"].id, case_ids=ids, action="priority", value="urgent")

    assert len(result.done) == 3
    with Session() as s:
        new = s.execute(select(AuditEvent).order_by(AuditEvent.id).offset(before)).scalars().all()
        assert sorted(e.case_id for e in new) == ids and {(e.action, e.actor_id) for e in new} == {
            ("case.priority", users["lead"].id)}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_refused_call_writes_no_audit_event(name, Session, users, catalog, customer_id):  # noqa: N803
    """The audit event belongs to the change: a refused action (here: a disabled actor) leaves none."""
    from model.actions import ActionError
    call, role = CALLS[name]
    if role is None:
        pytest.skip("the system acts; nobody to disable")
    order_id = make_order(Session, users["agent"], customer_id, lines=(("A", 5, "15.00"), ("B", 2, "40.00")))
    scene = Scene(users, customer_id, order_id, line_ids(Session, order_id))
    with Session.begin() as s:
        fulfill(s, order_id, {scene.lines[0]: 2}, actor=s.get(User, users["agent"].id))
    scene.values.update(open_order=order_id, case=0, rma=0, pending=waiting_refunds(Session, scene))
    with Session.begin() as s:
        s.get(User, users[role].id).active = False
    before = audit_count(Session)

    with pytest.raises(ActionError):
        with Session.begin() as s:
            call(s, scene)

    assert audit_count(Session) == before
    with Session() as s:
        assert s.get(OrderSummary, order_id) is not None
