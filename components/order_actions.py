"""The Actions panel of the order summary: buttons, the action modal and its forms, toasts.

IDs: `{"type": "order-action", "action": code, "target": id}` for the buttons
(target 0 is the order itself, else a return order id), `{"type":
"order-qty", "line": line_id}` and `{"type": "order-amount", "line":
line_id}` for per-line inputs, `{"type": "order-field", "name": …}` for the
reason, note, condition and shipping amount.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from .formatting import format_money
from .i18n import N_, _

# Actions in the panel, in the seeds' order; RMA receive/close live on each return order.
PANEL_ACTIONS = ("cancel", "discount", "credit_shipping", "reship", "return", "rma")
ACTION_LABELS = {
    "cancel": N_("Cancel items"), "discount": N_("Discount items"), "credit_shipping": N_("Credit shipping"),
    "reship": N_("Reship"), "return": N_("Return with refund"), "rma": N_("Return via RMA"),
    "receive_return": N_("Receive return"), "close_return": N_("Close return"),
}
# The policy's reason list used by each action of the panel.
REASON_LISTS = {"cancel": "cancel", "discount": "discount", "credit_shipping": "shipping_credit",
                "reship": "reship", "return": "return", "rma": "rma"}
REASON_LABELS = {
    "customer_request": N_("Customer request"), "duplicate_order": N_("Duplicate order"),
    "out_of_stock": N_("Out of stock"), "fraud_suspected": N_("Fraud suspected"), "other": N_("Other"),
    "price_match": N_("Price match"), "goodwill": N_("Goodwill"), "damaged": N_("Damaged"),
    "late_delivery": N_("Late delivery"), "lost_in_transit": N_("Lost in transit"),
    "damaged_in_transit": N_("Damaged in transit"), "defective": N_("Defective"), "wrong_item": N_("Wrong item"),
    "wrong_size": N_("Wrong size"), "not_as_described": N_("Not as described"), "changed_mind": N_("Changed mind"),
}
CONDITION_LABELS = {"resellable": N_("Resellable"), "damaged": N_("Damaged"), "defective": N_("Defective"),
                    "missing_parts": N_("Missing parts")}


def action_label(action: str) -> str:
    return _(ACTION_LABELS.get(action, action))


# PendingApproval.action holds the model function that waits; the panel's code gives its label.
REQUESTED_ACTIONS = {"cancel_items": "cancel", "discount_items": "discount", "credit_shipping": "credit_shipping",
                     "return_items": "return", "close_return_order": "close_return"}


def requested_action_label(function_name: str) -> str:
    return action_label(REQUESTED_ACTIONS.get(function_name, function_name))


def reason_label(code: str) -> str:
    return _(REASON_LABELS.get(code, code.replace("_", " ").capitalize()))


def make_action_button(action: str, *, target: int = 0, disabled: bool = False, **kwargs) -> dbc.Button:
    css = f"order-action-{action.replace('_', '-')} " + kwargs.pop("className", "")
    return dbc.Button(action_label(action), id={"type": "order-action", "action": action, "target": target},
                      disabled=disabled, color=kwargs.pop("color", "primary"), n_clicks=0, className=css.strip(),
                      **kwargs)


def make_actions_panel(states, *, order) -> dbc.Card:
    """One button per action; a disabled one says why underneath (and in its tooltip)."""
    by_action = {st.action: st for st in states}
    rows = []
    for action in PANEL_ACTIONS:
        state = by_action.get(action)
        if state is None:
            continue
        button = make_action_button(action, disabled=not state.enabled, outline=not state.enabled,
                                    className="w-100")
        why = (html.Div(_(state.why_not), className="small text-body-secondary mt-1",
                        id=f"order-why-not-{action.replace('_', '-')}") if not state.enabled and state.why_not
               else None)
        rows.append(html.Div([html.Span(button, title=_(state.why_not) if why else ""), why], className="mb-2"))
    open_rmas = [ro for ro in order.return_orders if ro.status != "closed"]
    if open_rmas:
        rows.append(html.P(_("Receive or close a return order from its row under Return orders."),
                           className="small text-body-secondary mb-0", id="order-rma-hint"))
    else:
        rows.append(html.Div(_("No return order is open."), className="small text-body-secondary",
                             id="order-why-not-rma-steps"))
    return dbc.Card([dbc.CardHeader(html.H2(_("Actions & Recommendations"), className="h6 mb-0")),
                     dbc.CardBody(rows)], id="order-actions", className="mb-3")


def _reason_select(action: str, reasons) -> html.Div:
    return html.Div([
        dbc.Label(_("Reason")),
        dbc.Select(id={"type": "order-field", "name": "reason"}, placeholder=_("Choose a reason"),
                   className="order-field-reason",
                   options=[{"label": reason_label(code), "value": code} for code in reasons]),
    ], className="mb-2")


def _note_input() -> html.Div:
    return html.Div([dbc.Label(_("Note (optional)")),
                     dbc.Textarea(id={"type": "order-field", "name": "note"}, maxLength=2000, rows=2)],
                    className="mb-2")


def _line_row(line, available, *, currency: str, amount: bool = False) -> html.Tr:
    if amount:
        control = dbc.Input(id={"type": "order-amount", "line": line.id}, type="number", min=0,
                            className=f"order-amount-line-{line.id}",
                            max=str(available), step="any", placeholder="0.00", debounce=300)
        limit = _("up to {amount}").format(amount=format_money(available, currency))
    else:
        control = dbc.Input(id={"type": "order-qty", "line": line.id}, type="number", min=0, max=available,
                            className=f"order-qty-line-{line.id}",
                            step=1, value=0, debounce=300)
        limit = _("{count} available").format(count=available)
    return html.Tr([html.Td([html.Strong(line.sku), " ", line.name]), html.Td(limit, className="small"),
                    html.Td(control, style={"width": "8rem"})])


def make_action_form(action: str, order, *, available: dict, reasons=(), conditions=(),
                     return_order=None) -> html.Div:
    """The modal body for one action; `available` is {line_id: units or amount} for it."""
    currency = order.currency
    children = []
    if action == "credit_shipping":
        children.append(html.Div([
            dbc.Label(_("Shipping credit ({currency}), up to {amount}").format(
                currency=currency, amount=format_money(available.get(0, 0), currency))),
            dbc.Input(id={"type": "order-field", "name": "amount"}, type="number", min=0, step="any",
                      className="order-field-amount",
                      debounce=300),
        ], className="mb-2"))
    elif action == "close_return":
        units = ", ".join(f"{order.line(rl.line_id).sku}: {rl.received}/{rl.expected}" for rl in return_order.lines)
        children.append(html.P([_("Return order"), f" {return_order.number} · ", _("received"), f" {units}"]))
    else:
        lines = [order.line(line_id) for line_id in available]
        amount = action == "discount"
        rows = [_line_row(line, available[line.id], currency=currency, amount=amount) for line in lines]
        if not rows:
            children.append(html.P(_("No line can take this action now."), className="text-body-secondary"))
        else:
            head = [_("Product"), _("Limit"), _("Amount off") if amount else _("Units")]
            children.append(dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                                      size="sm", className="mb-2", id="order-action-lines"))
    if action == "receive_return":
        children.append(html.Div([
            dbc.Label(_("Condition")),
            dbc.Select(id={"type": "order-field", "name": "condition"}, value="resellable",
                       options=[{"label": _(CONDITION_LABELS.get(c, c)), "value": c} for c in conditions]),
        ], className="mb-2"))
    if action in REASON_LISTS:
        children += [_reason_select(action, reasons), _note_input()]
    return html.Div(children, id="order-action-form")


def make_action_modal() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(id="order-action-title")),
        dbc.ModalBody([html.Div(id="order-action-body"), html.Div(id="order-action-preview", className="mt-2")]),
        dbc.ModalFooter([
            dbc.Button(_("Close"), id="order-action-dismiss", color="secondary", outline=True, n_clicks=0),
            dbc.Button(_("Confirm"), id="order-action-confirm", color="primary", disabled=True, n_clicks=0),
        ]),
    ], id="order-action-modal", is_open=False, size="lg", backdrop="static")


def make_preview(preview, *, action: str) -> html.Div:
    """What the action will do (the dry run) or why it can't."""
    if not preview.ok:
        return dbc.Alert(_(preview.error or ""), color="warning", id="order-preview-error", className="mb-0")
    money = lambda amount: format_money(amount, preview.currency)  # noqa: E731
    facts = [(_("Refund"), money(preview.refund), "order-preview-refund")]
    if preview.released:
        facts.append((_("Authorization released"), money(preview.released), "order-preview-released"))
    if preview.fees:
        facts.append((_("Fees"), money(preview.fees), "order-preview-fees"))
    totals = preview.totals or {}
    if "grand_total" in totals:
        facts.append((_("New grand total"), money(totals["grand_total"]), "order-preview-grand-total"))
    if "refunded" in totals:
        facts.append((_("Refunded on the order after this"), money(totals["refunded"]), "order-preview-refunded"))
    children = [html.Div([html.Span(name + ": ", className="text-body-secondary"), html.Span(value, id=id)])
                for name, value, id in facts]
    if action == "rma":
        children.insert(0, html.P(_("Refunded when the return is received and closed (before fees):"),
                                  className="mb-1"))
    if preview.needs_approval:
        children.append(html.Div(_("Above the approval threshold: this will wait for a manager's approval."),
                                 className="text-warning-emphasis fw-semibold mt-1", id="order-preview-approval"))
    return dbc.Alert(children, color="info", id="order-preview", className="mb-0")


def make_note(message: str, *, color: str = "secondary", id: str = "order-preview") -> dbc.Alert:  # noqa: A002
    return dbc.Alert(message, color=color, id=id, className="mb-0")


def make_toast(message: str, *, kind: str = "success", id: str = "order-toast-message") -> dbc.Toast:  # noqa: A002
    """A short notice in the corner; `kind` is a Bootstrap colour (success, warning, danger)."""
    return dbc.Toast(message, id=id, header=_("Done") if kind == "success" else _("Notice"), icon=kind,
                     is_open=True, dismissable=True, duration=8000,
                     style={"position": "fixed", "top": 70, "right": 20, "zIndex": 2000, "minWidth": 320})
