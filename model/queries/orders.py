"""The order summary drilldown and the Actions panel's rules (seeds: Actions & Recommendations)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..entities import (
    ApprovalStatus, AuditEvent, Case, FulfillmentOrder, FulfillmentStatus, OrderSummary, PendingApproval,
    ReturnOrder, ReturnOrderStatus, User,
)
from ..ids import valid_id
from ..money import ZERO
from ..actions.credit_shipping import creditable_shipping
from ..actions.discount import explain_discount
from ..actions.flow import refundable
from ..actions.reship import lost_units
from ..actions.returns import returnable_now


@dataclass(frozen=True)
class ActionState:
    """Whether an action is offered now, and if not, a sentence saying why."""

    action: str
    enabled: bool
    why_not: str | None = None


def load_order(s: Session, number_or_id) -> OrderSummary | None:
    """The order with everything the drilldown shows, in a fixed number of queries."""
    options = (
        selectinload(OrderSummary.lines), selectinload(OrderSummary.payment),
        selectinload(OrderSummary.fulfillment_orders).selectinload(FulfillmentOrder.lines),
        selectinload(OrderSummary.change_orders), selectinload(OrderSummary.credit_memos),
        selectinload(OrderSummary.return_orders).selectinload(ReturnOrder.lines),
        selectinload(OrderSummary.customer),
    )
    stmt = select(OrderSummary).options(*options)
    if isinstance(number_or_id, int):
        if valid_id(number_or_id) is None:
            return None
        stmt = stmt.where(OrderSummary.id == number_or_id)
    elif isinstance(number_or_id, str) and 0 < len(number_or_id) <= 32:
        stmt = stmt.where(OrderSummary.number == number_or_id.strip().upper())
    else:
        return None
    return s.execute(stmt).scalar_one_or_none()


def is_return_order_of(s: Session, return_order_id, order_id) -> bool:
    """Whether the return order is one of this order's (False for anything that is no id)."""
    if valid_id(return_order_id) is None or valid_id(order_id) is None:
        return False
    return s.scalar(select(ReturnOrder.id).where(ReturnOrder.id == return_order_id,
                                                 ReturnOrder.order_id == order_id)) is not None


def action_states(s: Session, order: OrderSummary) -> list[ActionState]:
    """Every order action, offered only when valid, with the reason when not."""
    lines = order.lines
    cancelable = sum(ln.available_to_cancel for ln in lines)
    returnable = sum(returnable_now(order, ln) for ln in lines)
    shipped_not_returned = sum(ln.available_to_return for ln in lines)
    discountable = [ln for ln in lines if explain_discount(ln) is None]
    reshippable = sum(lost_units(order, ln) for ln in lines)
    open_rmas = [r for r in order.return_orders if r.status != ReturnOrderStatus.CLOSED]
    money_back = refundable(s, order)
    states = [
        ActionState("cancel", cancelable > 0, None if cancelable else (
            "Every unit is allocated, shipped or already canceled." if lines else "The order has no lines.")),
        ActionState("discount", bool(discountable), None if discountable else next(
            (explain_discount(ln) for ln in lines), "The order has no lines.")),
    ]
    if returnable:
        why_return = None
    elif shipped_not_returned:
        why_return = "The shipped units are outside the return window."
    else:
        why_return = "Nothing shipped is left to return."
    states += [
        ActionState("return", returnable > 0, why_return),
        ActionState("rma", returnable > 0, why_return),
        ActionState("reship", reshippable > 0, None if reshippable else "No shipment was reported lost."),
        ActionState("credit_shipping", creditable_shipping(order) > 0,
                    None if creditable_shipping(order) > 0 else "No captured shipping charge is left to credit."),
        ActionState("receive_return", any(r.status == ReturnOrderStatus.SUBMITTED for r in open_rmas) or any(
            r.status == ReturnOrderStatus.RECEIVED and any(rl.received < rl.expected for rl in r.lines)
            for r in open_rmas), None if open_rmas else "No return order is open."),
        ActionState("close_return", bool(open_rmas), None if open_rmas else "No return order is open."),
    ]
    if money_back <= 0 and order.payment.captured > 0:
        states = [st if st.action not in ("return", "credit_shipping") or not st.enabled
                  else ActionState(st.action, False, "Everything captured is refunded or waiting for approval.")
                  for st in states]
    return states


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    kind: str          # audit action code, e.g. "order.return", or "case"
    actor: str | None
    summary: str       # short, plain text (rendered as text)
    amount_before: Decimal | None = None
    amount_after: Decimal | None = None


def timeline(s: Session, order: OrderSummary, limit: int = 200) -> list[TimelineEntry]:
    """Everything that happened to the order, newest first, including its cases."""
    rows = s.execute(
        select(AuditEvent.at, AuditEvent.action, User.display_name, AuditEvent.before_amount,
               AuditEvent.after_amount, AuditEvent.detail)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.order_id == order.id).order_by(AuditEvent.id.desc()).limit(limit)).all()
    entries = [TimelineEntry(at, action, actor, detail or "", before, after)
               for at, action, actor, before, after, detail in rows]
    cases = s.execute(select(Case.created_at, Case.number, Case.subject, Case.status)
                      .where(Case.order_id == order.id).order_by(Case.id.desc()).limit(50)).all()
    entries += [TimelineEntry(created, "case", None, f"{number} · {status} · {subject}")
                for created, number, subject, status in cases]
    return sorted(entries, key=lambda e: e.at, reverse=True)


def pending_approvals(s: Session, order_id: int) -> list[PendingApproval]:
    return list(s.execute(select(PendingApproval).where(
        PendingApproval.order_id == order_id, PendingApproval.status == ApprovalStatus.PENDING)
        .order_by(PendingApproval.id)).scalars())


def fulfillment_rows(order: OrderSummary) -> list[dict]:
    """One row per fulfillment-order line, with the shipment's facts repeated (for a grid)."""
    by_id = {ln.id: ln for ln in order.lines}
    return [{"fulfillment_order_id": fo.id, "location": fo.location, "location_type": fo.location_type,
             "status": fo.status, "carrier": fo.carrier, "tracking_number": fo.tracking_number,
             "is_reship": fo.is_reship, "sku": by_id[fl.line_id].sku if fl.line_id in by_id else "",
             "quantity": fl.quantity, "reshipped": fl.reshipped,
             "lost": fo.status == FulfillmentStatus.LOST}
            for fo in order.fulfillment_orders for fl in fo.lines]


def balance(order: OrderSummary) -> Decimal:
    return order.balance if order.payment else ZERO
