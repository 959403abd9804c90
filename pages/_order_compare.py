"""Compare resolutions: what each order action would do for the units a customer complains about.

Every column comes from the model's own code, run inside savepoints that are
rolled back: the money actions through their dry run (`model.actions.preview`),
RMA as create → receive (resellable) → dry run of the close (so policy fees
show), and reship as the real call. The caller runs `compare` in a
transaction that is rolled back as well, so nothing is ever written.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from model import actions
from model.entities import OrderSummary
from model.money import ZERO, round_money
from model.policy import current_policy

from components.i18n import N_

# The actions compared, in the order the agent reads them.
COMPARED = ("cancel", "discount", "return", "rma", "reship")
# The policy's reason list of each (a reason changes no amount; the real action asks for one).
REASON_LISTS = {"cancel": "cancel", "discount": "discount", "return": "return", "rma": "rma", "reship": "reship"}
WHOLE_UNITS = N_("Enter a whole number from 0 to the units on each line.")


class CompareInputError(ValueError):
    """The form is not usable as it is; the message says what to fix (for `_()`)."""


@dataclass(frozen=True)
class Outcome:
    """One column: what `action` would do, or `error` (the ActionError sentence) when it can't."""

    action: str
    ok: bool
    error: str | None = None
    refund: Decimal = ZERO            # money back to the customer, after fees
    released: Decimal = ZERO          # authorization released (nothing was captured for it)
    fees: Decimal = ZERO
    shipping_refund: Decimal = ZERO
    discount: Decimal = ZERO          # amount taken off the lines (discount only)
    grand_total: Decimal | None = None
    units_kept_in_stock: int = 0      # canceled: never leave the warehouse
    units_back: int = 0               # come back from the customer
    units_out: int = 0                # leave the warehouse again (reship)
    status: str = ""                  # the order's status afterwards
    needs_approval: bool = False


def parse_quantities(raw: dict) -> dict[int, int]:
    """{line_id: units > 0} from the form; a blank (the browser's answer to a bad number) is refused."""
    chosen = {}
    for line_id, value in raw.items():
        if value is None or isinstance(value, bool):
            raise CompareInputError(WHOLE_UNITS)
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise CompareInputError(WHOLE_UNITS) from None
        if not number.is_finite() or number != number.to_integral_value() or number < 0:
            raise CompareInputError(WHOLE_UNITS)
        if number:
            chosen[int(line_id)] = int(number)
    if not chosen:
        raise CompareInputError(N_("Enter the units the customer is asking about on at least one line."))
    return chosen


def parse_percent(value) -> Decimal:
    try:
        percent = Decimal(str(value)) if value is not None and not isinstance(value, bool) else None
    except InvalidOperation:
        percent = None
    if percent is None or not percent.is_finite() or not ZERO < percent <= 100:
        raise CompareInputError(N_("Enter a discount percentage above 0 and at most 100."))
    return percent


def _reason(action: str) -> str | None:
    reasons = current_policy().reasons_for(REASON_LISTS[action])
    return "other" if "other" in reasons else next(iter(reasons), None)


def _status_after(lines: list[SimpleNamespace], units: dict[int, int], counter: str) -> str:
    """The order's status once `units` move to `counter` ("canceled"/"returned"), by the entity's own rule."""
    after = [SimpleNamespace(**{**vars(ln), counter: getattr(ln, counter) + units.get(ln.id, 0)}) for ln in lines]
    return OrderSummary.derive_status(SimpleNamespace(lines=after))


def _from_preview(action: str, preview, lines, counter: str | None, status: str) -> Outcome:
    if not preview.ok:
        return Outcome(action, False, error=preview.error)
    units = {line_id: quantity for line_id, _sku, quantity, _amount, _refund in preview.lines}
    moved = sum(units.values())
    return Outcome(
        action, True, refund=preview.refund, released=preview.released, fees=preview.fees,
        shipping_refund=preview.shipping_refund, grand_total=preview.totals.get("grand_total"),
        units_kept_in_stock=moved if counter == "canceled" else 0,
        units_back=moved if counter == "returned" else 0,
        status=_status_after(lines, units, counter) if counter else status,
        needs_approval=preview.needs_approval)


def discount_amounts(lines, chosen: dict[int, int], percent: Decimal) -> dict[int, Decimal]:
    """`percent` of the chosen units' price, per line, rounded half-up to the currency's minor unit."""
    by_id = {ln.id: ln for ln in lines}
    return {line_id: round_money(by_id[line_id].unit_price * units * percent / 100, by_id[line_id].currency)
            for line_id, units in chosen.items()}


def _rma(s, order_id: int, chosen: dict, actor, reason: str):
    """The preview of closing a return order for these units, received in full and resellable."""
    return_order = actions.create_return_order(s, order_id, chosen, actor=actor, reason=reason)
    actions.receive_return_order(s, return_order.id, None, actor=actor, condition="resellable")
    return actions.preview(actions.close_return_order, s, return_order.id, actor=actor)


def _one(s, action: str, order_id: int, chosen: dict, percent: Decimal, actor, lines, status) -> Outcome:
    reason = _reason(action)
    try:
        if action == "cancel":
            preview = actions.preview(actions.cancel_items, s, order_id, chosen, actor=actor, reason=reason)
            return _from_preview(action, preview, lines, "canceled", status)
        if action == "discount":
            amounts = discount_amounts(lines, chosen, percent)
            preview = actions.preview(actions.discount_items, s, order_id, amounts, actor=actor, reason=reason)
            outcome = _from_preview(action, preview, lines, None, status)
            return replace(outcome, discount=sum(amounts.values(), ZERO)) if outcome.ok else outcome
        if action == "return":
            preview = actions.preview(actions.return_items, s, order_id, chosen, actor=actor, reason=reason)
            return _from_preview(action, preview, lines, "returned", status)
        if action == "rma":
            return _from_preview(action, _rma(s, order_id, chosen, actor, reason), lines, "returned", status)
        shipment = actions.reship_items(s, order_id, chosen, actor=actor, reason=reason)
        return Outcome(action, True, units_out=sum(fl.quantity for fl in shipment.lines), status=status)
    except actions.ActionError as error:
        return Outcome(action, False, error=str(error))


def compare(s, order_id: int, quantities: dict, percent, actor) -> list[Outcome]:
    """One Outcome per action in COMPARED; each runs in its own savepoint, rolled back."""
    chosen, percent = parse_quantities(quantities), parse_percent(percent)
    order = s.get(OrderSummary, order_id)
    if order is None:
        raise CompareInputError(N_("This order no longer exists."))
    if set(chosen) - {ln.id for ln in order.lines}:
        raise CompareInputError(N_("Choose lines of this order."))
    # Plain copies: rolling a savepoint back expires the ORM objects.
    lines = [SimpleNamespace(id=ln.id, ordered=ln.ordered, canceled=ln.canceled, allocated=ln.allocated,
                             fulfilled=ln.fulfilled, returned=ln.returned, unit_price=ln.unit_price,
                             currency=order.currency) for ln in order.lines]
    status = order.status
    outcomes = []
    for action in COMPARED:
        savepoint = s.begin_nested()
        try:
            outcomes.append(_one(s, action, order_id, chosen, percent, actor, lines, status))
        finally:
            savepoint.rollback()
    return outcomes
