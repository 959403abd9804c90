"""Compare resolutions on the order summary: the form and the side-by-side table.

IDs: `{"type": "order-compare-qty", "line": line_id}` per line,
`order-compare-percent`, `order-compare-run`, `order-compare-result`; in the
table, `order-compare-<action>-<fact>` cells (e.g. `order-compare-return-refund`)
and `order-compare-<action>-error` where an action can't be done.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from .formatting import format_money, format_number
from .i18n import N_, _, label
from .order_actions import action_label

DEFAULT_PERCENT = 10


def _kebab(code: str) -> str:
    return code.replace("_", "-")


def make_compare_form(order, *, percent=DEFAULT_PERCENT) -> dbc.Card:
    """Units per line (those the customer complains about) and the discount to try."""
    rows = [html.Tr([html.Td([html.Strong(ln.sku), " ", ln.name]),
                     html.Td(_("{count} on the order").format(count=ln.active), className="small"),
                     html.Td(dbc.Input(id={"type": "order-compare-qty", "line": ln.id}, type="number", min=0,
                                       max=ln.active, step=1, value=0, className=f"order-compare-qty-line-{ln.id}"),
                             style={"width": "8rem"})])
            for ln in order.lines if ln.active > 0]
    if not rows:
        body = html.P(_("No line has units left to compare."), className="text-body-secondary mb-0")
    else:
        body = html.Div([
            html.P(_("Enter the units the customer is asking about: each action's dry run shows what it would "
                     "do. Nothing is changed."), className="small text-body-secondary"),
            dbc.Table([html.Thead(html.Tr([html.Th(_("Product")), html.Th(_("Limit")), html.Th(_("Units"))])),
                       html.Tbody(rows)], size="sm", className="mb-2"),
            html.Div([
                dbc.InputGroup([dbc.InputGroupText(_("Discount to compare")),
                                dbc.Input(id="order-compare-percent", type="number", min=0, max=100, step="any",
                                          value=percent),
                                dbc.InputGroupText("%")], size="sm", style={"maxWidth": "18rem"}),
                dbc.Button(_("Compare"), id="order-compare-run", color="secondary", size="sm", n_clicks=0),
            ], className="d-flex gap-2 align-items-center mb-2"),
            html.Div(id="order-compare-result"),
        ])
    return dbc.Card([dbc.CardHeader(html.H2(_("Compare resolutions"), className="h6 mb-0")), dbc.CardBody(body)],
                    id="order-compare", className="mb-3")


def _stock(outcome) -> str:
    if outcome.units_kept_in_stock:
        return _("{count} never ship").format(count=format_number(outcome.units_kept_in_stock))
    if outcome.units_back:
        key = N_("{count} come back when received") if outcome.action == "rma" else N_("{count} come back")
        return _(key).format(count=format_number(outcome.units_back))
    if outcome.units_out:
        return _("{count} ship again, at no charge").format(count=format_number(outcome.units_out))
    return _("No units move")


def _facts(outcome, currency: str) -> list[tuple[str, object]]:
    """(fact code, cell text) in row order, for an action that can be done."""
    money = lambda amount: format_money(amount, currency)  # noqa: E731
    return [
        ("refund", money(outcome.refund)), ("released", money(outcome.released)), ("fees", money(outcome.fees)),
        ("shipping", money(outcome.shipping_refund)),
        ("discount", money(outcome.discount)),
        ("grand-total", money(outcome.grand_total) if outcome.grand_total is not None else _("Unchanged")),
        ("stock", _stock(outcome)), ("status", label(outcome.status)),
        ("approval", _("Needs a manager's approval") if outcome.needs_approval else _("Not needed")),
    ]


FACT_LABELS = {
    "refund": N_("Money back"), "released": N_("Authorization released"), "fees": N_("Fees"),
    "shipping": N_("Shipping refunded"), "discount": N_("Discount"), "grand-total": N_("New grand total"),
    "stock": N_("Stock"), "status": N_("Order status after"), "approval": N_("Approval"),
}


def make_compare_table(outcomes, *, currency: str) -> dbc.Table:
    """Actions side by side; one that can't be done shows its reason across its whole column."""
    codes = list(FACT_LABELS)
    columns = {o.action: dict(_facts(o, currency)) for o in outcomes if o.ok}
    head = html.Thead(html.Tr([html.Th("")] + [html.Th(action_label(o.action), id=f"order-compare-{_kebab(o.action)}")
                                               for o in outcomes]))
    body = []
    for index, code in enumerate(codes):
        cells = [html.Th(_(FACT_LABELS[code]), scope="row", className="fw-normal text-body-secondary")]
        for outcome in outcomes:
            column = _kebab(outcome.action)
            if outcome.ok:
                cells.append(html.Td(columns[outcome.action][code], id=f"order-compare-{column}-{code}"))
            elif index == 0:
                cells.append(html.Td(_(outcome.error) if outcome.error else "", rowSpan=len(codes), id=f"order-compare-{column}-error",
                                     className="small text-warning-emphasis bg-warning-subtle"))
        body.append(html.Tr(cells))
    return dbc.Table([head, html.Tbody(body)], id="order-compare-table", size="sm", bordered=True,
                     responsive=True, className="mb-0 small")
