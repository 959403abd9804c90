"""Running a money action: the checks, the savepoint, the steps, approval requests and previews."""
from __future__ import annotations

import json
from typing import Callable

from sqlalchemy.orm import Session

from ...entities import ApprovalStatus, PendingApproval, User, utcnow
from ...permissions import service_capability
from ...policy import current_policy
from .._common import (
    ActionError, NO_RESULT, check_case, check_reason, claim_key, lock_order, record, remember_result, require_actor,
)
from .state import Flow, Preview, _Stop
from .steps import STEPS


# --- running a flow ---------------------------------------------------------------
def run_money_action(s: Session, *, action: str, kind: str, order_id, actor: User, reason, note,
                     arguments: dict, idempotency_key: str | None, prepare: Callable,
                     reason_list: str | None = None, dry_run: bool = False,
                     approval: PendingApproval | None = None, after: Callable | None = None,
                     fulfillment: bool = False, case_id: int | None = None):
    """Run one money action. `prepare(flow)` validates and fills flow.changes and flow.mutate.

    Returns the action's result (what `after(flow)` returns, else the credit memo or
    change order), a PendingApproval when a manager must approve, or a Preview on dry run.
    `fulfillment`: the action reads the order's fulfillment orders (loaded with the lock).
    `case_id`: the case the agent works on; it must be about this order or its customer, and
    the audit event names it.
    """
    require_actor(actor, service_capability(action))
    check_reason(reason_list or kind, reason)
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise ActionError("A note is text of at most 2,000 characters.")
    arguments = {"order_id": order_id, "reason": reason, "note": note, **arguments}
    if case_id is not None:  # kept with a request for approval, so the approved action names it too
        arguments["case_id"] = case_id
    if not dry_run and approval is None:
        done = claim_key(s, idempotency_key, action, arguments)
        if done is not None:
            return None if done is NO_RESULT else done
    order = lock_order(s, order_id, fulfillment=fulfillment)
    flow = Flow(s=s, order=order, actor=actor, action=action, kind=kind, reason=reason, note=note,
                arguments=arguments, policy=current_policy(), mutate=lambda f: None,
                approval=approval, dry_run=dry_run, before_total=order.grand_total,
                case_id=check_case(s, order, case_id))
    savepoint = s.begin_nested()
    try:
        prepare(flow)
        for step in STEPS:
            step(flow)
        result = after(flow) if after else (flow.credit_memo or flow.change_order)
        s.flush()
        savepoint.commit()
    except _Stop as stop:
        savepoint.rollback()
        if dry_run:  # a preview of an action that needs approval says so; it files nothing
            return stop.preview
        result = _request_approval(s, stop.flow, stop.preview)
    except BaseException:
        savepoint.rollback()
        raise
    if not dry_run and approval is None:
        remember_result(s, idempotency_key, result)
    return result


def _request_approval(s: Session, flow: Flow, preview: Preview) -> PendingApproval:
    # The savepoint rollback expired the order; refresh it under the lock.
    order = lock_order(s, flow.arguments["order_id"])
    pending = PendingApproval(order_id=order.id, action=flow.action,
                              arguments=json.dumps(flow.arguments, default=str, sort_keys=True),
                              amount=preview.refund, currency=order.currency,
                              status=ApprovalStatus.PENDING, requested_by_id=flow.actor.id,
                              created_at=utcnow())
    s.add(pending)
    s.flush()
    record(s, flow.actor, "approval.request", order=order, case_id=flow.case_id, before=order.grand_total,
           after=preview.totals.get("grand_total"), approval_id=pending.id, requested_action=flow.action,
           refund=preview.refund, reason=flow.reason)
    return pending


def preview(action: Callable, s: Session, *args, **kwargs) -> Preview:
    """Dry run of a money action: what it would change, or the error it would raise."""
    try:
        result = action(s, *args, _dry_run=True, **kwargs)
    except ActionError as error:
        return Preview(ok=False, error=str(error), action=action.__name__)
    if not isinstance(result, Preview):
        raise TypeError(f"{action.__name__} does not support a dry run")
    return result
