"""The steps of the money-action flow, in the order `STEPS` runs them."""
from __future__ import annotations

import importlib
from typing import Callable

from sqlalchemy import bindparam, insert, update
from sqlalchemy.orm import Session, make_transient_to_detached

from ...entities import ChangeOrder, ChangeOrderLine, CreditMemo, utcnow
from ...money import ZERO, round_money
from ...permissions import refund_limit, service_capability
from .._common import (
    ActionError, add_product_rollup, add_refund_rollup, add_rollup, format_number, record_now, temporary_number,
)
from .state import Flow, _Stop, refundable


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
