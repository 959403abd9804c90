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

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from ..entities import (
    ApprovalStatus, ChangeOrder, ChangeOrderLine, CreditMemo, OrderItemSummary, OrderSummary,
    PendingApproval, User, utcnow,
)
from ..money import ZERO, round_money
from ..permissions import refund_limit, service_capability
from ..policy import Policy, current_policy
from ._common import (
    ActionError, NO_RESULT, add_product_rollup, check_case, add_refund_rollup, add_rollup, check_reason, claim_key,
    format_number,
    lock_order, record, record_now, remember_result, require_actor, temporary_number, today,
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
    case_id: int | None = None        # the case this action is done for (audit)

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
                "refunded": order.payment.refunded + flow.refund, "status": order.derive_status()})


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


_PENDING_SUM = (select(func.coalesce(func.sum(PendingApproval.amount), 0))
                .where(PendingApproval.order_id == bindparam("order_id"),
                       PendingApproval.status == ApprovalStatus.PENDING,
                       PendingApproval.id != bindparam("excluding")))


def pending_refunds(s: Session, order_id: int, *, excluding: int | None = None) -> Decimal:
    """Refunds of this order waiting for a manager (but `excluding` that request)."""
    # Straight on the connection: the flow's pending line changes don't touch approvals.
    amount = s.connection().execute(_PENDING_SUM, {"order_id": order_id, "excluding": excluding or 0}).scalar_one()
    return Decimal(str(amount))


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
    if flow.approval is not None:
        return
    # The permission table says how much this role may refund on its own (None: no limit).
    limit = refund_limit(flow.actor.role, service_capability(flow.action), flow.policy.threshold(flow.currency))
    if limit is not None and flow.refund > limit:
        raise _Stop(flow, "approval")


def stop_if_dry_run(flow: Flow) -> None:
    if flow.dry_run:
        raise _Stop(flow, "dry_run")


# The documents an action writes go in as plain INSERTs on the session's connection
# (inside the flow's savepoint): the unit of work would spend more on ordering
# six rows than the database spends writing them. The ORM objects handed back are
# attached as already persistent, so callers use them as if the flush had made them.
_CHANGE_ORDERS, _CHANGE_LINES, _CREDIT_MEMOS = (
    ChangeOrder.__table__, ChangeOrderLine.__table__, CreditMemo.__table__)
_INSERT_CHANGE_ORDER = insert(_CHANGE_ORDERS).returning(_CHANGE_ORDERS.c.id)
_INSERT_CHANGE_LINES = insert(_CHANGE_LINES)
_INSERT_CREDIT_MEMO = insert(_CREDIT_MEMOS).returning(_CREDIT_MEMOS.c.id)
_NUMBER_CREDIT_MEMO = (update(_CREDIT_MEMOS).where(_CREDIT_MEMOS.c.id == bindparam("memo_id"))
                       .values(number=bindparam("number"), refund_reference=bindparam("reference")))


def _attach(s: Session, obj):
    """`obj`, whose row was just inserted, as a persistent object of the session."""
    make_transient_to_detached(obj)
    s.add(obj)
    return obj


def write_change_order(flow: Flow) -> None:
    values = dict(order_id=flow.order.id, kind=str(flow.kind), reason=flow.reason, note=flow.note,
                  actor_id=(flow.approval.requested_by_id if flow.approval else flow.actor.id),
                  amount=flow.amount, released=flow.released, refunded=flow.refund, created_at=utcnow())
    lines = [dict(line_id=c.line.id, quantity=c.quantity, subtotal_change=c.subtotal_change,
                  discount_change=c.discount_change, tax_change=c.tax_change, shipping_change=ZERO,
                  amount=c.amount, refunded=c.refund) for c in flow.changes]
    shipping = flow.shipping_released + flow.shipping_refunded
    if shipping or flow.fees:
        lines.append(dict(line_id=None, quantity=0, subtotal_change=ZERO, discount_change=ZERO, tax_change=ZERO,
                          shipping_change=shipping, amount=shipping - flow.fees,
                          refunded=flow.shipping_refunded - flow.fees))
    connection = flow.s.connection()
    change_id = connection.execute(_INSERT_CHANGE_ORDER, values).scalar_one()
    connection.execute(_INSERT_CHANGE_LINES, [dict(line, change_order_id=change_id) for line in lines])
    flow.change_order = _attach(flow.s, ChangeOrder(id=change_id, **values))
    # The order's history, if this session read it, now lacks this change: read it again when asked.
    flow.s.expire(flow.order, ["change_orders", "credit_memos"])


def write_credit_memo(flow: Flow) -> None:
    if flow.refund <= 0:
        return
    values = dict(order_id=flow.order.id, change_order_id=flow.change_order.id, amount=flow.refund,
                  fees=flow.fees, number=temporary_number(), created_at=utcnow())
    connection = flow.s.connection()
    memo_id = connection.execute(_INSERT_CREDIT_MEMO, values).scalar_one()
    # The number is made from the id, so it is unique without a sequence table.
    values.update(number=format_number("credit_memo", memo_id), refund_reference=f"RF-{memo_id:08d}")
    connection.execute(_NUMBER_CREDIT_MEMO, {"memo_id": memo_id, "number": values["number"],
                                             "reference": values["refund_reference"]})
    flow.credit_memo = _attach(flow.s, CreditMemo(id=memo_id, **values))


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
        if flow.kind in ("return", "rma") and c.quantity:
            add_product_rollup(flow.s, day=day, product_id=c.line.product_id, category=c.line.category,
                               channel=order.channel, currency=order.currency, reason=flow.reason,
                               returned_units=c.quantity)
        first = False
    shipping = flow.shipping_released + flow.shipping_refunded
    if shipping or flow.fees or first:
        add_rollup(flow.s, day=day, kind=flow.kind, reason=flow.reason, channel=order.channel,
                   currency=order.currency, events=int(first), amount=shipping - flow.fees,
                   refunded=flow.shipping_refunded - flow.fees)
    add_refund_rollup(flow.s, day=day, actor_id=flow.change_order.actor_id, kind=flow.kind, reason=flow.reason,
                      channel=order.channel, currency=order.currency, refunded=flow.refund)


def write_audit(flow: Flow) -> None:
    record_now(flow.s, flow.actor, f"order.{flow.kind}", order=flow.order, case_id=flow.case_id,
               before=flow.before_total,
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
