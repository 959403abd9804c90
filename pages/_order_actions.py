"""What the order page's Actions panel runs: the same call for the dry run and for real.

The browser sends line ids, quantities and (for discounts and shipping
credits) the amount the person typed; everything else is read again here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from model import actions
from model.actions.discount import explain_discount
from model.actions.reship import lost_units
from model.actions.returns import returnable_now
from model.actions.credit_shipping import creditable_shipping
from model.entities import ChangeOrder, CreditMemo, FulfillmentOrder, PendingApproval, ReturnOrder
from model.queries.orders import is_return_order_of

from components.formatting import format_money
from components.i18n import _
from pages._inputs import as_dict, as_text

MONEY_ACTIONS = {"cancel": actions.cancel_items, "discount": actions.discount_items,
                 "credit_shipping": actions.credit_shipping, "return": actions.return_items,
                 "close_return": actions.close_return_order}
RETURN_ORDER_ACTIONS = ("receive_return", "close_return")  # `target` names one of the order's return orders
TEXT_FIELDS = ("reason", "note", "condition")  # selects and a text area: text or nothing


@dataclass
class Request:
    """One submission of the action modal, as the browser sent it."""

    action: str
    order_id: int
    target: int = 0                      # return order id for receive/close
    quantities: dict = field(default_factory=dict)   # {line_id: raw value}
    amounts: dict = field(default_factory=dict)      # {line_id: raw value}
    fields: dict = field(default_factory=dict)       # reason, note, condition, amount

    @property
    def lines(self) -> dict:
        """Lines with something entered: blanks and zeros are "not this line"."""
        return {line_id: value for line_id, value in self.quantities.items() if value not in (None, "", 0)}

    @property
    def discount_amounts(self) -> dict:
        return {line_id: str(value) for line_id, value in self.amounts.items() if value not in (None, "", 0)}

    @property
    def note(self) -> str | None:
        note = (self.fields.get("note") or "").strip()
        return note or None


def available(order, action: str, return_order=None) -> dict:
    """{line_id: units} (or {line_id: amount} for a discount, {0: amount} for shipping) open to `action`."""
    if action == "cancel":
        return {ln.id: ln.available_to_cancel for ln in order.lines if ln.available_to_cancel > 0}
    if action in ("return", "rma"):
        return {ln.id: n for ln in order.lines if (n := returnable_now(order, ln)) > 0}
    if action == "reship":
        return {ln.id: n for ln in order.lines if (n := lost_units(order, ln)) > 0}
    if action == "discount":
        return {ln.id: ln.net for ln in order.lines if explain_discount(ln) is None}
    if action == "credit_shipping":
        return {0: creditable_shipping(order)}
    if action == "receive_return" and return_order is not None:
        return {rl.line_id: rl.expected - rl.received for rl in return_order.lines if rl.expected > rl.received}
    return {}


def _money_arguments(request: Request) -> tuple:
    if request.action == "close_return":
        return (request.target,)
    if request.action == "discount":
        return (request.order_id, request.discount_amounts)
    if request.action == "credit_shipping":
        amount = request.fields.get("amount")
        return (request.order_id, "" if amount is None else str(amount))
    return (request.order_id, request.lines)


def _money_keywords(request: Request) -> dict:
    if request.action == "close_return":
        return {"order_id": request.order_id}
    return {"reason": request.fields.get("reason"), "note": request.note}


def dry_run(s, request: Request, actor):
    """A Preview for money actions (RMA create previews the refund of an immediate return); else None.

    Call it in a transaction that is rolled back afterwards.
    """
    check_request(s, request)
    if request.action in MONEY_ACTIONS:
        return _preview(s, MONEY_ACTIONS[request.action], _money_arguments(request), actor,
                        _money_keywords(request))
    if request.action == "rma":
        return _preview(s, actions.return_items, (request.order_id, request.lines), actor,
                        {"reason": request.fields.get("reason"), "note": request.note})
    return None


def _preview(s, action_fn, args: tuple, actor, keywords: dict):
    # A dry run that would need approval comes back as a Preview with needs_approval=True; it files nothing.
    return actions.preview(action_fn, s, *args, actor=actor, **keywords)


def run(s, request: Request, actor, *, key: str, expected_received: dict | None = None,
        case_id: int | None = None):
    """Run the action for real in the caller's transaction; returns the model's result.

    `case_id`: the case the agent opened the order from; the audit event names it."""
    check_request(s, request)
    if request.action in MONEY_ACTIONS:
        return MONEY_ACTIONS[request.action](s, *_money_arguments(request), actor=actor, idempotency_key=key,
                                             case_id=case_id, **_money_keywords(request))
    if request.action == "rma":
        return actions.create_return_order(s, request.order_id, request.lines, actor=actor,
                                           reason=request.fields.get("reason"), note=request.note,
                                           idempotency_key=key, case_id=case_id)
    if request.action == "reship":
        return actions.reship_items(s, request.order_id, request.lines, actor=actor,
                                    reason=request.fields.get("reason"), note=request.note, idempotency_key=key,
                                    case_id=case_id)
    if request.action == "receive_return":
        result = actions.receive_return_order(s, request.target, request.lines, actor=actor,
                                              condition=request.fields.get("condition") or "resellable",
                                              idempotency_key=key, case_id=case_id, order_id=request.order_id)
        # The key makes a double click a replay; a second form opened on the same return order
        # (another key) is refused when the units received before it are not those it was opened on.
        before = {rl.line_id: rl.received - int(str(request.lines.get(rl.line_id, 0))) for rl in result.lines}
        if expected_received is not None and before != _received_counts(expected_received):
            raise actions.ActionError(_("This return order changed since the form was opened; "
                                        "nothing was recorded. Open it again."))
        return result
    raise actions.ActionError(_("Choose an action."))


def check_request(s, request: Request) -> None:
    """What the browser sent, before anything runs: text in the text fields, and a return order
    (receive, close) that is one of the order on the page, never another order's."""
    if any(request.fields.get(name) is not None and as_text(request.fields[name]) is None for name in TEXT_FIELDS):
        raise actions.ActionError(_("The reason, the note and the condition must be text."))
    if request.action in RETURN_ORDER_ACTIONS and not is_return_order_of(s, request.target, request.order_id):
        raise actions.ActionError(_("This return order belongs to another order; nothing was changed."))


def _received_counts(value) -> dict | None:
    """The form's {line id: units received} as it was opened (JSON keys are text), None if it is not that."""
    value = as_dict(value)
    if value is None or not all(isinstance(key, str) and key.isascii() and key.isdigit() for key in value):
        return None
    return {int(key): units for key, units in value.items()}


def outcome_message(result, request: Request, currency: str) -> tuple[str, str]:
    """(toast text, colour) for what an action returned."""
    money = lambda amount: format_money(amount, currency)  # noqa: E731
    if isinstance(result, PendingApproval):
        return (_("Sent for manager approval: a refund of {amount} waits for a manager.").format(
            amount=money(result.amount)), "warning")
    if isinstance(result, CreditMemo):
        return (_("Refunded {amount} — credit memo {number}").format(amount=money(result.amount),
                                                                     number=result.number), "success")
    if isinstance(result, ChangeOrder):
        if request.action == "cancel":
            return _("Canceled — {amount} of authorization released").format(amount=money(result.released)), \
                "success"
        return _("Done — the order total fell by {amount}").format(amount=money(result.amount)), "success"
    if isinstance(result, ReturnOrder):
        if request.action == "receive_return":
            return _("Received on return order {number}").format(number=result.number), "success"
        return _("Return order {number} created").format(number=result.number), "success"
    if isinstance(result, FulfillmentOrder):
        return _("Reship created: shipment #{id}").format(id=result.id), "success"
    if result is None and request.action == "close_return":
        return _("Return order closed; nothing was received, so nothing was refunded."), "success"
    return _("Done"), "success"
