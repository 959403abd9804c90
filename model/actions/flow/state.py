"""The state of one money action (`Flow`), its dry-run result (`Preview`) and what is refundable."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ...entities import (
    ApprovalStatus, ChangeOrder, CreditMemo, OrderItemSummary, OrderSummary, PendingApproval, User,
)
from ...money import ZERO, round_money
from ...policy import Policy


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
