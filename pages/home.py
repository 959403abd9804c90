"""Queue (`/`): the server-side case grid, its filter bar, saved views and lead KPIs.

The URL's query string is the filter (QueueFilter.to_query), so a view can be
shared by its address; Take, bulk actions and the new-case form are in
pages/home_actions.py.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from components.feedback import make_empty_state, make_toast
from components.i18n import N_, _, page_title
from components.queue import grid_row, make_queue_grid
from components.queue_filters import FILTER_FIELDS, filter_values, make_filter_bar, make_views_menu, view_options
from components.queue_panels import make_new_case_modal, make_toolbar
from model.actions import ActionError
from model.queries import cases as case_queries
from model.queries import views as saved_views
from model.queries.queue import QueueFilter, QueueQueryError, queue_page

from pages._db import read_session, transaction
from pages._guard import current_user_record, has_role, require
from pages._inputs import as_dict, as_text, as_text_list

dash.register_page(__name__, path="/", name=N_("Queue"), title=page_title(N_("Queue")), order=0, nav=True)

LEAD_ROLES = ("lead", "manager", "admin")
KPI_REFRESH_MS = 30_000
FILTER_INPUTS = [Input(control, "value") for control in FILTER_FIELDS]
FILTER_OUTPUTS = [Output(control, "value", allow_duplicate=True) for control in FILTER_FIELDS]


def layout(**query):
    user = current_user_record()
    if user is None:  # the server refuses Dash requests without a session; belt and braces
        return html.Div()
    error = None
    try:
        flt = QueueFilter.from_query({k: v for k, v in query.items() if v is not None})
    except QueueQueryError as refused:
        flt, error = QueueFilter(), _("This address has a filter the queue does not accept: {why} "
                                      "Showing the default queue instead.").format(why=_(str(refused)))
    with read_session() as s:
        people = case_queries.assignable_users(s)
        views = saved_views.list_views(s, user.id)
    lead = has_role(user, *LEAD_ROLES)
    header = [dbc.Card(dbc.CardBody(html.Div(id="home-kpis")), className="mb-3"),
              dcc.Interval(id="home-kpi-interval", interval=KPI_REFRESH_MS)] if lead else []
    return html.Div([
        html.Div([html.H1(_("Case queue"), className="h4 mb-0", id="home-title"),
                  make_views_menu(views, selected=None)],
                 className="d-flex justify-content-between align-items-center flex-wrap gap-2 mb-3"),
        *header,
        dbc.Alert(error, color="warning", id="home-url-error") if error else None,
        make_filter_bar(flt, people=people),
        make_toolbar(can_assign=lead, people=people),
        html.Div(id="home-empty-slot"),
        make_queue_grid(id="home-grid", language=user.language, time_zone=user.time_zone),
        dcc.Store(id="home-filter", data=flt.to_query()),
        dcc.Store(id="home-refresh", data=0),
        dcc.Store(id="home-selected", data=[]),
        make_new_case_modal(),
        html.Div(id="home-toast"),
    ], id="home-page")


@callback(Output("home-filter", "data"), Output("home-filter-error", "children"),
          *FILTER_INPUTS, State("home-filter", "data"), prevent_initial_call=True)
def apply_filter_bar(statuses, types, priorities, channels, assignee, tags, sla, start, end, search, current):
    require("view_queue")
    choices = [as_text_list([] if v is None else v) for v in (statuses, types, priorities, channels)]
    words = [as_text("" if v is None else v) for v in (assignee, tags, sla, start, end, search)]
    if None in choices or None in words:
        return no_update, no_update  # not what the bar's dropdowns and inputs hold: keep the filter
    (statuses, types, priorities, channels), (assignee, tags, sla, start, end, search) = choices, words
    try:
        flt = QueueFilter.build(statuses=statuses, types=types, priorities=priorities, channels=channels,
                                assignee=assignee, tags=tags.split(","), sla=sla or None,
                                created_from=start, created_to=end, search=search)
    except QueueQueryError as refused:
        return no_update, dbc.Alert(_(str(refused)), color="warning", className="py-2 mb-2")
    query = flt.to_query()
    return (query if query != current else no_update), None  # same filter: keep the grid and selection


# The address follows the filter (replaceState: no page reload), then the grid asks again.
clientside_callback(
    """function (query) {
        const search = query ? "?" + query : "";
        if (window.location.search !== search) {
            window.history.replaceState(null, "", window.location.pathname + search);
        }
        const api = dash_ag_grid.getApi("home-grid");
        if (api) { api.deselectAll(); api.refreshInfiniteCache(); }
        return window.dash_clientside.no_update;
    }""",
    Output("home-grid", "id"), Input("home-filter", "data"), Input("home-refresh", "data"),
    prevent_initial_call=True,
)


@callback(Output("home-grid", "getRowsResponse"), Output("home-empty-slot", "children"),
          Input("home-grid", "getRowsRequest"), State("home-filter", "data"), prevent_initial_call=True)
def serve_rows(request, query):
    user = require("view_queue")
    request, query = as_dict(request), as_text(query) or ""  # a filter that is not text: the default queue
    if not request:
        return no_update, no_update
    try:
        flt = QueueFilter.from_query(query)
        with read_session() as s:
            page = queue_page(s, flt, user_id=user.id, start_row=request.get("startRow", 0),
                              end_row=request.get("endRow", 100), sort_model=request.get("sortModel"),
                              filter_model=request.get("filterModel"))
    except QueueQueryError as refused:
        return {"rowData": [], "rowCount": 0}, dbc.Alert(_(str(refused)), color="warning", id="home-grid-error")
    empty = None
    if page.total == 0:
        empty = make_empty_state(_("No open cases") if query == "" else _("No cases match these filters"),
                                 id="home-empty", hint=_("New cases show up here as soon as they arrive."))
    response = {"rowData": [grid_row(r) for r in page.rows]}
    if page.total is not None:  # else more than the count cap: the grid scrolls on until a short page
        response["rowCount"] = page.total
    return response, empty


@callback(*FILTER_OUTPUTS, Input("home-view", "value"), prevent_initial_call=True)
def open_view(key):
    user = require("view_queue")
    if not key:
        return [no_update] * len(FILTER_FIELDS)
    with read_session() as s:
        view = saved_views.find_view(s, user.id, key)
    if view is None:
        return [no_update] * len(FILTER_FIELDS)
    return filter_values(QueueFilter.from_query(view.query))


@callback(Output("home-view", "options"), Output("home-view", "value"),
          Output("home-toast", "children", allow_duplicate=True),
          Input("home-view-save", "n_clicks"), Input("home-view-delete", "n_clicks"),
          State("home-view-name", "value"), State("home-view", "value"), State("home-filter", "data"),
          prevent_initial_call=True)
def save_or_delete_view(_save, _delete, name, key, query):
    user = require("view_queue")
    try:
        with transaction() as s:
            if ctx.triggered_id == "home-view-save":
                view = saved_views.save_view(s, user.id, as_text(name), query)
                message, selected = _("View “{name}” saved.").format(name=view.name), view.key
            else:
                saved_views.delete_view(s, user.id, key or "")
                message, selected = _("View deleted."), None
            options = view_options(saved_views.list_views(s, user.id))
    except ActionError as refused:
        return no_update, no_update, make_toast(_(str(refused)), kind="danger")
    return options, selected, make_toast(message)
