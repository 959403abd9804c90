"""Customer 360: profile (editable), KPIs, order and case history, orders and refunds over time."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, html, no_update

from components.customer import (
    PROFILE_FIELDS, make_activity_chart, make_case_history, make_customer_header, make_kpis,
    make_order_history, make_profile_form,
)
from components.feedback import make_not_found
from components.i18n import _
from components.order_actions import make_toast
from model.actions import ActionError
from model.actions.customer_profile import ProfileError, update_customer
from model.entities import User
from model.queries.customers import activity_by_month, case_history, customer_kpis, load_customer, order_history

from pages._db import read_session, transaction
from pages._guard import current_user_record, require

dash.register_page(__name__, path_template="/customers/<customer_id>", title="Customer · Service Desk Ops")

EDITING_ROLES = ("agent", "lead", "manager")
ERROR_OUTPUTS = [Output(f"customer-error-{field.replace('_', '-')}", "children") for field in PROFILE_FIELDS]


def layout(customer_id=None, **_query):
    user = current_user_record()
    if user is None:
        return html.Div()
    with read_session() as s:
        customer = load_customer(s, customer_id)
        if customer is None:
            return make_not_found(id="customer-not-found")
        header, form = make_customer_header(customer), make_profile_form(customer)
        kpis = make_kpis(customer_kpis(s, customer), time_zone=user.time_zone)
        orders = make_order_history(order_history(s, customer.id), time_zone=user.time_zone)
        cases = make_case_history(case_history(s, customer.id), time_zone=user.time_zone)
        chart = make_activity_chart(activity_by_month(s, customer), currency=customer.currency)
        key = customer.id
    history = dbc.Card([dbc.CardHeader(html.H2(_("Orders"), className="h6 mb-0")), dbc.CardBody(orders)],
                       className="mb-3", id="customer-orders")
    case_card = dbc.Card([dbc.CardHeader(html.H2(_("Cases"), className="h6 mb-0")), dbc.CardBody(cases)],
                         className="mb-3", id="customer-cases")
    chart_card = dbc.Card([dbc.CardHeader(html.H2(_("Orders and refunds over time"), className="h6 mb-0")),
                           dbc.CardBody(chart)], className="mb-3")
    return html.Div([
        html.Div(id="customer-toast"), html.Div(str(key), id="customer-id", hidden=True), header, kpis,
        dbc.Row([dbc.Col([form], lg=5), dbc.Col([chart_card, history, case_card], lg=7)]),
    ], id="customer-page")


def profile_changes(name, language, time_zone, emails, newsletters, primary, phones, tags, birthday, memo) -> dict:
    """The form as update_customer's keywords; a blank email row is no email."""
    rows = [{"email": (email or "").strip(), "primary": index == primary, "newsletter": bool(newsletter)}
            for index, (email, newsletter) in enumerate(zip(emails, newsletters)) if (email or "").strip()]
    return {"name": name or "", "language": language, "time_zone": (time_zone or "").strip(), "emails": rows,
            "phones": [p.strip() for p in (phones or "").split(",") if p.strip()],
            "tags": [t.strip() for t in (tags or "").split(",") if t.strip()],
            "birthday": birthday or None, "memo": memo}


@callback(Output("customer-toast", "children"), *ERROR_OUTPUTS, Input("customer-save", "n_clicks"),
          State("customer-id", "children"), State("customer-name", "value"), State("customer-language", "value"),
          State("customer-time-zone", "value"), State({"type": "customer-email", "index": ALL}, "value"),
          State({"type": "customer-newsletter", "index": ALL}, "value"), State("customer-primary-email", "value"),
          State("customer-phones", "value"), State("customer-tags", "value"), State("customer-birthday", "value"),
          State("customer-memo", "value"), prevent_initial_call=True)
def save_profile(n_clicks, customer_id, *form):
    """All fields at once through update_customer; errors go under their fields and nothing is saved."""
    user = require(*EDITING_ROLES)
    if not n_clicks:
        return (no_update,) * (1 + len(PROFILE_FIELDS))
    cleared = [None] * len(PROFILE_FIELDS)
    try:
        with transaction() as s:
            update_customer(s, int(customer_id), actor=s.get(User, user.id), **profile_changes(*form))
    except ProfileError as error:
        messages = [_(error.errors[field]) if field in error.errors else None for field in PROFILE_FIELDS]
        return make_toast(_("Nothing was saved: check the fields marked in red."), kind="danger",
                          id="customer-toast-message"), *messages
    except ActionError as error:
        return make_toast(_(str(error)), kind="danger", id="customer-toast-message"), *cleared
    return make_toast(_("Profile saved."), id="customer-toast-message"), *cleared
