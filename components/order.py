"""Order summary sections: header, totals, lines, shipments, changes, returns, timeline.

Factories take the order as loaded by `model.queries.orders.load_order` (every
relationship they read is eager-loaded there) and never query. All text from
people (names, notes, subjects) goes in as plain strings, rendered as text.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from .formatting import format_money, format_when
from .i18n import N_, _
from .order_actions import make_actions_panel, requested_action_label
from .order_compare import make_compare_form

ORDER_STATUS_LABELS = {
    "created": N_("Created"), "allocated": N_("Allocated"), "partially_fulfilled": N_("Partially fulfilled"),
    "fulfilled": N_("Fulfilled"), "canceled": N_("Canceled"), "returned": N_("Returned"),
    "delivered": N_("Delivered"), "lost": N_("Lost"), "submitted": N_("Submitted"), "received": N_("Received"),
    "closed": N_("Closed"), "pending": N_("Pending"), "approved": N_("Approved"), "rejected": N_("Rejected"),
}
CHANNEL_LABELS = {"web": N_("Web"), "store": N_("Store"), "phone": N_("Phone"), "marketplace": N_("Marketplace")}
CHANGE_KIND_LABELS = {"cancel": N_("Cancel"), "discount": N_("Discount"), "return": N_("Return"),
                      "rma": N_("Return via RMA"), "shipping_credit": N_("Shipping credit")}


def label(labels: dict, code: str | None) -> str:
    return _(labels.get(code, code or "")) if code else ""


def status_label(code: str | None) -> str:
    return label(ORDER_STATUS_LABELS, code)


def _section(title: str, body, *, id: str) -> dbc.Card:  # noqa: A002
    return dbc.Card([dbc.CardHeader(html.H2(title, className="h6 mb-0")), dbc.CardBody(body)],
                    id=id, className="mb-3")


def _table(headers: list[str], rows: list[list], *, id: str, empty: str) -> html.Div:  # noqa: A002
    if not rows:
        return html.P(empty, className="text-body-secondary mb-0", id=id)
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])),
                      html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])],
                     id=id, size="sm", striped=True, responsive=True, className="mb-0")


def make_section(title: str, headers: list[str], rows: list[list], *, id: str, empty: str,  # noqa: A002
                 after=None) -> dbc.Card:
    """A titled card holding one table (`<id>-table`), or the `empty` sentence when there are no rows."""
    table = _table(headers, rows, id=f"{id}-table", empty=empty)
    return _section(title, table if after is None else [table, after], id=id)


def make_order_header(order, *, time_zone: str) -> html.Div:
    customer = order.customer
    facts = [
        (_("Customer"), dcc.Link(customer.name, href=f"/customers/{customer.id}", id="order-customer-link")),
        (_("Channel"), label(CHANNEL_LABELS, order.channel)),
        (_("Placed"), format_when(order.placed_at, time_zone)),
        (_("Status"), html.Span(status_label(order.status), id="order-status")),
        (_("Currency"), order.currency),
    ]
    return html.Div([
        html.H1([_("Order"), " ", html.Span(order.number, id="order-number")], className="h4 mb-2"),
        html.Div([html.Span([html.Span(name + ": ", className="text-body-secondary"), value],
                            className="me-4") for name, value in facts], className="d-flex flex-wrap"),
    ], id="order-header", className="mb-3")


def make_case_banner(number: str, subject: str | None) -> dbc.Alert:
    """Which case the order is worked on for (`?case=`); `subject` None: the case is not this order's."""
    if subject is None:
        return dbc.Alert(_("Case {number} is not linked to this order.").format(number=number), color="warning",
                         id="order-case-banner", className="py-2")
    return dbc.Alert([_("Working on case"), " ", dcc.Link(number, href=f"/cases/{number}", id="order-case-link"),
                      " · ", html.Span(subject)], color="info", id="order-case-banner", className="py-2")


def make_totals(order) -> dbc.Card:
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    payment = order.payment
    rows = [
        ("subtotal", _("Subtotal"), order.subtotal), ("discounts", _("Discounts"), -order.discounts),
        ("tax", _("Tax"), order.tax), ("shipping", _("Shipping"), order.shipping),
        ("fees", _("Fees"), order.fees), ("grand-total", _("Grand total"), order.grand_total),
        ("authorized", _("Authorized"), payment.authorized), ("captured", _("Captured"), payment.captured),
        ("refunded", _("Refunded"), payment.refunded), ("balance", _("Balance"), order.balance),
    ]
    items = [html.Div([html.Div(name, className="small text-body-secondary"),
                       html.Div(money(amount), id=f"order-total-{key}", className="fw-semibold")],
                      className="me-4 mb-2") for key, name, amount in rows if key != "fees" or amount]
    return _section(_("Totals"), html.Div(items, className="d-flex flex-wrap"), id="order-totals")


def make_lines(order) -> dbc.Card:
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    headers = [_("Product"), _("Unit price"), _("Ordered"), _("Canceled"), _("Allocated"), _("Fulfilled"),
               _("Return initiated"), _("Returned"), _("Discount"), _("Tax"), _("Total")]
    rows = [[html.Span([html.Strong(ln.sku), " ", ln.name]), money(ln.unit_price), ln.ordered, ln.canceled,
             ln.allocated, ln.fulfilled, ln.return_initiated, ln.returned, money(ln.discount), money(ln.tax),
             money(ln.total)] for ln in order.lines]
    return make_section(_("Lines"), headers, rows, id="order-lines", empty=_("No lines."))


def make_fulfillments(order, *, time_zone: str) -> dbc.Card:
    skus = {ln.id: ln.sku for ln in order.lines}
    rows = []
    for fo in order.fulfillment_orders:
        where = fo.location + (" (" + _("store pickup") + ")" if fo.location_type == "store" else "")
        kind = _("Reship") if fo.is_reship else ""
        units = ", ".join(f"{skus.get(fl.line_id, '?')} × {fl.quantity}" for fl in fo.lines)
        rows.append([f"#{fo.id}", where, units, status_label(fo.status), fo.carrier or "",
                     fo.tracking_number or "", kind, format_when(fo.fulfilled_at, time_zone)])
    headers = [_("Shipment"), _("Location"), _("Units"), _("Status"), _("Carrier"), _("Tracking"), _("Type"),
               _("Shipped")]
    return make_section(_("Fulfillment orders"), headers, rows, id="order-fulfillments",
                        empty=_("Nothing allocated or shipped yet."))


def make_change_orders(order, *, time_zone: str) -> dbc.Card:
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    rows = [[f"#{co.id}", label(CHANGE_KIND_LABELS, co.kind), co.reason, money(co.amount), money(co.released),
             money(co.refunded), co.note or "", format_when(co.created_at, time_zone)]
            for co in order.change_orders]
    headers = [_("Change"), _("Kind"), _("Reason"), _("Total change"), _("Released"), _("Refunded"), _("Note"),
               _("When")]
    return make_section(_("Change orders"), headers, rows, id="order-change-orders", empty=_("No changes."))


def make_credit_memos(order, *, time_zone: str) -> dbc.Card:
    money = lambda amount: format_money(amount, order.currency)  # noqa: E731
    rows = [[memo.number, money(memo.amount), money(memo.fees), memo.refund_reference or "",
             f"#{memo.change_order_id}", format_when(memo.created_at, time_zone)] for memo in order.credit_memos]
    headers = [_("Credit memo"), _("Refund"), _("Fees"), _("Refund reference"), _("Change"), _("When")]
    return make_section(_("Credit memos"), headers, rows, id="order-credit-memos", empty=_("No credit memos."))


def make_return_orders(order, *, time_zone: str) -> dbc.Card:
    from .order_actions import make_action_button

    skus = {ln.id: ln.sku for ln in order.lines}
    rows = []
    for ro in order.return_orders:
        units = ", ".join(f"{skus.get(rl.line_id, '?')}: {rl.received}/{rl.expected}" for rl in ro.lines)
        buttons = []
        if ro.status != "closed":
            buttons = [make_action_button("receive_return", target=ro.id, size="sm", outline=True),
                       make_action_button("close_return", target=ro.id, size="sm", outline=True)]
        rows.append([ro.number, status_label(ro.status), ro.reason, units, ro.condition or "",
                     format_when(ro.created_at, time_zone), html.Div(buttons, className="d-flex gap-1")])
    headers = [_("Return order"), _("Status"), _("Reason"), _("Received / expected"), _("Condition"),
               _("Created"), ""]
    return make_section(_("Return orders"), headers, rows, id="order-return-orders",
                        empty=_("No return orders."))


def make_pending_approvals(order, pending: list, *, can_approve: bool = False) -> dbc.Card | None:
    if not pending:
        return None
    rows = [[f"#{p.id}", requested_action_label(p.action), format_money(p.amount, p.currency),
             status_label(p.status)] for p in pending]
    link = dcc.Link(_("Approve or reject on the approvals page"), href="/approvals", id="order-approvals-link",
                    className="small d-block mt-2") if can_approve else None
    return make_section(_("Waiting for manager approval"), [_("Request"), _("Action"), _("Refund"), _("Status")],
                        rows, id="order-approvals", empty="", after=link)


def make_timeline(entries: list, *, currency: str, time_zone: str) -> dbc.Card:
    items = []
    for entry in entries:
        amounts = ""
        if entry.amount_before is not None or entry.amount_after is not None:
            amounts = (f"{format_money(entry.amount_before, currency)} → "
                       f"{format_money(entry.amount_after, currency)}")
        items.append(html.Li([
            html.Span(format_when(entry.at, time_zone), className="text-body-secondary me-2"),
            html.Strong(entry.kind, className="me-2"), html.Span(entry.actor or "", className="me-2"),
            html.Span(amounts, className="me-2"),
            html.Div(entry.summary, className="small text-body-secondary text-break"),
        ], className="mb-2"))
    body = html.Ul(items, className="list-unstyled mb-0") if items else html.P(_("Nothing yet."))
    return _section(_("Timeline"), body, id="order-timeline")


def make_order_sections(order, *, states, entries, pending, time_zone: str, can_approve: bool = False) -> html.Div:
    """Everything on the page that changes when an action runs (re-rendered as one)."""
    main = [make_totals(order), make_lines(order), make_compare_form(order),
            make_fulfillments(order, time_zone=time_zone),
            make_return_orders(order, time_zone=time_zone), make_change_orders(order, time_zone=time_zone),
            make_credit_memos(order, time_zone=time_zone)]
    side = [make_actions_panel(states, order=order),
            make_pending_approvals(order, pending, can_approve=can_approve),
            make_timeline(entries, currency=order.currency, time_zone=time_zone)]
    return html.Div([make_order_header(order, time_zone=time_zone),
                     dbc.Row([dbc.Col(main, lg=8), dbc.Col([c for c in side if c is not None], lg=4)])])
