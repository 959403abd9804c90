"""discount_items: an amount off a line's net, before allocation or after fulfillment."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from ..entities import ChangeKind, User
from ..money import round_money
from ._common import ActionError
from .cancel import _lines_argument
from .flow import LineChange, run_money_action


def explain_discount(line) -> str | None:
    """Why a line can't be discounted now, or None."""
    if line.active <= 0:
        return f"{line.sku} has no units left to discount."
    if line.allocated:
        return (f"{line.sku} can't be discounted while {line.allocated} of its units are allocated "
                "and not yet shipped; discount before allocation or after fulfillment.")
    return None


def _amount(raw, line, currency: str) -> Decimal:
    try:
        amount = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ActionError(f"Enter the discount for {line.sku} as an amount, like 5.00.") from None
    if isinstance(raw, bool) or not amount.is_finite() or amount <= 0:
        raise ActionError(f"Enter a discount above zero for {line.sku}.")
    if round_money(amount, currency) != amount:
        raise ActionError(f"{currency} amounts have at most {len(str(round_money(1, currency)).partition('.')[2])} decimals.")
    return amount


def discount_items(s: Session, order_id: int, amounts, *, actor: User, reason: str, note: str | None = None,
                   idempotency_key: str | None = None, case_id: int | None = None,
                   _dry_run: bool = False, _approval=None):
    """{line_id: Decimal amount off the line}; refunds captured money through a credit memo."""

    def prepare(flow):
        if not isinstance(amounts, dict) or not amounts:
            raise ActionError("Choose at least one line and a discount amount.")
        for raw_id, raw_amount in amounts.items():
            try:
                line = flow.order.line(int(raw_id))
            except (TypeError, ValueError):
                line = None
            if line is None:
                raise ActionError(f"Line {raw_id} is not a line of order {flow.order.number}.")
            amount = _amount(raw_amount, line, flow.currency)
            if (why := explain_discount(line)) is not None:
                raise ActionError(why)
            if amount > line.net:
                raise ActionError(f"The discount on {line.sku} can be at most {line.net} {flow.currency}.")
            flow.changes.append(LineChange(line=line, discount_added=amount))

        def mutate(flow):
            for change in flow.changes:
                change.line.discount += change.discount_added
        flow.mutate = mutate

    return run_money_action(
        s, action="discount_items", kind=ChangeKind.DISCOUNT, order_id=order_id, actor=actor, reason=reason,
        note=note, arguments={"amounts": _lines_argument(amounts)}, idempotency_key=idempotency_key,
        prepare=prepare, dry_run=_dry_run, approval=_approval, case_id=case_id)
