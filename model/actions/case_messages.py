"""Case service: add a message (reply, note, or the customer's words)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..entities import CaseMessage, CaseStatus, MessageKind, User, utcnow
from ._common import lock_case, record, require_actor
from .case_rules import _body, _choice, _closed_error, _preview


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
