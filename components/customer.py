"""Customer search results and the customer 360 view: profile form, KPIs, histories, activity chart.

Pure factories: they take loaded rows / entities and never query.
"""
from __future__ import annotations

import re

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from .formatting import format_day, format_money, format_number, format_when
from .i18n import NC_, N_, _, pgettext, plotly_config
from .i18n import label as code_label
from .order import label, status_label

PROFILE_FIELDS = ("name", "emails", "phones", "tags", "language", "time_zone", "birthday", "memo", "addresses")
ADDRESS_FIELDS = ("kind", "line1", "line2", "city", "region", "postal_code", "country", "is_default")
ADDRESS_TEXT_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")
ADDRESS_LABELS = {"kind": N_("Used for"), "line1": N_("Street address"), "line2": N_("Address line 2"),
                  "city": N_("City"), "region": N_("State or region"), "postal_code": N_("Postal code"),
                  "country": N_("Country"), "is_default": N_("Default address")}
# "Shipping" alone is the shipping charge elsewhere: the address kinds have their own context.
ADDRESS_KIND_LABELS = {"shipping": NC_("address", "Shipping"), "billing": NC_("address", "Billing")}
LANGUAGE_LABELS = {"en": N_("English"), "es": N_("Spanish"), "ja": N_("Japanese")}
CASE_TYPE_LABELS = {"payment": N_("Payment"), "claim": N_("Claim"), "shipment": N_("Shipment"),
                    "return": N_("Return"), "cancellation": N_("Cancellation"), "other": N_("Other")}
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")


def markdown_link(text: str, href: str) -> str:
    """A markdown link whose text is shown literally (the grid renders markdown without HTML)."""
    escaped = _MARKDOWN_SPECIALS.sub(r"\\\1", text)
    return f"[{escaped}]({href})"


HISTORY_BLOCK = 50   # rows per request of the history grids
SEARCH_BLOCK = 100


def make_server_grid(id: str, columns: list[tuple], *, row_id: str, block: int,  # noqa: A002
                     height: str) -> dag.AgGrid:
    """A server-side grid (AG Grid's infinite row model): the page answers each block it asks for, sorted."""
    defs = [{"field": field, "headerName": header, **extra} for field, header, extra in columns]
    return dag.AgGrid(id=id, rowModelType="infinite", columnDefs=defs, getRowId=row_id,
                      defaultColDef={"sortable": True, "resizable": True, "filter": False},
                      columnSize="responsiveSizeToFit",
                      dashGridOptions={"cacheBlockSize": block, "maxBlocksInCache": 20, "rowBuffer": 0,
                                       "infiniteInitialRowCount": 1, "animateRows": False},
                      style={"width": "100%", "height": height})


LINK = {"cellRenderer": "markdown", "linkTarget": "_self"}


def make_search_grid() -> dag.AgGrid:
    columns = [("name", _("Name"), LINK), ("email", _("Primary email"), {}), ("language", _("Language"), {}),
               ("currency", _("Currency"), {})]
    return make_server_grid("customers-grid", columns, row_id="String(params.data.id)", block=SEARCH_BLOCK,
                            height="60vh")


def search_rows(rows: list[dict]) -> list[dict]:
    return [{"name": markdown_link(r["name"], f"/customers/{r['id']}"), "email": r["email"] or "",
             "language": label(LANGUAGE_LABELS, r["language"]), "currency": r["currency"], "id": r["id"]}
            for r in rows]


def make_search_hint(text: str | None, *, searchable: bool = True) -> html.P:
    """What to do when the search finds nothing (or nothing, or too little, was typed yet)."""
    if not text:
        message = _("Type something to search for.")
    elif not searchable:
        message = _("Type at least two letters or digits.")
    else:
        message = _("No customer matches. Try a name, an email, a phone, or an order or case number.")
    return html.P(message, className="text-body-secondary", id="customers-none")


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


def address_values(address) -> dict:
    """An address (entity or dict) as the form's values."""
    get = (lambda key: address.get(key)) if isinstance(address, dict) else (lambda key: getattr(address, key))
    return {field: get(field) for field in ADDRESS_FIELDS}


def blank_address() -> dict:
    return {**dict.fromkeys(ADDRESS_FIELDS), "kind": "shipping", "is_default": False}


def address_field_id(index: int, field: str) -> dict:
    return {"type": "customer-address-field", "index": index, "field": field}


def address_error_id(index: int, field: str) -> dict:
    return {"type": "customer-address-error", "index": index, "field": field}


def _address_control(index: int, field: str, value):
    ident, css = address_field_id(index, field), f"customer-address-{field.replace('_', '-')}"
    if field == "kind":
        return dbc.Select(id=ident, value=value or "shipping", className=css, size="sm", options=[
            {"label": pgettext("address", text), "value": code} for code, text in ADDRESS_KIND_LABELS.items()])
    if field == "is_default":
        return dbc.Checkbox(id=ident, value=bool(value), label=_(ADDRESS_LABELS[field]), className=css)
    return dbc.Input(id=ident, value=value or "", className=css, size="sm", maxLength=200,
                     placeholder=_("US, ES, JP…") if field == "country" else None)


def _address_cell(index: int, field: str, value, width: int) -> dbc.Col:
    label_text = None if field == "is_default" else dbc.Label(_(ADDRESS_LABELS[field]), className="small mb-0")
    error = html.Div(id=address_error_id(index, field),
                     className=f"invalid-feedback d-block customer-address-error-{field.replace('_', '-')}")
    return dbc.Col([label_text, _address_control(index, field, value), error], md=width, className="mb-1")


ADDRESS_LAYOUT = (("kind", 4), ("line1", 8), ("line2", 6), ("city", 6), ("region", 4), ("postal_code", 4),
                  ("country", 4), ("is_default", 8))


def make_address_row(index: int, address: dict) -> html.Div:
    remove = dbc.Button(_("Remove"), id={"type": "customer-address-remove", "index": index}, n_clicks=0,
                        color="link", size="sm", className="customer-address-remove p-0 text-danger")
    cells = [_address_cell(index, field, address.get(field), width) for field, width in ADDRESS_LAYOUT]
    return html.Div([html.Div([html.Span(_("Address {n}").format(n=index + 1), className="small fw-semibold"),
                               remove], className="d-flex justify-content-between"),
                     dbc.Row(cells, className="g-2")],
                    className="customer-address border rounded p-2 mb-2")


def make_address_rows(addresses: list[dict]) -> list:
    rows = [make_address_row(index, address) for index, address in enumerate(addresses)]
    return rows or [html.P(_("No address."), className="mb-1 small text-body-secondary", id="customer-no-address")]


def make_addresses(addresses) -> html.Div:
    """Billing and shipping addresses, several, each editable; saved with the rest of the profile."""
    return html.Div([
        dbc.Label(_("Addresses")),
        html.Div(make_address_rows([address_values(a) for a in addresses]), id="customer-address-rows"),
        dbc.Button(_("Add an address"), id="customer-address-add", n_clicks=0, size="sm", color="secondary",
                   outline=True),
        _error("addresses"),
    ], id="customer-addresses")


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


def make_order_history(order_count: int) -> html.P | dag.AgGrid:
    if not order_count:
        return html.P(_("No orders yet."), id="customer-orders-empty")
    columns = [("number", _("Order"), LINK), ("placed", _("Placed"), {}), ("status", _("Status"), {}),
               ("channel", _("Channel"), {}), ("total", _("Grand total"), {}), ("refunded", _("Refunded"), {})]
    return make_server_grid("customer-orders-grid", columns, row_id="params.data.id", block=HISTORY_BLOCK,
                            height="320px")


def order_history_rows(rows: list[dict], *, time_zone: str) -> list[dict]:
    return [{"id": r["number"], "number": markdown_link(r["number"], f"/orders/{r['number']}"),
             "placed": format_when(r["placed_at"], time_zone), "status": status_label(r["status"]),
             "channel": code_label(r["channel"]), "total": format_money(r["grand_total"], r["currency"]),
             "refunded": format_money(r["refunded"], r["currency"])} for r in rows]


def make_case_history(case_count: int) -> html.P | dag.AgGrid:
    if not case_count:
        return html.P(_("No cases."), id="customer-cases-empty")
    columns = [("number", _("Case"), LINK), ("subject", _("Subject"), {}), ("status", _("Status"), {}),
               ("type", _("Type"), {}), ("order", _("Order"), {}), ("created", _("Created"), {})]
    return make_server_grid("customer-cases-grid", columns, row_id="params.data.id", block=HISTORY_BLOCK,
                            height="320px")


def case_history_rows(rows: list[dict], *, time_zone: str) -> list[dict]:
    return [{"id": r["number"], "number": markdown_link(r["number"], f"/cases/{r['number']}"),
             "subject": r["subject"], "status": status_label(r["status"]),
             "type": label(CASE_TYPE_LABELS, r["type"]), "created": format_when(r["created_at"], time_zone),
             "order": r["order_number"] or ""} for r in rows]


def make_activity_chart(months: list[dict], *, currency: str) -> dcc.Graph:
    """Orders per month (bars) and refunds per month in the customer's currency (line, right axis).

    A plain figure dict: plotly's Figure objects validate and deep-copy every property, which cost
    more than all the page's SQL together.
    """
    x = [m["month"] for m in months]
    figure = {
        "data": [
            {"type": "bar", "x": x, "y": [m["orders"] for m in months], "name": _("Orders")},
            # Plotly draws numbers: the refunds leave Decimal only here, for the chart.
            {"type": "scatter", "mode": "lines+markers", "x": x, "y": [float(m["refunds"]) for m in months],
             "yaxis": "y2", "name": _("Refunds ({currency})").format(currency=currency)},
        ],
        "layout": {"height": 240, "margin": {"l": 40, "r": 40, "t": 10, "b": 30}, "legend": {"orientation": "h"},
                   "yaxis": {"title": {"text": _("Orders")}},
                   "yaxis2": {"overlaying": "y", "side": "right"}},
    }
    return dcc.Graph(id="customer-activity-chart", figure=figure, config=plotly_config(displayModeBar=False))


def make_customer_header(customer) -> html.Div:
    return html.Div([html.H1(customer.name, className="h4 mb-1", id="customer-title"),
                     html.Div([dbc.Badge(tag, color="info", className="me-1") for tag in customer.tags]
                              + [html.Span(format_day(customer.birthday), className="small text-body-secondary")
                                 if customer.birthday else None])], className="mb-3")
