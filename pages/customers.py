"""Customer search: by name, any email, phone, order number or case number, as a server-side grid."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, dcc, html, no_update

from components.customer import make_search_grid, make_search_hint, search_rows
from components.i18n import N_, _, page_title
from model.queries.customers import GridRequestError, search_customers, searchable, typed_text

from pages._db import read_session
from pages._guard import current_user_record, require
from pages._inputs import as_dict, as_text

dash.register_page(__name__, path="/customers", name=N_("Customers"), title=page_title(N_("Customers")),
                   order=20, nav=True)


def layout(q=None, **_query):
    if current_user_record() is None:
        return html.Div()
    text = typed_text(q)
    return html.Div([
        html.H1(_("Customers"), className="h4 mb-3"),
        dbc.InputGroup([
            dbc.Input(id="customers-search", value=text, debounce=True, autofocus=True, maxLength=200,
                      placeholder=_("Name, email, phone, order or case number")),
            dbc.Button(_("Search"), id="customers-search-button", n_clicks=0),
        ], className="mb-3"),
        dcc.Store(id="customers-query", data=text),
        html.Div(None if text else make_search_hint(text), id="customers-empty-slot"),
        html.Div(make_search_grid(), id="customers-grid-box"),
    ], id="customers-page")


@callback(Output("customers-query", "data"), Input("customers-search-button", "n_clicks"),
          Input("customers-search", "n_submit"), State("customers-search", "value"), prevent_initial_call=True)
def run_search(_clicks, _submit, text):
    require("view_queue")
    if text is not None and as_text(text) is None:
        return no_update  # not what a text box holds
    return typed_text(text)


# The address keeps the search (replaceState: no reload), then the grid asks for its first block again.
clientside_callback(
    """function (query) {
        const search = query ? "?" + new URLSearchParams({q: query}).toString() : "";
        if (window.location.search !== search) {
            window.history.replaceState(null, "", window.location.pathname + search);
        }
        const api = dash_ag_grid.getApi("customers-grid");
        if (api) { api.refreshInfiniteCache(); }
        return window.dash_clientside.no_update;
    }""",
    Output("customers-grid", "id"), Input("customers-query", "data"), prevent_initial_call=True,
)


@callback(Output("customers-grid", "getRowsResponse"), Output("customers-empty-slot", "children"),
          Input("customers-grid", "getRowsRequest"),
          State("customers-query", "data"), prevent_initial_call=True)
def serve_rows(request, text):
    """One block of matching customers, sorted as the grid asks; a hint instead when nothing matches."""
    require("view_queue")
    request, text = as_dict(request), as_text(text) or ""  # a query that is not text searches for nothing
    if not request:
        return no_update, no_update
    try:
        with read_session() as s:
            page = search_customers(s, text, start_row=request.get("startRow", 0),
                                    end_row=request.get("endRow", 100), sort_model=request.get("sortModel"))
    except GridRequestError:
        page = None
    if page is None or (not page.rows and request.get("startRow", 0) == 0):
        return {"rowData": [], "rowCount": 0}, make_search_hint(text, searchable=searchable(typed_text(text)))
    return {"rowData": search_rows(page.rows), "rowCount": page.total}, None
