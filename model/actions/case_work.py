"""Case services: create, take, assign, set the status."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from ..entities import (
    Case, CaseChannel, CaseMessage, CasePriority, CaseStatus, CaseTag, CaseType, Customer, MessageKind, User, utcnow,
)
from ..ids import valid_id
from ..permissions import can
from ..policy import current_policy
from ._common import ActionError, assign_number, lock_case, record, require_actor
from .case_rules import (
    FINISHED, SUBJECT_LENGTH, _body, _cc, _choice, _closed_error, _customer, _given_order, _named_order, _preview,
    _tags,
)


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
