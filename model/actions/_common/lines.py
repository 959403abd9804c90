"""The lines and quantities a person chose, validated; the sentences that refuse a quantity."""
from __future__ import annotations

from decimal import Decimal

from ...entities import OrderSummary
from .base import ActionError


def normalize_lines(order: OrderSummary, lines, *, available, what: str) -> dict[int, int]:
    """{line_id: qty} validated against the order; None means all that is `available`."""
    if lines is None:
        chosen = {ln.id: available(ln) for ln in order.lines if available(ln) > 0}
        if not chosen:
            raise ActionError(f"Nothing on order {order.number} can be {what}.")
        return chosen
    if not isinstance(lines, dict) or not lines:
        raise ActionError("Choose at least one line and a quantity.")
    chosen: dict[int, int] = {}
    for raw_id, raw_qty in lines.items():
        try:
            line_id = int(raw_id)
        except (TypeError, ValueError):
            raise ActionError(f"Line {raw_id!r} is not a line of order {order.number}.") from None
        line = order.line(line_id)
        if line is None:
            raise ActionError(f"Line {raw_id} is not a line of order {order.number}.")
        if raw_qty is None:
            qty = available(line)
        elif isinstance(raw_qty, bool) or not isinstance(raw_qty, (int, Decimal, str)):
            raise ActionError(f"Enter a whole number of units for {line.sku}.")
        else:
            try:
                qty_decimal = Decimal(str(raw_qty))
            except Exception:  # noqa: BLE001
                raise ActionError(f"Enter a whole number of units for {line.sku}.") from None
            if not qty_decimal.is_finite() or qty_decimal != qty_decimal.to_integral_value():
                raise ActionError(f"Enter a whole number of units for {line.sku}.")
            qty = int(qty_decimal)
        if qty <= 0:
            if raw_qty is None:
                raise ActionError(f"No unit of {line.sku} can be {what}.")
            raise ActionError(f"Enter a quantity of at least 1 for {line.sku}.")
        chosen[line_id] = chosen.get(line_id, 0) + qty
    return chosen


# --- sentences ---------------------------------------------------------------
def count_phrase(count: int, state: str) -> str:
    """'1 is already returned', '2 are not yet shipped'."""
    return f"{count} {'is' if count == 1 else 'are'} {state}"


def quantity_refusal(verb: str, sku: str, can: int, of: int, asked: int, reasons: list[str]) -> str:
    """'Only 1 of 3 units of A can be returned: 2 are already returned; you asked for 2.'"""
    why = f": {', '.join(reasons)}" if reasons else ""
    if can <= 0:
        return f"No unit of {sku} can be {verb}{why}."
    return f"Only {can} of {of} units of {sku} can be {verb}{why}; you asked for {asked}."
