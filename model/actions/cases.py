"""Case services: create, take, assign, add a message, set the status, edit the fields, link the
order, and apply one of them to many cases (DESIGN: Decisions → Cases)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..entities import (
    Case, CaseChannel, CaseMessage, CasePriority, CaseStatus, CaseTag, CaseType, Customer,
    CustomerEmail, MessageKind, OrderSummary, User, utcnow,
)
from ..ids import valid_id
from ..policy import current_policy
from ..permissions import can
from ._common import NUMBER_PREFIX, ActionError, assign_number, lock_case, record, require_actor
from .customers import validate_email

# An order number as format_number writes it ("SO-00000042"), wherever it appears in the text.
ORDER_NUMBER = re.compile(rf"(?<![\w-]){re.escape(NUMBER_PREFIX['order'])}\d{{8}}(?!\w)", re.IGNORECASE)
SUBJECT_LENGTH = 300
BODY_LENGTH = 20_000
TAG_LENGTH = 40
PREVIEW_LENGTH = 200
FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
BULK_LIMIT = 500
BULK_ACTIONS = ("assign", "priority", "tag", "close")


# --- validation -----------------------------------------------------------------
def _choice(value, enum, what: str) -> str:
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise ActionError(f"Choose a {what}: {', '.join(allowed)}.")
    return str(value)


def _body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ActionError("Write a message; it cannot be empty.")
    text = body.strip()
    if len(text) > BODY_LENGTH:
        raise ActionError(f"A message is at most {BODY_LENGTH:,} characters; this one has {len(text):,}.")
    return text


def _preview(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_LENGTH]


def _tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = [tags]
    cleaned = {str(tag).strip().lower() for tag in tags or ()} - {""}
    too_long = sorted(tag for tag in cleaned if len(tag) > TAG_LENGTH)
    if too_long:
        raise ActionError(f"A tag is at most {TAG_LENGTH} characters: {too_long[0][:60]!r} is longer.")
    return sorted(cleaned)


def _cc(cc) -> str | None:
    if cc is None:
        return None
    addresses = re.split(r"[,;\s]+", cc) if isinstance(cc, str) else list(cc)
    emails = list(dict.fromkeys(validate_email(a) for a in addresses if str(a).strip()))
    return ", ".join(emails) or None


def _closed_error(case: Case) -> ActionError:
    return ActionError(f"Case {case.number} is closed; open a new case for a follow-up.")


# --- customer and order -----------------------------------------------------------
def _customer(s: Session, customer_id, sender_email) -> Customer | None:
    if customer_id is not None:
        customer = s.get(Customer, customer_id) if valid_id(customer_id) is not None else None
        if customer is None:
            raise ActionError(f"Customer {customer_id} does not exist.")
        return customer
    if not sender_email:
        return None
    email = validate_email(sender_email)
    # Emails are stored lowercase; a shared address goes to the customer who has it as primary.
    return s.execute(
        select(Customer).join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
        .where(CustomerEmail.email == email)
        .order_by(CustomerEmail.is_primary.desc(), CustomerEmail.id).limit(1)
    ).scalar_one_or_none()


def _given_order(s: Session, order_id, customer: Customer | None) -> OrderSummary:
    order = s.get(OrderSummary, order_id) if valid_id(order_id) is not None else None
    if order is None:
        raise ActionError(f"Order {order_id} does not exist.")
    if customer is not None and order.customer_id != customer.id:
        raise ActionError(f"Order {order.number} belongs to another customer; "
                          f"link one of {customer.name}'s orders instead.")
    return order


def _named_order(s: Session, customer: Customer, *texts: str | None) -> OrderSummary | None:
    """The first order number in the texts that is an order of this customer."""
    numbers = list(dict.fromkeys(m.upper() for text in texts if text for m in ORDER_NUMBER.findall(text)))[:50]
    if not numbers:
        return None
    found = {order.number: order for order in s.execute(
        select(OrderSummary).where(OrderSummary.number.in_(numbers),
                                   OrderSummary.customer_id == customer.id)).scalars()}
    return next((found[n] for n in numbers if n in found), None)


# --- services ---------------------------------------------------------------------
def create_case(s: Session, *, subject: str, actor: User, customer_id: int | None = None,
                order_id: int | None = None, channel: str = "email", type: str = "other",  # noqa: A002
                priority: str = "normal", body: str | None = None, sender_email: str | None = None,
                tags=(), cc=None) -> Case:
    """A new case; the body is its first message, in the customer's words.

    The customer is given or found by the sender's email; without an explicit
    order the case links the first of that customer's order numbers named in
    the subject or body (never another customer's order).
    """
    require_actor(actor, "take")
    if not isinstance(subject, str) or not subject.strip() or len(subject.strip()) > SUBJECT_LENGTH:
        raise ActionError(f"Enter a subject (1 to {SUBJECT_LENGTH} characters).")
    channel = _choice(channel, CaseChannel, "channel")
    case_type = _choice(type, CaseType, "case type")
    priority = _choice(priority, CasePriority, "priority")
    if body is not None and not isinstance(body, str):
        raise ActionError("The message must be text.")
    text = _body(body) if body is not None and body.strip() else None
    tag_names, cc_list = _tags(tags), _cc(cc)
    customer = _customer(s, customer_id, sender_email)
    if order_id is not None:
        order = _given_order(s, order_id, customer)
        customer = customer or s.get(Customer, order.customer_id)
    else:
        order = _named_order(s, customer, subject, text) if customer is not None else None
    now = utcnow()
    sla = current_policy().sla_hours.get(priority)
    case = Case(subject=subject.strip(), channel=channel, type=case_type, priority=priority,
                status=CaseStatus.NEW.value, customer_id=customer.id if customer else None,
                order_id=order.id if order else None, cc=cc_list,
                language=customer.language if customer else "en", created_at=now, updated_at=now,
                due_at=now + timedelta(hours=sla) if sla is not None else None)
    case.tag_rows = [CaseTag(tag=tag) for tag in tag_names]
    if text is not None:
        case.messages.append(CaseMessage(kind=MessageKind.CUSTOMER.value, body=text, author_id=None,
                                         created_at=now))
        case.last_message_at, case.last_message_preview = now, _preview(text)
    assign_number(s, case, "case")
    record(s, actor, "case.create", case=case, number=case.number, channel=channel, priority=priority,
           order_linked_by="given" if order_id is not None else ("text" if order else None))
    return case


def take_case(s: Session, case_id: int, *, actor: User) -> Case:
    """The actor becomes the assignee of an unassigned case; `new` becomes `open`.

    The row lock (FOR UPDATE / SQLite's write lock) serializes concurrent takers
    and the guarded UPDATE makes sure only one of them can ever win.
    """
    require_actor(actor, "take")
    case = lock_case(s, case_id)
    _refuse_taking(case, actor)
    status = CaseStatus.OPEN.value if case.status == CaseStatus.NEW else case.status
    claimed = s.execute(
        update(Case).where(Case.id == case.id, Case.assignee_id.is_(None))
        .values(assignee_id=actor.id, status=status, updated_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    s.refresh(case)
    if claimed != 1:
        _refuse_taking(case, actor)
        raise ActionError(f"Case {case.number} was just taken by someone else.")
    record(s, actor, "case.take", case=case, assignee_id=actor.id)
    return case


def _refuse_taking(case: Case, actor: User) -> None:
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    if case.status == CaseStatus.RESOLVED:
        raise ActionError(f"Case {case.number} is resolved; reopen it before taking it.")
    if case.assignee_id is not None:
        name = "you" if case.assignee_id == actor.id else case.assignee.display_name
        raise ActionError(f"Case {case.number} is already assigned to {name}.")


def assign_case(s: Session, case_id: int, assignee_id: int | None, *, actor: User) -> Case:
    """Leads, managers and admins assign a case to an active user (None unassigns)."""
    require_actor(actor)
    if not can(actor.role, "assign"):
        raise ActionError("Only a lead, a manager or an admin can assign cases; use Take to work on one yourself.")
    assignee = None
    if assignee_id is not None:
        if valid_id(assignee_id) is not None:
            assignee = s.get(User, assignee_id)
        if assignee is None:
            raise ActionError(f"User {assignee_id} does not exist.")
        if not assignee.active:
            raise ActionError(f"{assignee.display_name}'s account is disabled; choose someone else.")
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    before = case.assignee_id
    case.assignee_id = assignee.id if assignee else None
    if assignee is not None and case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN.value
    case.updated_at = utcnow()
    record(s, actor, "case.assign", case=case, before_assignee_id=before, assignee_id=case.assignee_id)
    return case


def add_case_message(s: Session, case_id: int, *, body: str, kind: str, actor: User) -> CaseMessage:
    """A public reply, an internal note, or the customer's message logged by an agent.

    The first reply sets first_response_at (a note does not); a customer message
    reopens a resolved case; a closed case takes nothing more.
    """
    require_actor(actor, "take")
    kind = _choice(kind, MessageKind, "message kind")
    text = _body(body)
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    now = utcnow()
    message = CaseMessage(case=case, kind=kind, body=text, created_at=now,
                          author_id=None if kind == MessageKind.CUSTOMER else actor.id)
    s.add(message)
    if kind == MessageKind.REPLY and case.first_response_at is None:
        case.first_response_at = now
    reopened = kind == MessageKind.CUSTOMER and case.status == CaseStatus.RESOLVED
    if reopened:
        case.status, case.resolved_at = CaseStatus.OPEN.value, None
    case.updated_at = case.last_message_at = now
    case.last_message_preview = _preview(text)
    s.flush()
    record(s, actor, f"case.{kind}", case=case, message_id=message.id, reopened=reopened)
    return message


def set_case_status(s: Session, case_id: int, status: str, *, actor: User) -> Case:
    """Move a case between open, pending, resolved and closed; closed is final."""
    require_actor(actor, "take")
    status = _choice(status, CaseStatus, "status")
    case = lock_case(s, case_id)
    if case.status == status:
        return case
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    if status == CaseStatus.NEW:
        raise ActionError(f"Case {case.number} has been worked on; set it to open or pending instead of new.")
    before, now = case.status, utcnow()
    case.status = status
    # Closing a resolved case keeps the time it was resolved; reopening clears it.
    case.resolved_at = (case.resolved_at or now) if status in FINISHED else None
    case.updated_at = now
    record(s, actor, "case.status", case=case, before_status=before, status=status)
    return case


def set_case_fields(s: Session, case_id: int, *, actor: User, priority: str | None = None,
                    type: str | None = None, tags=None, add_tags=(), cc=None,  # noqa: A002
                    clear_cc: bool = False) -> Case:
    """Change priority, type, the tag set (or add tags) and CCs; one audit event per change."""
    require_actor(actor, "take")
    priority = _choice(priority, CasePriority, "priority") if priority is not None else None
    case_type = _choice(type, CaseType, "case type") if type is not None else None
    new_tags = _tags(tags) if tags is not None else None
    extra_tags = _tags(add_tags) if add_tags else []
    cc_list = _cc(cc) if cc is not None else None
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    changed = False
    if priority is not None and priority != case.priority:
        record(s, actor, "case.priority", case=case, before_priority=case.priority, priority=priority)
        case.priority, changed = priority, True
    if case_type is not None and case_type != case.type:
        record(s, actor, "case.type", case=case, before_type=case.type, type=case_type)
        case.type, changed = case_type, True
    current = set(s.scalars(select(CaseTag.tag).where(CaseTag.case_id == case.id)))
    wanted = set(new_tags) if new_tags is not None else set(current)
    wanted |= set(extra_tags)
    if wanted != current:
        for tag in sorted(current - wanted):
            s.delete(s.get(CaseTag, (case.id, tag)))
        for tag in sorted(wanted - current):
            s.add(CaseTag(case_id=case.id, tag=tag))
        record(s, actor, "case.tags", case=case, before_tags=sorted(current), tags=sorted(wanted))
        changed = True
    if (cc is not None or clear_cc) and (cc_list if not clear_cc else None) != case.cc:
        after = None if clear_cc else cc_list
        record(s, actor, "case.cc", case=case, before_cc=case.cc, cc=after)
        case.cc, changed = after, True
    if changed:
        case.updated_at = utcnow()
        s.flush()
    return case


def link_case_order(s: Session, case_id: int, order_id: int | None, *, actor: User) -> Case:
    """Link one of the case's customer's orders to the case, change it, or unlink it (None).

    For the cases where no order was associated from the customer's words, or the
    wrong one: only that customer's own orders, never on a closed case; audited
    with the order before and after.
    """
    require_actor(actor, "take")
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    order = None
    if order_id is not None:
        if case.customer_id is None:
            raise ActionError(f"Case {case.number} has no customer; only a customer's own orders can be linked.")
        order = _given_order(s, order_id, s.get(Customer, case.customer_id))
    if (order.id if order else None) == case.order_id:
        return case
    before = case.order_id
    case.order_id = order.id if order else None
    case.updated_at = utcnow()
    record(s, actor, "case.order", case=case, order=order, before_order_id=before, order_id=case.order_id)
    s.flush()
    return case


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # case numbers
    refused: list[str] = field(default_factory=list)  # sentences


def bulk_apply(transaction, *, actor_id: int, case_ids: list[int], action: str, value=None) -> BulkResult:
    """Apply one action to each case in its own transaction, so one refusal stops nothing else.

    `transaction` is a context manager factory yielding a session that commits
    (pages._db.transaction, or a sessionmaker's begin). Leads, managers and
    admins only; the acting user is loaded in each transaction.
    """
    if action not in BULK_ACTIONS:
        raise ActionError(f"Choose a bulk action: {', '.join(BULK_ACTIONS)}.")
    ids = sorted({i for i in case_ids or () if isinstance(i, int) and not isinstance(i, bool)})
    if not ids:
        raise ActionError("Select at least one case.")
    if len(ids) > BULK_LIMIT:
        raise ActionError(f"Select at most {BULK_LIMIT} cases at once.")
    result = BulkResult()
    for case_id in ids:
        try:
            with transaction() as s:
                actor = s.get(User, actor_id)
                if actor is None or not actor.active or not can(actor.role, "bulk"):
                    raise ActionError("Only a lead, a manager or an admin can change cases in bulk.")
                if action == "assign":
                    case = assign_case(s, case_id, value, actor=actor)
                elif action == "priority":
                    case = set_case_fields(s, case_id, actor=actor, priority=value)
                elif action == "tag":
                    if not str(value or "").strip():
                        raise ActionError("Type the tag to add.")
                    case = set_case_fields(s, case_id, actor=actor, add_tags=[value])
                else:
                    case = set_case_status(s, case_id, CaseStatus.CLOSED.value, actor=actor)
                number = case.number
        except ActionError as error:
            result.refused.append(str(error))
            if "Only a lead" in str(error):
                break
            continue
        result.done.append(number)
    return result
