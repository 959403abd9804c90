"""Customer 360: profile (editable), KPIs, order and case history, orders and refunds over time."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, html, no_update

from components.customer import (
    ADDRESS_FIELDS, ADDRESS_TEXT_FIELDS, PROFILE_FIELDS, blank_address, case_history_rows, make_activity_chart,
    make_address_rows, make_case_history, make_customer_header, make_kpis, make_order_history, make_profile_form,
    order_history_rows,
)
from components.feedback import make_not_found
from components.i18n import N_, _, page_title
from components.order_actions import make_toast
from model.actions import ActionError
from model.actions.customer_profile import ProfileError, update_customer
from model.entities import User
from model.queries.customers import (
    GridRequestError, activity_by_month, case_history, customer_key, customer_kpis, load_customer, order_history,
)

from pages._db import read_session, transaction
from pages._guard import current_user_record, require
from pages._inputs import as_dict, as_index, as_list_of_dicts, as_text

dash.register_page(__name__, path_template="/customers/<customer_id>", title=page_title(N_("Customer")))

ERROR_OUTPUTS = [Output(f"customer-error-{field.replace('_', '-')}", "children") for field in PROFILE_FIELDS]
ADDRESS_FIELD = {"type": "customer-address-field", "index": ALL, "field": ALL}
ADDRESS_ERROR = {"type": "customer-address-error", "index": ALL, "field": ALL}
TEXT_INPUTS = ("name", "time_zone", "phones", "tags", "birthday", "memo")  # profile_changes' text arguments
NOT_TEXT = N_("This field takes text only.")
UNREADABLE_ADDRESSES = N_("The address fields could not be read; reload the page.")


def layout(customer_id=None, **_query):
    user = current_user_record()
    if user is None:
        return html.Div()
    with read_session() as s:
        customer = load_customer(s, customer_id)
        if customer is None:
            return make_not_found(id="customer-not-found")
        header, form = make_customer_header(customer), make_profile_form(customer)
        kpis = customer_kpis(s, customer)
        chart = make_activity_chart(activity_by_month(s, customer), currency=customer.currency)
        key = customer.id
    history = dbc.Card([dbc.CardHeader(html.H2(_("Orders"), className="h6 mb-0")),
                        dbc.CardBody(make_order_history(kpis.orders))], className="mb-3", id="customer-orders")
    case_card = dbc.Card([dbc.CardHeader(html.H2(_("Cases"), className="h6 mb-0")),
                          dbc.CardBody(make_case_history(kpis.cases))], className="mb-3", id="customer-cases")
    chart_card = dbc.Card([dbc.CardHeader(html.H2(_("Orders and refunds over time"), className="h6 mb-0")),
                           dbc.CardBody(chart)], className="mb-3")
    return html.Div([
        html.Div(id="customer-toast"), html.Div(str(key), id="customer-id", hidden=True), header,
        make_kpis(kpis, time_zone=user.time_zone),
        dbc.Row([dbc.Col([form], lg=5), dbc.Col([chart_card, history, case_card], lg=7)]),
    ], id="customer-page")


def _history_block(request, customer_id, query, rows_of):
    """One block of a history grid, as AG Grid's infinite row model wants it."""
    user = require("view_queue")
    if not isinstance(request, dict):
        return no_update
    key = customer_key(customer_id)
    try:
        if key is None:
            raise GridRequestError("Choose a customer.")
        with read_session() as s:
            page = query(s, key, start_row=request.get("startRow", 0), end_row=request.get("endRow", 50),
                         sort_model=request.get("sortModel"))
    except GridRequestError:
        return {"rowData": [], "rowCount": 0}
    return {"rowData": rows_of(page.rows, time_zone=user.time_zone), "rowCount": page.total}


@callback(Output("customer-orders-grid", "getRowsResponse"), Input("customer-orders-grid", "getRowsRequest"),
          State("customer-id", "children"), prevent_initial_call=True)
def serve_orders(request, customer_id):
    return _history_block(request, customer_id, order_history, order_history_rows)


@callback(Output("customer-cases-grid", "getRowsResponse"), Input("customer-cases-grid", "getRowsRequest"),
          State("customer-id", "children"), prevent_initial_call=True)
def serve_cases(request, customer_id):
    return _history_block(request, customer_id, case_history, case_history_rows)


def _addresses_in_form(fields: list[dict]) -> list[dict] | None:
    """The address rows as the form holds them, in order: {field: value} per row; None when an
    input is not one of the form's (a forged request: dropping it would delete an address)."""
    items = as_list_of_dicts([] if fields is None else fields)
    if items is None:
        return None
    rows: dict[int, dict] = {}
    for item in items:
        ident = as_dict(item.get("id"))
        if ident is None or as_index(ident.get("index")) is None or ident.get("field") not in ADDRESS_FIELDS:
            return None
        rows.setdefault(ident["index"], dict.fromkeys(ADDRESS_FIELDS))[ident["field"]] = item.get("value")
    return [rows[index] for index in sorted(rows)]


def _filled(address: dict) -> bool:
    return any(str(address.get(field) or "").strip() for field in ADDRESS_TEXT_FIELDS)


@callback(Output("customer-address-rows", "children"), Input("customer-address-add", "n_clicks"),
          Input({"type": "customer-address-remove", "index": ALL}, "n_clicks"),
          State(ADDRESS_FIELD, "value"), prevent_initial_call=True)
def edit_addresses(_add, _removes, _values):
    """Add a blank address or drop one from the form; nothing is saved until "Save profile"."""
    require("edit_customer")
    trigger = ctx.triggered_id
    # New rows bring new Remove buttons with n_clicks 0: that is not a click.
    if trigger is None or not ctx.triggered or not ctx.triggered[0]["value"]:
        return no_update
    addresses = _addresses_in_form(ctx.states_list[0])
    if addresses is None:
        return no_update
    if trigger == "customer-address-add":
        addresses.append(blank_address())
    elif isinstance(trigger, dict) and (index := as_index(trigger.get("index"), len(addresses))) is not None:
        del addresses[index]
    return make_address_rows(addresses)


def profile_changes(name, language, time_zone, emails, newsletters, primary, phones, tags, birthday, memo,
                    addresses) -> dict:
    """The form as update_customer's keywords; a blank email row or address is none.

    Raises ProfileError for an input that holds something other than text (a forged request):
    nothing is guessed from it.
    """
    typed = dict(zip(TEXT_INPUTS, (name, time_zone, phones, tags, birthday, memo)))
    wrong = {field: NOT_TEXT for field, value in typed.items() if value is not None and as_text(value) is None}
    if not isinstance(emails, list) or not isinstance(newsletters, list) \
            or any(email is not None and as_text(email) is None for email in emails):
        wrong["emails"] = NOT_TEXT
    if wrong:
        raise ProfileError(wrong)
    rows = [{"email": (email or "").strip(), "primary": index == primary, "newsletter": bool(newsletter)}
            for index, (email, newsletter) in enumerate(zip(emails, newsletters)) if (email or "").strip()]
    return {"name": name or "", "language": language, "time_zone": (time_zone or "").strip(), "emails": rows,
            "phones": [p.strip() for p in (phones or "").split(",") if p.strip()],
            "tags": [t.strip() for t in (tags or "").split(",") if t.strip()],
            "birthday": birthday or None, "memo": memo, "addresses": addresses}


def _address_errors(items: dict[str, str], sent: list[int], outputs: list[dict]) -> list:
    """Each address input's sentence (or None), in the order of the error outputs."""
    by_input = {}
    for key, text in items.items():
        field_name, position, field = (key.split(".") + ["", ""])[:3]
        if field_name == "addresses" and position.isdigit() and int(position) < len(sent):
            by_input[(sent[int(position)], field)] = _(text)
    return [by_input.get((out["id"]["index"], out["id"]["field"])) for out in outputs]


@callback(Output("customer-toast", "children"), *ERROR_OUTPUTS, Output(ADDRESS_ERROR, "children"),
          Input("customer-save", "n_clicks"),
          State("customer-id", "children"), State("customer-name", "value"), State("customer-language", "value"),
          State("customer-time-zone", "value"), State({"type": "customer-email", "index": ALL}, "value"),
          State({"type": "customer-newsletter", "index": ALL}, "value"), State("customer-primary-email", "value"),
          State("customer-phones", "value"), State("customer-tags", "value"), State("customer-birthday", "value"),
          State("customer-memo", "value"), State(ADDRESS_FIELD, "value"), prevent_initial_call=True)
def save_profile(n_clicks, customer_id, *form):
    """All fields at once through update_customer; errors go under their fields and nothing is saved."""
    user = require("edit_customer")
    address_outputs = ctx.outputs_list[-1]
    if not n_clicks:
        return (no_update,) * (1 + len(PROFILE_FIELDS)) + ([no_update] * len(address_outputs),)
    in_form = _addresses_in_form(ctx.states_list[-1])
    sent = [index for index, address in enumerate(in_form or []) if _filled(address)]
    cleared = [None] * len(PROFILE_FIELDS)
    no_address_errors = [None] * len(address_outputs)
    try:
        if in_form is None:
            raise ProfileError({"addresses": UNREADABLE_ADDRESSES})
        changes = profile_changes(*form[:-1], [in_form[index] for index in sent])
        with transaction() as s:
            update_customer(s, customer_key(customer_id), actor=s.get(User, user.id), **changes)
    except ProfileError as error:
        messages = [_(error.errors[field]) if field in error.errors else None for field in PROFILE_FIELDS]
        per_input = _address_errors(error.items, sent, address_outputs)
        if any(per_input):  # the sentences stand under the inputs; the block says where to look
            messages[PROFILE_FIELDS.index("addresses")] = _("Check the address fields marked in red.")
        return (make_toast(_("Nothing was saved: check the fields marked in red."), kind="danger",
                           id="customer-toast-message"), *messages, per_input)
    except ActionError as error:
        return make_toast(_(str(error)), kind="danger", id="customer-toast-message"), *cleared, no_address_errors
    return make_toast(_("Profile saved."), id="customer-toast-message"), *cleared, no_address_errors
