"""return_items: return fulfilled units with an immediate refund (seeds: Return Item)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from ..entities import ChangeKind, FulfillmentStatus, User, utcnow
from ..policy import current_policy
from ._common import ActionError, count_phrase, normalize_lines, quantity_refusal
from .cancel import _lines_argument
from .flow import LineChange, run_money_action

SHIPPED = (FulfillmentStatus.FULFILLED, FulfillmentStatus.DELIVERED, FulfillmentStatus.LOST)


def returnable_now(order, line, *, now=None) -> int:
    """Units of `line` that can be returned today: fulfilled, not returned, inside the window.

    Returns are taken from the oldest shipped units first, so the window
    counts only units shipped within the last `return_window_days`.
    """
    now = now or utcnow()
    window_start = now - timedelta(days=current_policy().return_window_days)
    recent = sum(fl.quantity for fo in order.fulfillment_orders if not fo.is_reship and fo.status in SHIPPED
                 and fo.fulfilled_at is not None and fo.fulfilled_at >= window_start
                 for fl in fo.lines if fl.line_id == line.id)
    old = line.fulfilled - recent
    used = line.returned + line.return_initiated
    return max(0, min(line.available_to_return, recent - max(0, used - old)))


def explain_return(order, line, qty: int) -> str:
    reasons = []
    unshipped = line.ordered - line.canceled - line.fulfilled
    if unshipped:
        reasons.append(count_phrase(unshipped, "not yet shipped"))
    if line.returned:
        reasons.append(count_phrase(line.returned, "already returned"))
    if line.return_initiated:
        reasons.append(count_phrase(line.return_initiated, "on an open return order"))
    outside = line.available_to_return - returnable_now(order, line)
    if outside:
        reasons.append(f"{outside} shipped more than {current_policy().return_window_days} days ago")
    return quantity_refusal("returned", line.sku, returnable_now(order, line), line.ordered - line.canceled,
                            qty, reasons)


def choose_returnable(order, lines) -> dict[int, int]:
    chosen = normalize_lines(order, lines, available=lambda ln: returnable_now(order, ln), what="returned")
    for line_id, qty in chosen.items():
        line = order.line(line_id)
        if qty > returnable_now(order, line):
            raise ActionError(explain_return(order, line, qty))
    return chosen


def remove_returned(flow) -> None:
    """Mutation shared by immediate returns and RMA close: returned units leave the line."""
    for change in flow.changes:
        line = change.line
        line.discount -= line.share(change.quantity)
        line.returned += change.quantity


def return_items(s: Session, order_id: int, lines, *, actor: User, reason: str, note: str | None = None,
                 idempotency_key: str | None = None, case_id: int | None = None,
                 _dry_run: bool = False, _approval=None):
    """Change order, credit memo and refund for returned units (never more than refundable)."""

    def prepare(flow):
        for line_id, qty in choose_returnable(flow.order, lines).items():
            flow.changes.append(LineChange(line=flow.order.line(line_id), quantity=qty))
        flow.mutate = remove_returned

    return run_money_action(
        s, action="return_items", kind=ChangeKind.RETURN, order_id=order_id, actor=actor, reason=reason,
        note=note, arguments={"lines": _lines_argument(lines)}, idempotency_key=idempotency_key,
        prepare=prepare, dry_run=_dry_run, approval=_approval, case_id=case_id, fulfillment=True)
