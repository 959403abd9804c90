"""cancel_items: cancel units that are neither allocated nor fulfilled (seeds: Cancel Item)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..entities import ChangeKind, User
from ._common import ActionError, count_phrase, normalize_lines, quantity_refusal
from .flow import LineChange, run_money_action


def explain_cancel(line, qty: int) -> str:
    reasons = [count_phrase(count, state) for count, state in (
        (line.canceled, "already canceled"), (line.allocated, "allocated to a warehouse"),
        (line.fulfilled, "already shipped")) if count]
    return quantity_refusal("canceled", line.sku, line.available_to_cancel, line.ordered, qty, reasons)


def cancel_items(s: Session, order_id: int, lines, *, actor: User, reason: str, note: str | None = None,
                 idempotency_key: str | None = None, case_id: int | None = None,
                 _dry_run: bool = False, _approval=None):
    """Change order for the canceled units; the authorization for them is released."""

    def prepare(flow):
        chosen = normalize_lines(flow.order, lines, available=lambda ln: ln.available_to_cancel,
                                 what="canceled")
        for line_id, qty in chosen.items():
            line = flow.order.line(line_id)
            if qty > line.available_to_cancel:
                raise ActionError(explain_cancel(line, qty))
            flow.changes.append(LineChange(line=line, quantity=qty))

        def mutate(flow):
            for change in flow.changes:
                line = change.line
                line.discount -= line.share(change.quantity)
                line.canceled += change.quantity
        flow.mutate = mutate

    return run_money_action(
        s, action="cancel_items", kind=ChangeKind.CANCEL, order_id=order_id, actor=actor, reason=reason,
        note=note, arguments={"lines": _lines_argument(lines)}, idempotency_key=idempotency_key,
        prepare=prepare, dry_run=_dry_run, approval=_approval, case_id=case_id,
        after=lambda flow: flow.change_order)


def _lines_argument(lines):
    """JSON-safe, order-independent form of a {line_id: qty} argument."""
    if lines is None:
        return None
    if not isinstance(lines, dict):
        return repr(lines)
    return {str(k): (str(v) if v is not None else None) for k, v in sorted(lines.items(), key=lambda kv: str(kv[0]))}
