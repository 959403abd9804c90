"""Case services on SQLite and PostgreSQL: create, take, assign, messages, status."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from model.actions import (
    ActionError, add_case_message, assign_case, create_case, create_customer, create_user, link_case_order,
    place_order, set_case_status, take_case,
)
from model.entities import AuditEvent, Case, User
from tests.unit.helpers import digest

D = Decimal


def _order(s, customer_id, actor):
    return place_order(s, customer_id=customer_id, lines=[("A", 1, D("15.00"))], tax_rate=D("0.08"),
                       shipping=D("5.00"), actor=actor)


@pytest.fixture
def orders(Session, users, catalog, customer_id):
    """Two orders of Ada's and one of another customer (Grace)."""
    with Session.begin() as s:
        grace = create_customer(s, name="Grace Hopper", email="grace@example.com", language="es",
                                other_emails=["g.hopper@example.org"], actor=users["agent"])
        ada_1, ada_2 = _order(s, customer_id, users["agent"]), _order(s, customer_id, users["agent"])
        grace_order = _order(s, grace.id, users["agent"])
        return {"ada": [ada_1.number, ada_2.number], "ada_ids": [ada_1.id, ada_2.id],
                "grace": grace_order.number, "grace_id": grace_order.id, "grace_customer": grace.id}


@pytest.mark.parametrize("beyond", [2 ** 31, 2 ** 40, 2 ** 63])
def test_an_id_beyond_32_bits_names_no_case_customer_or_person(Session, users, customer_id, beyond):
    """PostgreSQL refuses such a number in a statement (integer out of range): it is "not found"."""
    from model.queries.cases import customer_label, customer_orders
    with Session.begin() as s:
        case = create_case(s, subject="Out of range", customer_id=customer_id, actor=users["lead"])
    with Session() as s:
        assert customer_label(s, beyond) is None and customer_orders(s, beyond) == []
    before = digest(Session)
    for act, what in ((lambda s, actor: take_case(s, beyond, actor=actor), "Case"),
                      (lambda s, actor: assign_case(s, case.id, beyond, actor=actor), "User"),
                      (lambda s, actor: link_case_order(s, case.id, beyond, actor=actor), "Order"),
                      (lambda s, actor: create_case(s, subject="x", customer_id=beyond, actor=actor), "Customer")):
        with pytest.raises(ActionError, match=f"^{what} {beyond} does not exist"):
            with Session.begin() as s:
                act(s, s.get(User, users["lead"].id))
    assert digest(Session) == before


@pytest.fixture
def case_id(Session, users, customer_id):
    with Session.begin() as s:
        return create_case(s, subject="Where is my parcel?", body="It has been two weeks.",
                           customer_id=customer_id, actor=users["agent"]).id


def _case(Session, case_id) -> Case:
    with Session() as s:
        case = s.get(Case, case_id)
        case.messages, case.tag_rows  # noqa: B018 - load before the session closes
        return case


def _events(Session, action: str, case_id: int) -> int:
    with Session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action, AuditEvent.case_id == case_id))


def test_create_case_with_first_message_sla_and_tags(Session, users, customer_id):
    with Session.begin() as s:
        case = create_case(s, subject="  Broken mug ", body="The handle\nfell off. " * 20, customer_id=customer_id,
                           priority="high", type="claim", channel="chat", tags=["Damage", "damage", " VIP "],
                           cc="boss@example.com; ADA2@example.com", actor=users["agent"])
        case_id = case.id
    case = _case(Session, case_id)
    assert case.number == f"CS-{case_id:08d}" and case.subject == "Broken mug"
    assert (case.status, case.type, case.priority, case.channel) == ("new", "claim", "high", "chat")
    assert case.customer_id == customer_id and case.order_id is None and case.language == "en"
    assert case.due_at - case.created_at == timedelta(hours=8)
    assert case.tags == ["damage", "vip"] and case.cc == "boss@example.com, ada2@example.com"
    [message] = case.messages
    assert message.kind == "customer" and message.body.startswith("The handle\nfell off.")
    assert case.last_message_at == message.created_at
    assert len(case.last_message_preview) == 200 and "\n" not in case.last_message_preview
    assert case.first_response_at is None
    assert _events(Session, "case.create", case_id) == 1


def _events(Session, action: str, case_id: int) -> int:
    with Session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == action, AuditEvent.case_id == case_id))


def test_create_case_without_body_or_customer(Session, users):
    with Session.begin() as s:
        case = create_case(s, subject="Internal: restock", channel="internal", priority="urgent",
                           actor=users["lead"])
        case_id = case.id
    case = _case(Session, case_id)
    assert case.messages == [] and case.customer_id is None and case.last_message_at is None
    assert case.due_at - case.created_at == timedelta(hours=4)


def test_auto_association_links_the_customers_order_named_in_the_body(Session, users, orders):
    grace_number, ada_number = orders["grace"], orders["ada"][1]
    with Session.begin() as s:
        case = create_case(s, subject=f"Refund for {grace_number}?",
                           body=f"Sorry, I meant order {ada_number.lower()}, not the other one.",
                           sender_email="Ada@Example.com", actor=users["agent"])
        case_id = case.id
    case = _case(Session, case_id)
    assert case.order_id == orders["ada_ids"][1]


def test_auto_association_ignores_another_customers_order(Session, users, orders, customer_id):
    with Session.begin() as s:
        case = create_case(s, subject="Question", body=f"What about {orders['grace']}?",
                           customer_id=customer_id, actor=users["agent"])
        case_id = case.id
    assert _case(Session, case_id).order_id is None


def test_sender_email_finds_customer_and_language(Session, users, orders):
    with Session.begin() as s:
        case = create_case(s, subject=f"Pedido {orders['grace']}", sender_email="g.hopper@example.org",
                           actor=users["agent"])
        case_id = case.id
    case = _case(Session, case_id)
    assert case.customer_id == orders["grace_customer"] and case.order_id == orders["grace_id"]
    assert case.language == "es"


def test_unknown_sender_makes_a_case_without_customer_or_order(Session, users, orders):
    with Session.begin() as s:
        case_id = create_case(s, subject=f"About {orders['ada'][0]}", sender_email="stranger@example.net",
                              actor=users["agent"]).id
    case = _case(Session, case_id)
    assert case.customer_id is None and case.order_id is None


def test_explicit_order_gives_the_customer(Session, users, orders):
    with Session.begin() as s:
        case_id = create_case(s, subject="Call about an order", order_id=orders["grace_id"], channel="phone",
                              actor=users["agent"]).id
    case = _case(Session, case_id)
    assert (case.order_id, case.customer_id) == (orders["grace_id"], orders["grace_customer"])


def test_take_case_assigns_and_opens(Session, users, case_id):
    with Session.begin() as s:
        take_case(s, case_id, actor=users["agent"])
    case = _case(Session, case_id)
    assert (case.assignee_id, case.status) == (users["agent"].id, "open")
    with pytest.raises(ActionError, match=r"CS-\d{8} is already assigned to Agent\."):
        with Session.begin() as s:
            take_case(s, case_id, actor=users["agent2"])


def test_assign_case_by_lead_and_unassign(Session, users, case_id):
    with Session.begin() as s:
        assign_case(s, case_id, users["agent2"].id, actor=users["lead"])
    case = _case(Session, case_id)
    assert (case.assignee_id, case.status) == (users["agent2"].id, "open")
    with Session.begin() as s:
        assign_case(s, case_id, None, actor=users["manager"])
    case = _case(Session, case_id)
    assert (case.assignee_id, case.status) == (None, "open")


def test_first_response_set_by_reply_not_by_note(Session, users, case_id):
    with Session.begin() as s:
        add_case_message(s, case_id, body="Checking with the carrier.", kind="note", actor=users["agent"])
    assert _case(Session, case_id).first_response_at is None
    with Session.begin() as s:
        reply = add_case_message(s, case_id, body="We are on it!", kind="reply", actor=users["agent"])
        reply_id = reply.id
    case = _case(Session, case_id)
    assert case.first_response_at is not None and case.first_response_at == case.messages[-1].created_at
    assert case.messages[-1].id == reply_id and case.messages[-1].author_id == users["agent"].id
    assert case.last_message_preview == "We are on it!" and [m.kind for m in case.messages] == [
        "customer", "note", "reply"]
    first = case.first_response_at
    with Session.begin() as s:
        add_case_message(s, case_id, body="Second reply.", kind="reply", actor=users["agent"])
    assert _case(Session, case_id).first_response_at == first


def test_customer_message_reopens_a_resolved_case(Session, users, case_id):
    with Session.begin() as s:
        set_case_status(s, case_id, "resolved", actor=users["agent"])
    case = _case(Session, case_id)
    assert case.status == "resolved" and case.resolved_at is not None
    with Session.begin() as s:
        add_case_message(s, case_id, body="It still has not arrived.", kind="customer", actor=users["agent"])
    case = _case(Session, case_id)
    assert (case.status, case.resolved_at) == ("open", None)
    assert case.messages[-1].kind == "customer" and case.messages[-1].author_id is None


def test_status_flow_keeps_first_resolved_at_and_closed_is_final(Session, users, case_id):
    with Session.begin() as s:
        set_case_status(s, case_id, "pending", actor=users["agent"])
        set_case_status(s, case_id, "resolved", actor=users["agent"])
    resolved_at = _case(Session, case_id).resolved_at
    with Session.begin() as s:
        set_case_status(s, case_id, "closed", actor=users["agent"])
    case = _case(Session, case_id)
    assert (case.status, case.resolved_at) == ("closed", resolved_at)
    with pytest.raises(ActionError, match="is closed; open a new case for a follow-up"):
        with Session.begin() as s:
            set_case_status(s, case_id, "open", actor=users["agent"])
    with Session.begin() as s:
        set_case_status(s, case_id, "closed", actor=users["agent"])  # already there: nothing to do


def test_reopening_clears_resolved_at(Session, users, case_id):
    with Session.begin() as s:
        set_case_status(s, case_id, "resolved", actor=users["agent"])
        set_case_status(s, case_id, "open", actor=users["agent"])
    case = _case(Session, case_id)
    assert (case.status, case.resolved_at) == ("open", None)


def test_refusals_leave_database_unchanged(Session, users, orders, customer_id, case_id):
    with Session.begin() as s:
        resolved = create_case(s, subject="Resolved", customer_id=customer_id, actor=users["agent"])
        set_case_status(s, resolved.id, "resolved", actor=users["agent"])
        closed = create_case(s, subject="Closed", customer_id=customer_id, actor=users["agent"])
        set_case_status(s, closed.id, "closed", actor=users["agent"])
        taken = create_case(s, subject="Taken", customer_id=customer_id, actor=users["agent"])
        take_case(s, taken.id, actor=users["agent"])
        resolved_id, closed_id, taken_id = resolved.id, closed.id, taken.id
    with Session.begin() as s:
        s.get(User, users["agent2"].id).active = False
    agent, lead = users["agent"], users["lead"]
    refusals = {
        "Enter a subject": lambda s: create_case(s, subject="  ", actor=agent),
        "1 to 300": lambda s: create_case(s, subject="x" * 301, actor=agent),
        "Choose a channel": lambda s: create_case(s, subject="Hi", channel="fax", actor=agent),
        "Choose a case type": lambda s: create_case(s, subject="Hi", type="rant", actor=agent),
        "Choose a priority": lambda s: create_case(s, subject="Hi", priority="asap", actor=agent),
        "Customer 999 does not exist": lambda s: create_case(s, subject="Hi", customer_id=999, actor=agent),
        "belongs to another customer": lambda s: create_case(
            s, subject="Hi", customer_id=customer_id, order_id=orders["grace_id"], actor=agent),
        "Order 999 does not exist": lambda s: create_case(s, subject="Hi", order_id=999, actor=agent),
        "not an email address": lambda s: create_case(s, subject="Hi", sender_email="nope", actor=agent),
        "at most 40 characters": lambda s: create_case(s, subject="Hi", tags=["t" * 41], actor=agent),
        "at most 20,000 characters": lambda s: create_case(s, subject="Hi", body="x" * 20_001, actor=agent),
        "Sign in": lambda s: create_case(s, subject="Hi", actor=None),
        "already assigned to Agent": lambda s: take_case(s, taken_id, actor=users["lead"]),
        "already assigned to you": lambda s: take_case(s, taken_id, actor=agent),
        "is resolved; reopen it": lambda s: take_case(s, resolved_id, actor=agent),
        "is closed; open a new case": lambda s: take_case(s, closed_id, actor=agent),
        "Case 999 does not exist": lambda s: take_case(s, 999, actor=agent),
        "Only a lead, a manager or an admin": lambda s: assign_case(s, case_id, agent.id, actor=agent),
        "User 999 does not exist": lambda s: assign_case(s, case_id, 999, actor=lead),
        "account is disabled": lambda s: assign_case(s, case_id, users["agent2"].id, actor=lead),
        "closed; open a new case for a follow-up": lambda s: assign_case(s, closed_id, agent.id, actor=lead),
        "Choose a message kind": lambda s: add_case_message(s, case_id, body="Hi", kind="sms", actor=agent),
        "cannot be empty": lambda s: add_case_message(s, case_id, body=" \n ", kind="reply", actor=agent),
        "at most 20,000": lambda s: add_case_message(s, case_id, body="x" * 20_001, kind="note", actor=agent),
        "Case CS-\\d+ is closed": lambda s: add_case_message(s, closed_id, body="Hi", kind="customer",
                                                             actor=agent),
        "Choose a status": lambda s: set_case_status(s, case_id, "done", actor=agent),
        "instead of new": lambda s: set_case_status(s, resolved_id, "new", actor=agent),
        "stays closed|is closed": lambda s: set_case_status(s, closed_id, "resolved", actor=agent),
    }
    before = digest(Session)
    for message, call in refusals.items():
        with pytest.raises(ActionError, match=message):
            with Session.begin() as s:
                call(s)
    assert digest(Session) == before


@pytest.mark.slow
def test_twenty_threads_take_the_same_case_exactly_one_wins(Session, users, case_id):
    with Session.begin() as s:
        agents = [create_user(s, login=f"racer{i}", role="agent", password="password-racer") for i in range(20)]
    barrier = threading.Barrier(len(agents))
    outcomes: list[str] = []

    def take(agent):
        barrier.wait()
        try:
            with Session.begin() as s:
                take_case(s, case_id, actor=agent)
            outcomes.append("won")
        except ActionError as error:
            outcomes.append(str(error))
        except Exception as error:  # noqa: BLE001 - any other failure is a test failure below
            outcomes.append(f"crashed: {error!r}")

    threads = [threading.Thread(target=take, args=(agent,)) for agent in agents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert outcomes.count("won") == 1, outcomes
    assert all("is already assigned to" in o for o in outcomes if o != "won"), outcomes
    case = _case(Session, case_id)
    assert case.assignee_id in {a.id for a in agents} and case.status == "open"
    assert _events(Session, "case.take", case_id) == 1


# --- linking the order by hand -------------------------------------------------------------------
def test_link_then_change_then_clear_the_order_of_a_case_audited(Session, users, orders, case_id):
    """Given a case where no order was named, an agent links one of the customer's orders, then another."""
    assert _case(Session, case_id).order_id is None
    with Session.begin() as s:
        link_case_order(s, case_id, orders["ada_ids"][0], actor=users["agent"])
    assert _case(Session, case_id).order_id == orders["ada_ids"][0]
    with Session.begin() as s:
        link_case_order(s, case_id, orders["ada_ids"][1], actor=users["agent"])
        link_case_order(s, case_id, orders["ada_ids"][1], actor=users["agent"])  # the same: nothing to record
    with Session.begin() as s:
        link_case_order(s, case_id, None, actor=users["agent"])
    assert _case(Session, case_id).order_id is None
    with Session() as s:
        details = [(e.order_id, e.detail) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.action == "case.order", AuditEvent.case_id == case_id)
            .order_by(AuditEvent.id))]
    assert [order_id for order_id, _ in details] == [orders["ada_ids"][0], orders["ada_ids"][1], None]
    assert f'"before_order_id": {orders["ada_ids"][0]}' in details[1][1]


@pytest.mark.parametrize("which, message", [
    ("grace", "belongs to another customer"),
    ("missing", "does not exist"),
    ("text", "does not exist"),
])
def test_only_the_customers_own_orders_can_be_linked(Session, users, orders, case_id, which, message):
    order_id = {"grace": orders["grace_id"], "missing": 999_999, "text": "1"}[which]
    with Session.begin() as s, pytest.raises(ActionError, match=message):
        link_case_order(s, case_id, order_id, actor=users["agent"])
    assert _case(Session, case_id).order_id is None and _events(Session, "case.order", case_id) == 0


def test_no_order_on_a_case_without_customer_nor_on_a_closed_case(Session, users, orders, case_id):
    with Session.begin() as s:
        internal = create_case(s, subject="Printer on fire", actor=users["agent"]).id
    with Session.begin() as s, pytest.raises(ActionError, match="has no customer"):
        link_case_order(s, internal, orders["grace_id"], actor=users["agent"])
    with Session.begin() as s:
        set_case_status(s, case_id, "closed", actor=users["agent"])
    with Session.begin() as s, pytest.raises(ActionError, match="closed"):
        link_case_order(s, case_id, orders["ada_ids"][0], actor=users["agent"])
    assert _case(Session, case_id).order_id is None


def test_the_workspace_view_carries_the_customers_language_and_the_sla_times(Session, users, orders):
    from model.queries.cases import case_view

    with Session.begin() as s:
        spanish = create_case(s, subject="Pedido", customer_id=orders["grace_customer"], actor=users["agent"])
        internal = create_case(s, subject="Printer on fire", actor=users["agent"])
        add_case_message(s, spanish.id, body="Hola", kind="reply", actor=users["agent"])
        set_case_status(s, spanish.id, "resolved", actor=users["agent"])
        numbers = spanish.number, internal.number
    with Session() as s:
        replied, quiet = case_view(s, numbers[0]), case_view(s, numbers[1])
    assert (replied.language, quiet.language) == ("es", "en")
    assert replied.created_at <= replied.first_response_at <= replied.resolved_at
    assert quiet.first_response_at is None and quiet.resolved_at is None and quiet.due_at is not None
