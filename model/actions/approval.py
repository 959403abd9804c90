"""approve_action / reject_action: a manager decides on a refund waiting for approval."""
from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import ApprovalStatus, PendingApproval, User, utcnow
from ..ids import valid_id
from ._common import ActionError, is_approver, lock_order, record, require_actor


def _money_actions():
    from .cancel import cancel_items
    from .credit_shipping import credit_shipping
    from .discount import discount_items
    from .returns import return_items
    from .rma import close_return_order
    return {
        "cancel_items": lambda s, a, **kw: cancel_items(s, a["order_id"], a["lines"], **kw),
        "discount_items": lambda s, a, **kw: discount_items(s, a["order_id"], a["amounts"], **kw),
        "return_items": lambda s, a, **kw: return_items(s, a["order_id"], a["lines"], **kw),
        "credit_shipping": lambda s, a, **kw: credit_shipping(s, a["order_id"], a["amount"], **kw),
        "close_return_order": lambda s, a, **kw: close_return_order(s, a["return_order_id"], **kw),
    }


def _lock_pending(s: Session, pending_approval_id, actor: User) -> PendingApproval:
    require_actor(actor)
    if not is_approver(actor):
        raise ActionError("Only a manager can approve or reject refunds.")
    if not isinstance(pending_approval_id, int) or isinstance(pending_approval_id, bool):
        raise ActionError("Choose an approval request.")
    if valid_id(pending_approval_id) is None:
        raise ActionError(f"Approval request {pending_approval_id} does not exist.")
    order_id = s.execute(select(PendingApproval.order_id).where(
        PendingApproval.id == pending_approval_id)).scalar_one_or_none()
    if order_id is None:
        raise ActionError(f"Approval request {pending_approval_id} does not exist.")
    lock_order(s, order_id)  # orders before approvals, as every action locks them
    pending = s.execute(select(PendingApproval).where(PendingApproval.id == pending_approval_id)
                        .with_for_update().execution_options(populate_existing=True)).scalar_one()
    if pending.status != ApprovalStatus.PENDING:
        raise ActionError(f"This request was already {pending.status}.")
    return pending


def approve_action(s: Session, pending_approval_id: int, *, actor: User, note: str | None = None):
    """Run the waiting action now, re-validated against the order as it is; managers only.

    `note`: the manager's remark, kept with the decision.
    """
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise ActionError("A note is text of at most 2,000 characters.")
    pending = _lock_pending(s, pending_approval_id, actor)
    arguments = json.loads(pending.arguments)
    extra = {k: arguments[k] for k in ("reason", "note") if pending.action != "close_return_order"}
    if arguments.get("case_id") is not None:  # the case the agent asked for it from
        extra["case_id"] = arguments["case_id"]
    result = _money_actions()[pending.action](s, arguments, actor=actor, _approval=pending, **extra)
    pending.status = ApprovalStatus.APPROVED
    pending.decided_by_id, pending.decided_at = actor.id, utcnow()
    if note and note.strip():
        pending.decision_reason = note.strip()
    if result is not None:
        pending.result_type, pending.result_id = type(result).__name__, result.id
    record(s, actor, "approval.approve", order=pending.order, case_id=arguments.get("case_id"),
           approval_id=pending.id, requested_action=pending.action, refund=pending.amount,
           note=pending.decision_reason)
    return result


def reject_action(s: Session, pending_approval_id: int, *, actor: User, reason: str) -> PendingApproval:
    """Refuse the waiting action; nothing moves and its amount is refundable again."""
    if not isinstance(reason, str) or not reason.strip():
        raise ActionError("Say why the request is rejected.")
    pending = _lock_pending(s, pending_approval_id, actor)
    pending.status = ApprovalStatus.REJECTED
    pending.decided_by_id, pending.decided_at = actor.id, utcnow()
    pending.decision_reason = reason.strip()[:2000]
    record(s, actor, "approval.reject", order=pending.order, approval_id=pending.id, requested_action=pending.action,
           reason=pending.decision_reason)
    return pending
