"""The permission table, and the services reading it (SQLite and, with TEST_DATABASE_URL, PostgreSQL).

Each service test changes one cell of model.permissions.TABLE and shows the
service follows: the table is the one place that decides.
"""
from __future__ import annotations

from decimal import Decimal

import pytest

from model import permissions
from model.actions import (
    ActionError, approve_action, assign_case, bulk_apply, cancel_items, create_case, create_return_order, create_user,
    credit_shipping, discount_items, reship_items, return_items, set_user_active, set_user_role, take_case,
)
from model.actions.customer_profile import update_customer
from model.entities import PendingApproval, User
from model.permissions import NO, UP_TO_THRESHOLD, YES, Capability
from tests.unit.helpers import digest
from tests.unit.order_fixtures import line_ids, make_order

D = Decimal


def set_cell(monkeypatch, role: str, capability: str, grant) -> None:
    row = dict(permissions.TABLE[role])
    row[Capability(capability)] = grant
    monkeypatch.setitem(permissions.TABLE, role, row)


# --- the table itself -------------------------------------------------------------------
def test_admins_hold_every_capability_and_every_role_can_read_and_work_cases():
    assert all(permissions.can("admin", cap) for cap in Capability)
    for role in permissions.ROLES:
        assert permissions.can(role, "view_queue") and permissions.can(role, "take")


@pytest.mark.parametrize(("role", "capability", "expected"), [
    ("agent", "assign", False), ("agent", "bulk", False), ("agent", "analytics", False),
    ("agent", "approve", False), ("agent", "admin", False), ("agent", "order.return", True),
    ("lead", "assign", True), ("lead", "bulk", True), ("lead", "analytics", True), ("lead", "approve", False),
    ("manager", "approve", True), ("manager", "admin", False), ("admin", "admin", True),
    ("nobody", "view_queue", False), (None, "view_queue", False),
])
def test_can_reads_the_cell(role, capability, expected):
    assert permissions.can(role, capability) is expected


def test_a_capability_that_does_not_exist_is_an_error_not_a_no():
    with pytest.raises(ValueError, match="Unknown capability"):
        permissions.can("admin", "view_queeu")


@pytest.mark.parametrize(("role", "limit"), [("agent", D("500")), ("lead", D("500")), ("manager", None),
                                             ("admin", None)])
def test_refund_limits_are_the_threshold_for_agents_and_leads_and_none_for_approvers(role, limit):
    assert permissions.refund_limit(role, "order.return", D("500")) == limit


def test_a_refund_limit_for_a_capability_the_role_lacks_is_refused(monkeypatch):
    set_cell(monkeypatch, "agent", "order.discount", NO)
    with pytest.raises(PermissionError):
        permissions.refund_limit("agent", "order.discount", D("500"))


def test_every_order_service_and_panel_action_has_a_capability():
    from model.actions.approval import _money_actions
    assert set(_money_actions()) <= set(permissions.SERVICES)
    assert set(permissions.ORDER_ACTIONS) == {"cancel", "discount", "credit_shipping", "return", "rma",
                                              "receive_return", "close_return", "reship"}
    with pytest.raises(ValueError):
        permissions.service_capability("refund_everything")


def test_describe_lists_every_cell_for_the_admin_page():
    rows = permissions.describe()
    assert len(rows) == len(permissions.ROLES) * len(Capability)
    assert ("agent", "order.return", UP_TO_THRESHOLD.value) in rows and ("admin", "admin", YES.value) in rows


# --- services follow the table ---------------------------------------------------------------
def refused(Session, call, match="may not do this"):  # noqa: N803
    before = digest(Session)
    with pytest.raises(ActionError, match=match):
        with Session.begin() as s:
            call(s)
    assert digest(Session) == before


def agent_in(s, users):
    return s.get(User, users["agent"].id)


@pytest.fixture
def shipped(Session, users, catalog, customer_id):  # noqa: N803
    order_id = make_order(Session, users["agent"], customer_id, lines=(("A", 40, "15.00"), ("B", 1, "40.00")),
                          ship=True)
    return order_id, line_ids(Session, order_id)


@pytest.mark.parametrize(("capability", "call"), [
    ("order.cancel", lambda s, o, lines, a: cancel_items(s, o, {lines[0]: 1}, actor=a, reason="customer_request")),
    ("order.discount", lambda s, o, lines, a: discount_items(s, o, {lines[0]: "1.00"}, actor=a, reason="goodwill")),
    ("order.credit_shipping", lambda s, o, lines, a: credit_shipping(s, o, "1.00", actor=a, reason="goodwill")),
    ("order.return", lambda s, o, lines, a: return_items(s, o, {lines[0]: 1}, actor=a, reason="damaged")),
    ("order.rma", lambda s, o, lines, a: create_return_order(s, o, {lines[0]: 1}, actor=a, reason="damaged")),
    ("order.reship", lambda s, o, lines, a: reship_items(s, o, {lines[0]: 1}, actor=a, reason="lost_in_transit")),
], ids=lambda value: value if isinstance(value, str) else "")
def test_an_order_service_refuses_a_role_the_table_does_not_grant(Session, users, shipped, monkeypatch,
                                                                   capability, call):
    order_id, lines = shipped
    set_cell(monkeypatch, "agent", capability, NO)

    refused(Session, lambda s: call(s, order_id, lines, agent_in(s, users)))


def test_the_refund_limit_in_the_table_decides_when_a_refund_waits_for_approval(Session, users, shipped,
                                                                                 monkeypatch):
    """20 mugs back = 324.00 USD: under 500 nothing waits; with the agent's limit at 300 (table ×
    policy threshold), the same refund waits; with no limit for agents it goes through."""
    order_id, (mugs, _lamp) = shipped
    from model.policy import Policy, current_policy, set_policy
    old = current_policy()
    try:
        set_policy(Policy(approval_threshold={"USD": D("300"), "EUR": D("300"), "JPY": D("30000")}))
        with Session.begin() as s:
            waiting = return_items(s, order_id, {mugs: 20}, actor=agent_in(s, users), reason="damaged")
            assert isinstance(waiting, PendingApproval) and waiting.amount == D("324.00")
        set_cell(monkeypatch, "agent", "order.return", YES)
        with Session.begin() as s:
            memo = return_items(s, order_id, {mugs: 20}, actor=agent_in(s, users), reason="damaged")
            assert not isinstance(memo, PendingApproval) and memo.amount == D("324.00")
    finally:
        set_policy(old)


def test_approving_follows_the_approve_capability(Session, users, shipped, monkeypatch):
    order_id, (mugs, _lamp) = shipped
    from model.policy import Policy, current_policy, set_policy
    old = current_policy()
    try:
        set_policy(Policy(approval_threshold={"USD": D("10"), "EUR": D("10"), "JPY": D("1000")}))
        with Session.begin() as s:
            pending_id = return_items(s, order_id, {mugs: 2}, actor=agent_in(s, users), reason="damaged").id
    finally:
        set_policy(old)
    set_cell(monkeypatch, "manager", "approve", NO)
    refused(Session, lambda s: approve_action(s, pending_id, actor=s.get(User, users["manager"].id)),
            "Only a manager can approve")
    set_cell(monkeypatch, "lead", "approve", YES)
    with Session.begin() as s:
        assert approve_action(s, pending_id, actor=s.get(User, users["lead"].id)).amount == D("32.40")


def test_case_services_follow_take_and_assign(Session, users, customer_id, monkeypatch):
    with Session.begin() as s:
        case_id = create_case(s, subject="Parcel", actor=agent_in(s, users), customer_id=customer_id).id
    set_cell(monkeypatch, "agent", "take", NO)
    refused(Session, lambda s: take_case(s, case_id, actor=agent_in(s, users)))
    refused(Session, lambda s: create_case(s, subject="Another", actor=agent_in(s, users)))
    set_cell(monkeypatch, "lead", "assign", NO)
    refused(Session, lambda s: assign_case(s, case_id, users["agent"].id, actor=s.get(User, users["lead"].id)),
            "Only a lead, a manager or an admin can assign")
    set_cell(monkeypatch, "agent", "assign", YES)
    with Session.begin() as s:
        assert assign_case(s, case_id, users["agent2"].id, actor=agent_in(s, users)).assignee_id == users["agent2"].id


def test_bulk_follows_the_bulk_capability(Session, users, customer_id, monkeypatch):
    with Session.begin() as s:
        case_id = create_case(s, subject="Parcel", actor=agent_in(s, users), customer_id=customer_id).id
    set_cell(monkeypatch, "lead", "bulk", NO)
    result = bulk_apply(Session.begin, actor_id=users["lead"].id, case_ids=[case_id], action="priority",
                        value="urgent")
    assert result.done == [] and len(result.refused) == 1
    set_cell(monkeypatch, "agent", "bulk", YES)
    result = bulk_apply(Session.begin, actor_id=users["agent"].id, case_ids=[case_id], action="priority",
                        value="urgent")
    assert len(result.done) == 1 and result.refused == []


def test_customer_profiles_follow_edit_customer(Session, users, customer_id, monkeypatch):
    set_cell(monkeypatch, "agent", "edit_customer", NO)
    refused(Session, lambda s: update_customer(s, customer_id, actor=agent_in(s, users), memo="hello"))


def test_user_administration_needs_the_admin_capability(Session, users, monkeypatch):
    manager = users["manager"]
    refused(Session, lambda s: set_user_role(s, users["agent"].id, "lead", actor=s.get(User, manager.id)))
    refused(Session, lambda s: set_user_active(s, users["agent"].id, False, actor=s.get(User, manager.id)))
    refused(Session, lambda s: create_user(s, login="newbie", role="agent", password="long-enough",
                                           actor=s.get(User, manager.id)))
    set_cell(monkeypatch, "manager", "admin", YES)
    with Session.begin() as s:
        assert set_user_role(s, users["agent"].id, "lead", actor=s.get(User, manager.id)).role == "lead"
