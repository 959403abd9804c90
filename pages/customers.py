"""Customer search: by name, any email, phone, order number or case number."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, html

from components.customer import make_search_results
from components.i18n import N_, _
from model.queries.customers import search_customers

from pages._db import read_session
from pages._guard import current_user_record, require

dash.register_page(__name__, path="/customers", name=N_("Customers"), title="Customers · Service Desk Ops",
                   order=20, nav=True)


def layout(q=None, **_query):
    if current_user_record() is None:
        return html.Div()
    return html.Div([
        html.H1(_("Customers"), className="h4 mb-3"),
        dbc.InputGroup([
            dbc.Input(id="customers-search", value=q or "", debounce=True, autofocus=True, maxLength=200,
                      placeholder=_("Name, email, phone, order or case number")),
            dbc.Button(_("Search"), id="customers-search-button", n_clicks=0),
        ], className="mb-3"),
        html.Div(results(q) if q else None, id="customers-results"),
    ], id="customers-page")


def results(text: str):
    with read_session() as s:
        return make_search_results(search_customers(s, text))


@callback(Output("customers-results", "children"), Input("customers-search-button", "n_clicks"),
          Input("customers-search", "n_submit"), State("customers-search", "value"), prevent_initial_call=True)
def run_search(_clicks, _submit, text):
    require()
    if not (text or "").strip():
        return html.P(_("Type something to search for."), className="text-body-secondary", id="customers-none")
    return results(text)
