"""credit_shipping: goodwill refund of part or all of a captured shipping charge."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from ..entities import ChangeKind, User
from ..money import round_money
from ._common import ActionError
from .flow import run_money_action


def creditable_shipping(order) -> Decimal:
    return order.shipping_captured - order.shipping_refunded


def credit_shipping(s: Session, order_id: int, amount, *, actor: User, reason: str, note: str | None = None,
                    idempotency_key: str | None = None, case_id: int | None = None,
                    _dry_run: bool = False, _approval=None):
    """Refund up to the shipping charge that was charged and captured; returns the credit memo."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ActionError("Enter the shipping credit as an amount, like 6.00.") from None
    if isinstance(amount, bool) or not value.is_finite() or value <= 0:
        raise ActionError("Enter a shipping credit above zero.")

    def prepare(flow):
        order = flow.order
        if round_money(value, order.currency) != value:
            raise ActionError(f"{order.currency} amounts can't have that many decimals.")
        available = creditable_shipping(order)
        if available <= 0:
            if order.shipping_charged <= 0:
                raise ActionError(f"Order {order.number} has no shipping charge to credit.")
            if order.shipping_captured <= 0:
                raise ActionError(f"The shipping of order {order.number} has not been charged yet; "
                                  "nothing to refund.")
            raise ActionError(f"The shipping of order {order.number} was already refunded in full.")
        if value > available:
            raise ActionError(f"At most {available} {order.currency} of shipping can be credited "
                              f"on order {order.number}.")

        def mutate(flow):
            flow.order.shipping_refunded += value
            flow.shipping_refunded += value
        flow.mutate = mutate

    return run_money_action(
        s, action="credit_shipping", kind=ChangeKind.SHIPPING_CREDIT, order_id=order_id, actor=actor,
        reason=reason, note=note, arguments={"amount": str(value)}, idempotency_key=idempotency_key,
        prepare=prepare, dry_run=_dry_run, approval=_approval, case_id=case_id)
