"""Customer search results and the customer 360 view: profile form, KPIs, histories, activity chart.

Pure factories: they take loaded rows / entities and never query.
"""
from __future__ import annotations

import re

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from .formatting import format_day, format_money, format_number, format_when
from .i18n import N_, _, plotly_config
from .order import label, status_label

PROFILE_FIELDS = ("name", "emails", "phones", "tags", "language", "time_zone", "birthday", "memo")
LANGUAGE_LABELS = {"en": N_("English"), "es": N_("Spanish"), "ja": N_("Japanese")}
CASE_TYPE_LABELS = {"payment": N_("Payment"), "claim": N_("Claim"), "shipment": N_("Shipment"),
                    "return": N_("Return"), "cancellation": N_("Cancellation"), "other": N_("Other")}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def markdown_link(text: str, href: str) -> str:
    """A markdown link whose text is shown literally (the grid renders markdown without HTML)."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return f"[{escaped}]({href})"


def _grid(id: str, rows: list[dict], columns: list[tuple], *, height: str | None = None) -> dag.AgGrid:  # noqa: A002
    defs = [{"field": field, "headerName": header, **extra} for field, header, extra in columns]
    return dag.AgGrid(id=id, rowData=rows, columnDefs=defs,
                      defaultColDef={"sortable": True, "resizable": True, "filter": True},
                      columnSize="responsiveSizeToFit",
                      dashGridOptions={"domLayout": "autoHeight" if height is None else "normal",
                                       "animateRows": False, "pagination": len(rows) > 25,
                                       "paginationPageSize": 25},
                      style={"width": "100%", **({"height": height} if height else {})})


LINK = {"cellRenderer": "markdown", "linkTarget": "_self"}


def make_search_results(result) -> html.Div:
    if not result.rows:
        return html.P(_("No customer matches. Try a name, an email, a phone, or an order or case number."),
                      className="text-body-secondary", id="customers-none")
    rows = [{"name": markdown_link(r["name"], f"/customers/{r['id']}"), "email": r["email"] or "",
             "language": label(LANGUAGE_LABELS, r["language"]), "currency": r["currency"], "id": r["id"]}
            for r in result.rows]
    children = [_grid("customers-grid", rows, [("name", _("Name"), LINK), ("email", _("Primary email"), {}),
                                                ("language", _("Language"), {}), ("currency", _("Currency"), {})])]
    if result.more:
        children.insert(0, dbc.Alert(_("More than {count} customers match: refine your search.").format(
            count=len(result.rows)), color="info", id="customers-more"))
    return html.Div(children)


def _error(field: str) -> html.Div:
    return html.Div(id=f"customer-error-{field.replace('_', '-')}", className="invalid-feedback d-block")


def _labelled(text: str, control, field: str, width: int = 6) -> dbc.Col:
    return dbc.Col([dbc.Label(text), control, _error(field)], md=width, className="mb-2")


def make_profile_form(customer) -> dbc.Card:
    emails = list(customer.emails)
    primary = next((i for i, e in enumerate(emails) if e.is_primary), 0)
    email_rows = [dbc.InputGroup([
        dbc.Input(id={"type": "customer-email", "index": i}, type="text", value=e.email if e else "",
                  placeholder="" if e else _("Add an email"), className="" if e else "customer-email-new"),
        dbc.InputGroupText(dbc.Checkbox(id={"type": "customer-newsletter", "index": i},
                                        value=bool(e and e.newsletter), label=_("Newsletter"))),
    ], className="mb-1") for i, e in enumerate([*emails, None])]
    body = dbc.Row([
        _labelled(_("Name"), dbc.Input(id="customer-name", value=customer.name), "name"),
        _labelled(_("Language"), dbc.Select(id="customer-language", value=customer.language, options=[
            {"label": _(text), "value": code} for code, text in LANGUAGE_LABELS.items()]), "language", 3),
        _labelled(_("Time zone"), dbc.Input(id="customer-time-zone", value=customer.time_zone), "time_zone", 3),
        dbc.Col([dbc.Label(_("Emails")), *email_rows,
                 dbc.RadioItems(id="customer-primary-email", value=primary, inline=True,
                                options=[{"label": _("Primary: {n}").format(n=i + 1), "value": i}
                                         for i in range(len(emails) + 1)]),
                 _error("emails")], md=6, className="mb-2"),
        dbc.Col([
            dbc.Label(_("Phones (comma-separated)")),
            dbc.Input(id="customer-phones", value=", ".join(p.number for p in customer.phones)), _error("phones"),
            dbc.Label(_("Tags (comma-separated)"), className="mt-2"),
            dbc.Input(id="customer-tags", value=", ".join(customer.tags)), _error("tags"),
            dbc.Label(_("Birthday"), className="mt-2"),
            dbc.Input(id="customer-birthday", type="date",
                      value=customer.birthday.isoformat() if customer.birthday else ""), _error("birthday"),
        ], md=6, className="mb-2"),
        _labelled(_("Internal memo"), dbc.Textarea(id="customer-memo", value=customer.memo or "", rows=3),
                  "memo", 12),
        dbc.Col(make_addresses(customer.addresses), md=12, className="mb-2"),
    ])
    header = html.Div([html.H2(_("Profile"), className="h6 mb-0"),
                       dbc.Button(_("Save profile"), id="customer-save", n_clicks=0, size="sm")],
                      className="d-flex justify-content-between align-items-center")
    return dbc.Card([dbc.CardHeader(header), dbc.CardBody(body)], id="customer-profile", className="mb-3")


def make_addresses(addresses) -> html.Div:
    items = [html.Li(f"{_('Billing') if a.kind == 'billing' else _('Shipping')}: "
                     + ", ".join(p for p in (a.line1, a.line2, a.city, a.region, a.postal_code, a.country) if p)
                     + (f" ({_('default')})" if a.is_default else "")) for a in addresses]
    return html.Div([dbc.Label(_("Addresses")),
                     html.Ul(items, className="mb-0") if items else html.P(_("No address."), className="mb-0")],
                    id="customer-addresses")


def make_kpis(kpis, *, time_zone: str) -> html.Div:
    rate = "—" if kpis.return_rate is None else f"{format_number(round(kpis.return_rate * 100, 1))} %"
    cards = [("lifetime-value", _("Lifetime value"), format_money(kpis.lifetime_value, kpis.currency)),
             ("orders", _("Orders"), format_number(kpis.orders)),
             ("items-returned", _("Items returned"), format_number(kpis.items_returned)),
             ("return-rate", _("Return rate"), rate),
             ("refunds", _("Refunds"), format_money(kpis.refunds_total, kpis.currency)),
             ("open-cases", _("Open cases"), format_number(kpis.open_cases)),
             ("last-contact", _("Last contact"), format_when(kpis.last_contact, time_zone) or "—")]
    return html.Div([dbc.Card(dbc.CardBody([html.Div(name, className="small text-body-secondary"),
                                            html.Div(value, id=f"customer-kpi-{key}", className="fw-semibold")]),
                              className="me-2 mb-2") for key, name, value in cards],
                    id="customer-kpis", className="d-flex flex-wrap mb-2")


def make_order_history(rows: list[dict], *, time_zone: str) -> html.Div:
    data = [{"number": markdown_link(r["number"], f"/orders/{r['number']}"),
             "placed": format_when(r["placed_at"], time_zone),
             "status": status_label(r["status"]), "channel": r["channel"],
             "total": format_money(r["grand_total"], r["currency"]),
             "refunded": format_money(r["refunded"], r["currency"])} for r in rows]
    columns = [("number", _("Order"), LINK), ("placed", _("Placed"), {}),
               ("status", _("Status"), {}), ("channel", _("Channel"), {}), ("total", _("Grand total"), {}),
               ("refunded", _("Refunded"), {})]
    if not data:
        return html.P(_("No orders yet."), id="customer-orders-empty")
    return _grid("customer-orders-grid", data, columns)


def make_case_history(rows: list[dict], *, time_zone: str) -> html.Div:
    data = [{"number": markdown_link(r["number"], f"/cases/{r['number']}"), "subject": r["subject"],
             "status": status_label(r["status"]), "type": label(CASE_TYPE_LABELS, r["type"]),
             "created": format_when(r["created_at"], time_zone), "order": r["order_number"] or ""} for r in rows]
    columns = [("number", _("Case"), LINK), ("subject", _("Subject"), {}), ("status", _("Status"), {}),
               ("type", _("Type"), {}), ("order", _("Order"), {}), ("created", _("Created"), {})]
    if not data:
        return html.P(_("No cases."), id="customer-cases-empty")
    return _grid("customer-cases-grid", data, columns)


def make_activity_chart(months: list[dict], *, currency: str) -> dcc.Graph:
    figure = go.Figure()
    figure.add_bar(x=[m["month"] for m in months], y=[m["orders"] for m in months], name=_("Orders"))
    # Plotly draws numbers: the refunds leave Decimal only here, for the chart.
    figure.add_scatter(x=[m["month"] for m in months], y=[float(m["refunds"]) for m in months],
                       name=_("Refunds ({currency})").format(currency=currency), yaxis="y2", mode="lines+markers")
    figure.update_layout(height=240, margin={"l": 40, "r": 40, "t": 10, "b": 30}, legend={"orientation": "h"},
                         yaxis={"title": _("Orders")}, yaxis2={"overlaying": "y", "side": "right"})
    return dcc.Graph(id="customer-activity-chart", figure=figure, config=plotly_config(displayModeBar=False))


def make_customer_header(customer) -> html.Div:
    return html.Div([html.H1(customer.name, className="h4 mb-1", id="customer-title"),
                     html.Div([dbc.Badge(tag, color="info", className="me-1") for tag in customer.tags]
                              + [html.Span(format_day(customer.birthday), className="small text-body-secondary")
                                 if customer.birthday else None])], className="mb-3")
