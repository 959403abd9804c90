"""The money-action flow shared by cancel, discount, return, RMA close and shipping credit.

validate → apply → settle shipping → fees and policy steps → refundable →
approval → change order → credit memo → refund → rollups → audit.

Each step is a plain function of the `Flow`. The whole flow runs inside a
savepoint: a dry run (preview) or an action that must wait for approval runs
the very same steps and then rolls the savepoint back, so nothing is written.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..entities import (
    ApprovalStatus, ChangeOrder, ChangeOrderLine, CreditMemo, OrderItemSummary, OrderSummary,
    PendingApproval, User, utcnow,
)
from ..money import ZERO, round_money
from ..policy import Policy, current_policy
from ._common import (
    ActionError, NO_RESULT, add_rollup, assign_number, check_reason, claim_key, is_approver,
    lock_order, record, remember_result, require_actor, today,
)


@dataclass
class LineChange:
    line: OrderItemSummary
    quantity: int = 0                 # units leaving the order (canceled or returned)
    discount_added: Decimal = ZERO    # discount put on the line
    # Filled in by apply():
    subtotal_change: Decimal = ZERO
    discount_change: Decimal = ZERO
    tax_change: Decimal = ZERO
    amount: Decimal = ZERO            # fall of the line's net + tax
    refund: Decimal = ZERO            # captured money going back for this line


@dataclass
class Flow:
    s: Session
    order: OrderSummary
    actor: User
    action: str                       # public function name, e.g. "return_items"
    kind: str                         # ChangeKind value
    reason: str
    note: str | None
    arguments: dict
    policy: Policy
    mutate: Callable[["Flow"], None]  # the action's own change to lines / shipping
    changes: list[LineChange] = field(default_factory=list)
    shipping_released: Decimal = ZERO
    shipping_refunded: Decimal = ZERO
    fees: Decimal = ZERO
    fee_details: dict = field(default_factory=dict)
    line_refund: Decimal = ZERO
    before_total: Decimal = ZERO
    approval: PendingApproval | None = None
    dry_run: bool = False
    change_order: ChangeOrder | None = None
    credit_memo: CreditMemo | None = None
    condition: str | None = None

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def refund(self) -> Decimal:
        """Money back to the customer, after fees."""
        return self.line_refund + self.shipping_refunded - self.fees

    @property
    def amount(self) -> Decimal:
        """Fall of the order's grand total."""
        return (sum((c.amount for c in self.changes), ZERO) + self.shipping_released
                + self.shipping_refunded - self.fees)

    @property
    def released(self) -> Decimal:
        return self.amount - self.refund


@dataclass(frozen=True)
class Preview:
    """What an action would do, or why it can't (DESIGN: dry run)."""

    ok: bool
    error: str | None = None
    action: str = ""
    currency: str = ""
    lines: tuple = ()                 # (line_id, sku, quantity, amount, refund)
    amount: Decimal = ZERO
    refund: Decimal = ZERO
    released: Decimal = ZERO
    fees: Decimal = ZERO
    shipping_refund: Decimal = ZERO
    needs_approval: bool = False
    totals: dict = field(default_factory=dict)


class _Stop(Exception):
    """Unwinds the savepoint after a dry run or when approval is needed."""

    def __init__(self, flow: Flow, reason: str):
        super().__init__(reason)
        self.flow, self.reason = flow, reason
        self.preview = make_preview(flow, needs_approval=reason == "approval")


def make_preview(flow: Flow, *, needs_approval: bool) -> Preview:
    order = flow.order
    return Preview(
        ok=True, action=flow.action, currency=order.currency,
        lines=tuple((c.line.id, c.line.sku, c.quantity, c.amount, c.refund) for c in flow.changes),
        amount=flow.amount, refund=flow.refund, released=flow.released, fees=flow.fees,
        shipping_refund=flow.shipping_refunded, needs_approval=needs_approval,
        totals={"subtotal": order.subtotal, "discounts": order.discounts, "tax": order.tax,
                "shipping": order.shipping, "fees": order.fees, "grand_total": order.grand_total,
                "refunded": order.payment.refunded + flow.refund})


# --- steps ----------------------------------------------------------------------
def apply_changes(flow: Flow) -> None:
    """Run the action's mutation, then measure each line's fall and its refund."""
    before = {c.line.id: (c.line.subtotal, c.line.discount, c.line.tax, c.line.total) for c in flow.changes}
    flow.mutate(flow)
    for change in flow.changes:
        line = change.line
        line.recompute_tax()
        subtotal, discount, tax, total = before[line.id]
        change.subtotal_change = subtotal - line.subtotal
        change.discount_change = line.discount - discount
        change.tax_change = tax - line.tax
        change.amount = total - line.total
        refund = (line.captured - line.refunded) - line.captured_target()
        if refund < 0:
            raise ActionError(f"{line.sku}: the refund would be negative; nothing was changed.")
        change.refund = refund
        line.refunded += refund
    flow.line_refund = sum((c.refund for c in flow.changes), ZERO)


def settle_shipping(flow: Flow) -> None:
    """When nothing is left on the order, release or refund its shipping charge."""
    order = flow.order
    if any(line.active for line in order.lines):
        return
    flow.shipping_released = order.shipping_outstanding
    order.shipping_released += flow.shipping_released
    if flow.policy.refund_shipping_on_full_return:
        flow.shipping_refunded += order.shipping_captured - order.shipping_refunded
        order.shipping_refunded = order.shipping_captured


# Built-in steps of one action (e.g. RMA fees), registered by the action's module.
ACTION_STEPS: dict[str, tuple[Callable[[Flow], None], ...]] = {}


def policy_steps(flow: Flow) -> None:
    """The action's own steps, then those a policy adds by name ("module:function")."""
    for step in ACTION_STEPS.get(flow.action, ()):
        step(flow)
    for path in flow.policy.extra_steps.get(flow.action, ()):
        module, _, name = path.partition(":")
        getattr(importlib.import_module(module), name)(flow)


def bound_fees(flow: Flow) -> None:
    gross = flow.line_refund + flow.shipping_refunded
    flow.fees = min(round_money(max(flow.fees, ZERO), flow.currency), gross)
    flow.order.fees += flow.fees
    flow.order.recompute_totals()


def pending_refunds(s: Session, order_id: int, *, excluding: int | None = None) -> Decimal:
    stmt = select(func.coalesce(func.sum(PendingApproval.amount), 0)).where(
        PendingApproval.order_id == order_id, PendingApproval.status == ApprovalStatus.PENDING)
    if excluding is not None:
        stmt = stmt.where(PendingApproval.id != excluding)
    return Decimal(str(s.execute(stmt).scalar_one()))


def refundable(s: Session, order: OrderSummary, *, excluding: int | None = None) -> Decimal:
    """captured − refunded − refunds waiting for approval."""
    payment = order.payment
    waiting = pending_refunds(s, order.id, excluding=excluding)
    return round_money(payment.captured - payment.refunded - waiting, order.currency)


def check_refundable(flow: Flow) -> None:
    if flow.refund <= 0:
        return
    order = flow.order
    # The payment row as it was before this flow (the savepoint has not written it yet).
    available = refundable(flow.s, order, excluding=flow.approval.id if flow.approval else None)
    if flow.refund > available:
        raise ActionError(
            f"Only {available} {order.currency} can be refunded on order {order.number} now "
            f"(captured {order.payment.captured}, refunded {order.payment.refunded}, "
            f"the rest waits for approval); this would refund {flow.refund}.")


def check_approval(flow: Flow) -> None:
    if flow.approval is not None or is_approver(flow.actor):
        return
    if flow.refund > flow.policy.threshold(flow.currency):
        raise _Stop(flow, "approval")


def stop_if_dry_run(flow: Flow) -> None:
    if flow.dry_run:
        raise _Stop(flow, "dry_run")


def write_change_order(flow: Flow) -> None:
    change = ChangeOrder(kind=flow.kind, reason=flow.reason, note=flow.note,
                         actor_id=(flow.approval.requested_by_id if flow.approval else flow.actor.id),
                         amount=flow.amount, released=flow.released, refunded=flow.refund,
                         created_at=utcnow())
    for c in flow.changes:
        change.lines.append(ChangeOrderLine(
            line_id=c.line.id, quantity=c.quantity, subtotal_change=c.subtotal_change,
            discount_change=c.discount_change, tax_change=c.tax_change, shipping_change=ZERO,
            amount=c.amount))
    shipping = flow.shipping_released + flow.shipping_refunded
    if shipping or flow.fees:
        change.lines.append(ChangeOrderLine(line_id=None, quantity=0, subtotal_change=ZERO,
                                            discount_change=ZERO, tax_change=ZERO,
                                            shipping_change=shipping, amount=shipping - flow.fees))
    flow.order.change_orders.append(change)
    flow.s.flush()
    flow.change_order = change


def write_credit_memo(flow: Flow) -> None:
    if flow.refund <= 0:
        return
    memo = CreditMemo(order_id=flow.order.id, change_order_id=flow.change_order.id, amount=flow.refund,
                      fees=flow.fees, created_at=utcnow())
    assign_number(flow.s, memo, "credit_memo")
    memo.refund_reference = f"RF-{memo.id:08d}"
    flow.order.credit_memos.append(memo)
    flow.credit_memo = memo


def refund_payment(flow: Flow) -> None:
    """Move the money: release authorization, refund captured money (row is locked)."""
    payment = flow.order.payment
    payment.refunded += flow.refund
    payment.authorized -= flow.released
    if not (ZERO <= payment.refunded <= payment.captured <= payment.authorized):
        raise ActionError("This would refund more than was captured; nothing was changed.")


def write_rollups(flow: Flow) -> None:
    # The change order's own date, so a drilldown by day finds the records behind a rollup cell.
    order, day, first = flow.order, flow.change_order.created_at.date(), True
    for c in flow.changes:
        add_rollup(flow.s, day=day, kind=flow.kind, reason=flow.reason, category=c.line.category,
                   channel=order.channel, currency=order.currency, events=int(first), units=c.quantity,
                   amount=c.amount, refunded=c.refund)
        first = False
    shipping = flow.shipping_released + flow.shipping_refunded
    if shipping or flow.fees or first:
        add_rollup(flow.s, day=day, kind=flow.kind, reason=flow.reason, channel=order.channel,
                   currency=order.currency, events=int(first), amount=shipping - flow.fees,
                   refunded=flow.shipping_refunded - flow.fees)


def write_audit(flow: Flow) -> None:
    record(flow.s, flow.actor, f"order.{flow.kind}", order=flow.order, before=flow.before_total,
           after=flow.order.grand_total, change_order_id=flow.change_order.id,
           credit_memo_id=flow.credit_memo.id if flow.credit_memo else None,
           refund=flow.refund, released=flow.released, fees=flow.fees, reason=flow.reason,
           approval_id=flow.approval.id if flow.approval else None)


STEPS: list[Callable[[Flow], None]] = [
    apply_changes, settle_shipping, policy_steps, bound_fees, check_refundable, check_approval,
    stop_if_dry_run, write_change_order, write_credit_memo, refund_payment, write_rollups, write_audit,
]


# --- running a flow ---------------------------------------------------------------
def run_money_action(s: Session, *, action: str, kind: str, order_id, actor: User, reason, note,
                     arguments: dict, idempotency_key: str | None, prepare: Callable,
                     reason_list: str | None = None, dry_run: bool = False,
                     approval: PendingApproval | None = None, after: Callable | None = None):
    """Run one money action. `prepare(flow)` validates and fills flow.changes and flow.mutate.

    Returns the action's result (what `after(flow)` returns, else the credit memo or
    change order), a PendingApproval when a manager must approve, or a Preview on dry run.
    """
    require_actor(actor)
    check_reason(reason_list or kind, reason)
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise ActionError("A note is text of at most 2,000 characters.")
    arguments = {"order_id": order_id, "reason": reason, "note": note, **arguments}
    if not dry_run and approval is None:
        done = claim_key(s, idempotency_key, action, arguments)
        if done is not None:
            return None if done is NO_RESULT else done
    order = lock_order(s, order_id)
    flow = Flow(s=s, order=order, actor=actor, action=action, kind=kind, reason=reason, note=note,
                arguments=arguments, policy=current_policy(), mutate=lambda f: None,
                approval=approval, dry_run=dry_run, before_total=order.grand_total)
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
    record(s, flow.actor, "approval.request", order=order, before=order.grand_total,
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
