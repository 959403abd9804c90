"""Return via RMA: create_return_order → receive_return_order → close_return_order."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..entities import ChangeKind, ReturnOrder, ReturnOrderLine, ReturnOrderStatus, User, utcnow
from ..ids import valid_id
from ..money import ZERO, round_money
from ..policy import CONDITIONS
from ._common import (
    ActionError, assign_number, check_case, claim_key, lock_order, record, remember_result, require_actor, start_order_action,
)
from .cancel import _lines_argument
from .flow import ACTION_STEPS, LineChange, run_money_action
from .returns import choose_returnable, remove_returned


def create_return_order(s: Session, order_id: int, lines, *, actor: User, reason: str, note: str | None = None,
                        idempotency_key: str | None = None, case_id: int | None = None) -> ReturnOrder:
    """A return order expecting these units; they count as return-initiated until it closes."""
    order, done = start_order_action(
        s, action="create_return_order", order_id=order_id, actor=actor, reason=reason, reason_list="rma",
        arguments={"lines": _lines_argument(lines), "note": note}, idempotency_key=idempotency_key,
        fulfillment=True, case_id=case_id)
    if done is not None:
        return done
    chosen = choose_returnable(order, lines)
    # order=… rather than order.return_orders.append: the order's other returns stay unread.
    return_order = ReturnOrder(order=order, status=ReturnOrderStatus.SUBMITTED, reason=reason, note=note,
                               actor_id=actor.id, created_at=utcnow())
    for line_id, qty in chosen.items():
        order.line(line_id).return_initiated += qty
        return_order.lines.append(ReturnOrderLine(line_id=line_id, expected=qty, received=0))
    assign_number(s, return_order, "return_order")
    record(s, actor, "order.rma_create", order=order, case_id=case_id, return_order_id=return_order.id,
           lines={str(k): v for k, v in chosen.items()}, reason=reason)
    remember_result(s, idempotency_key, return_order)
    return return_order


def _lock_return_order(s: Session, return_order_id, order_id: int | None = None) -> tuple[ReturnOrder, object]:
    """The return order and its order, locked; with `order_id`, only a return order of that order."""
    if not isinstance(return_order_id, int) or isinstance(return_order_id, bool):
        raise ActionError("Choose a return order.")
    owner = s.execute(select(ReturnOrder.order_id).where(ReturnOrder.id == return_order_id)
                      ).scalar_one_or_none() if valid_id(return_order_id) is not None else None
    if owner is None:
        raise ActionError(f"Return order {return_order_id} does not exist.")
    if order_id is not None and owner != order_id:
        raise ActionError("This return order belongs to another order; nothing was changed.")
    order = lock_order(s, owner)
    return_order = s.execute(
        select(ReturnOrder).where(ReturnOrder.id == return_order_id).options(selectinload(ReturnOrder.lines))
        .execution_options(populate_existing=True)).scalar_one()
    return return_order, order


def receive_return_order(s: Session, return_order_id: int, lines=None, *, actor: User,
                         condition: str = "resellable", idempotency_key: str | None = None,
                         case_id: int | None = None, order_id: int | None = None) -> ReturnOrder:
    """Record the units that arrived (fewer than expected is allowed) and their condition.

    The same idempotency key again returns the return order without counting the units twice.
    `order_id`: the order the request came from; a return order of any other order is refused.
    """
    require_actor(actor, "order.rma")
    if condition not in CONDITIONS:
        raise ActionError(f"Choose the condition: {', '.join(CONDITIONS)}.")
    arguments = {"return_order_id": return_order_id, "lines": _lines_argument(lines), "condition": condition}
    if (done := claim_key(s, idempotency_key, "receive_return_order", arguments)) is not None:
        return done
    return_order, order = _lock_return_order(s, return_order_id, order_id)
    check_case(s, order, case_id)
    if return_order.status == ReturnOrderStatus.CLOSED:
        raise ActionError(f"Return order {return_order.number} is closed.")
    by_line = {rl.line_id: rl for rl in return_order.lines}
    if lines is None:
        received = {line_id: rl.expected - rl.received for line_id, rl in by_line.items() if rl.expected > rl.received}
        if not received:
            raise ActionError(f"Everything on return order {return_order.number} was already received.")
    else:
        if not isinstance(lines, dict) or not lines:
            raise ActionError("Enter the quantity received for at least one line.")
        received = {}
        for raw_id, raw_qty in lines.items():
            try:
                line_id, qty = int(raw_id), int(str(raw_qty))
            except (TypeError, ValueError):
                raise ActionError("Enter whole numbers of units received.") from None
            rl = by_line.get(line_id)
            if rl is None:
                raise ActionError(f"Line {raw_id} is not on return order {return_order.number}.")
            if qty < 0:
                raise ActionError("A received quantity can't be negative.")
            if rl.received + qty > rl.expected:
                raise ActionError(f"Only {rl.expected - rl.received} more of {rl.line.sku} are expected "
                                  f"on return order {return_order.number}.")
            received[line_id] = qty
    for line_id, qty in received.items():
        by_line[line_id].received += qty
    return_order.status = ReturnOrderStatus.RECEIVED
    return_order.condition = condition
    return_order.received_at = utcnow()
    record(s, actor, "order.rma_receive", order=order, case_id=case_id, return_order_id=return_order.id,
           received={str(k): v for k, v in received.items()}, condition=condition)
    remember_result(s, idempotency_key, return_order)
    return return_order


def rma_fees(flow) -> None:
    """Policy fees: restocking by condition, plus a flat return shipping fee."""
    if not flow.changes:
        return
    rate = flow.policy.restocking_fee_rate.get(flow.condition or "resellable", ZERO)
    restocking = round_money(flow.line_refund * Decimal(rate), flow.currency)
    shipping_fee = Decimal(flow.policy.return_shipping_fee.get(flow.currency, ZERO))
    flow.fees += restocking + shipping_fee
    flow.fee_details.update(restocking=restocking, return_shipping=shipping_fee)


ACTION_STEPS["close_return_order"] = (rma_fees,)


def close_return_order(s: Session, return_order_id: int, *, actor: User, idempotency_key: str | None = None,
                       case_id: int | None = None, order_id: int | None = None, _dry_run: bool = False,
                       _approval=None):
    """Change order, credit memo and refund for what was received; the rest becomes returnable again.

    Returns the credit memo, None when nothing was refunded, or a PendingApproval.
    `order_id`: the order the request came from; a return order of any other order is refused.
    """
    require_actor(actor, "order.rma")
    if not isinstance(return_order_id, int) or isinstance(return_order_id, bool):
        raise ActionError("Choose a return order.")
    return_order, order = _lock_return_order(s, return_order_id, order_id)
    if return_order.status == ReturnOrderStatus.CLOSED and idempotency_key is None:
        raise ActionError(f"Return order {return_order.number} is already closed.")
    received = {rl.line_id: rl.received for rl in return_order.lines if rl.received}
    if not received and return_order.status != ReturnOrderStatus.CLOSED:
        if _dry_run:
            from .flow import Preview
            return Preview(ok=True, action="close_return_order", currency=order.currency)
        for rl in return_order.lines:
            rl.line.return_initiated -= rl.expected
        _mark_closed(s, return_order, order, actor, change_order=None)
        return None

    def prepare(flow):
        if return_order.status == ReturnOrderStatus.CLOSED:
            raise ActionError(f"Return order {return_order.number} is already closed.")
        flow.condition = return_order.condition
        for line_id, qty in received.items():
            flow.changes.append(LineChange(line=flow.order.line(line_id), quantity=qty))

        def mutate(flow):
            for rl in return_order.lines:
                rl.line.return_initiated -= rl.expected
            remove_returned(flow)
        flow.mutate = mutate

    def after(flow):
        _mark_closed(s, return_order, flow.order, actor, change_order=flow.change_order)
        return flow.credit_memo

    return run_money_action(
        s, action="close_return_order", kind=ChangeKind.RMA, order_id=order.id, actor=actor,
        reason=return_order.reason, note=return_order.note, reason_list="rma",
        arguments={"return_order_id": return_order_id}, idempotency_key=idempotency_key,
        prepare=prepare, dry_run=_dry_run, approval=_approval, after=after, case_id=case_id)


def _mark_closed(s, return_order, order, actor, *, change_order) -> None:
    return_order.status = ReturnOrderStatus.CLOSED
    return_order.closed_at = utcnow()
    return_order.change_order_id = change_order.id if change_order else None
    order.recompute_totals()
    record(s, actor, "order.rma_close", order=order, return_order_id=return_order.id,
           change_order_id=change_order.id if change_order else None)
