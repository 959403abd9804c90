"""Analytics: refunds, returns and cancellations from the rollups; queue health; oversight.

Leads, managers (and admins) only: the layout shows "not allowed" to others
and every callback calls `require(*ROLES)`. A click on a bar or point opens
the records behind it; CSV via dcc.Download (small) or the streaming route
in pages/_analytics_export.py (everything).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import analytics_charts as charts
from components.analytics import make_chart_card, make_controls, make_drilldown, make_kpi_cards, preset_range
from components.feedback import make_empty_state, make_forbidden
from components.formatting import format_money, format_number
from components.i18n import N_, _
from model.money import MINOR_UNITS, round_money
from model.policy import current_policy
from model.queries import analytics as queries

from pages._analytics_export import ROLES, export_href
from pages._db import read_session
from pages._guard import current_user_record, has_role, require

dash.register_page(__name__, path="/analytics", name=N_("Analytics"), title="Analytics · Service Desk Ops",
                   order=50, nav=True, roles=ROLES)

CONTROL_IDS = ("analytics-granularity", "analytics-currency", "analytics-channel", "analytics-category",
               "analytics-reason")
ORDER_CHARTS = {
    "refunds": lambda s, f: queries.refund_series(s, f),
    "units": lambda s, f: queries.returns_cancellations_series(s, f),
    "category-rate": lambda s, f: queries.return_rate_by_category(s, f),
    "channel-rate": lambda s, f: queries.cancellation_rate_by_channel(s, f),
    "by-reason": lambda s, f: queries.refunds_by(s, f, "reason"),
    "by-channel": lambda s, f: queries.refunds_by(s, f, "channel"),
    "agents": lambda s, f: queries.refunds_per_agent(s, f),
}
CASE_CHARTS = {
    "queue": lambda s, f: queries.queue_health(s, f.start, f.end, f.granularity).flow,
    "open-agents": lambda s, f: queries.queue_health(s, f.start, f.end, f.granularity).open_per_agent,
}


def _today():
    return datetime.now(timezone.utc).date()


def layout(**_query):
    user = current_user_record()
    if not has_role(user, *ROLES):
        return make_forbidden(id="analytics-forbidden")
    with read_session() as s:
        choices = queries.filter_choices(s)
    currency = {"ja": "JPY", "es": "EUR"}.get(user.language, "USD")
    return html.Div([
        html.H1(_("Analytics"), className="h4 mb-3", id="analytics-title"),
        make_controls(choices, today=_today(), currency=currency),
        html.Div(id="analytics-kpis"),
        dcc.Loading(html.Div(id="analytics-charts"), delay_show=300),
        html.Div(id="analytics-drilldown", className="mb-4"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Approval threshold: what if"), className="h6"),
            dbc.InputGroup([dbc.InputGroupText(_("Candidate threshold")),
                            dbc.Input(id="analytics-threshold", type="number", min=0, debounce=True)],
                           className="mb-2", style={"maxWidth": "28rem"}),
            html.Div(id="analytics-what-if", className="small"),
        ]), className="mb-4"),
        dcc.Store(id="analytics-filters"), dcc.Store(id="analytics-drill"),
        dcc.Download(id="analytics-download"), dcc.Download(id="analytics-drill-download"),
    ], id="analytics-page")


@callback(Output("analytics-dates", "start_date"), Output("analytics-dates", "end_date"),
          Input("analytics-preset", "value"), prevent_initial_call=True)
def apply_preset(preset):
    require(*ROLES)
    if preset == "custom":
        return no_update, no_update
    start, end = preset_range(preset, _today())
    return start.isoformat(), end.isoformat()


def _filters(values: dict | None) -> queries.Filters:
    return queries.parse_filters(values or {})


@callback(Output("analytics-kpis", "children"), Output("analytics-charts", "children"),
          Output("analytics-filters", "data"), Output("analytics-drilldown", "children"),
          Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
          *[Input(i, "value") for i in CONTROL_IDS])
def refresh(start, end, granularity, currency, channel, category, reason):
    require(*ROLES)
    values = {"start": start, "end": end, "granularity": granularity, "currency": currency, "channel": channel,
              "category": category, "reason": reason}
    try:
        f = _filters(values)
    except ValueError as error:
        return make_empty_state(_(str(error)), id="analytics-invalid"), None, None, None
    with read_session() as s:
        frames = {name: query(s, f) for name, query in ORDER_CHARTS.items()}
        previous = queries.previous_refund_series(s, f)
        kpis = queries.kpis(s, f)
        health = queries.queue_health(s, f.start, f.end, f.granularity)
    cur, gran = f.currency, _(f.granularity)
    cases = [make_chart_card("queue", charts.queue_figure(health.flow, gran)),
             make_chart_card("open-agents", charts.open_per_agent_figure(health.open_per_agent)),
             dbc.Col(html.P(_("Median first response: {first} h · median resolution: {resolution} h").format(
                 first=_hours(health.first_response_median_hours),
                 resolution=_hours(health.resolution_median_hours)), id="analytics-medians"), lg=12)]
    if all(frame.empty for frame in frames.values()):
        order_charts = [dbc.Col(make_empty_state(_("Nothing matches these filters"), id="analytics-empty",
                                                 hint=_("Widen the date range or clear a filter.")), lg=12,
                                className="mb-3")]
    else:
        order_charts = [
            make_chart_card("refunds", charts.refund_figure(frames["refunds"], previous, cur, gran)),
            make_chart_card("units", charts.units_figure(frames["units"], gran)),
            make_chart_card("category-rate", charts.rate_figure(
                frames["category-rate"], "category", _("Return rate by category"), "returned_units",
                "fulfilled_units", "returns")),
            make_chart_card("channel-rate", charts.rate_figure(
                frames["channel-rate"], "channel", _("Cancellation rate by channel"), "canceled_units",
                "ordered_units", "cancellations")),
            make_chart_card("by-reason", charts.refunds_by_figure(frames["by-reason"], "reason", cur)),
            make_chart_card("by-channel", charts.refunds_by_figure(frames["by-channel"], "channel", cur)),
            make_chart_card("agents", charts.agents_figure(frames["agents"], cur)),
        ]
    return make_kpi_cards(kpis, cur), dbc.Row(order_charts + cases), values, None


def _hours(value) -> str:
    return "—" if value is None else format_number(round(value, 1))


@callback(Output("analytics-drilldown", "children", allow_duplicate=True), Output("analytics-drill", "data"),
          Input({"type": "analytics-graph", "chart": ALL}, "clickData"), State("analytics-filters", "data"),
          prevent_initial_call=True)
def drill(_clicks, values):
    require(*ROLES)
    trigger = ctx.triggered[0]["value"] if ctx.triggered else None
    points = (trigger or {}).get("points") or []
    if not points or not points[0].get("customdata") or not points[0]["customdata"][0]:
        return no_update, no_update
    chart, kind, period, dimension = points[0]["customdata"]
    f = _filters(values)
    if period:
        day = datetime.fromisoformat(period).date()
        f = f.narrowed(day, queries.bucket_end(day, f.granularity))
    if dimension:
        f = replace(f, **dimension)
    with read_session() as s:
        frame = queries.drilldown(s, f, chart, kind=kind)
    if frame.empty:
        return make_empty_state(_("No records behind this point"), id="analytics-drill-empty"), None
    if chart == "refunds":
        total = _("{count} credit memos, total {money}").format(
            count=len(frame), money=format_money(sum(frame["refunded"], Decimal(0)), f.currency))
    else:
        total = _("{count} lines, {units} units").format(count=len(frame), units=format_number(frame["units"].sum()))
    stored = {"filters": {**values, "start": f.start.isoformat(), "end": f.end.isoformat(),
                          **{k: v for k, v in (dimension or {}).items()}}, "chart": chart, "kind": kind}
    grid = make_drilldown(frame, chart, f.currency, total, truncated=len(frame) >= queries.MAX_DRILLDOWN_ROWS,
                          export_href=export_href(f, chart, kind))
    return html.Div([html.H2(_("Records behind the point"), className="h6"), grid]), stored


@callback(Output("analytics-drill-download", "data"), Input("analytics-drill-csv", "n_clicks"),
          State("analytics-drill", "data"), prevent_initial_call=True)
def download_drilldown(n_clicks, stored):
    require(*ROLES)
    if not n_clicks or not stored:
        return no_update
    f = _filters(stored["filters"])
    with read_session() as s:
        frame = queries.drilldown(s, f, stored["chart"], kind=stored["kind"])
    return dcc.send_data_frame(frame.drop(columns="created_at").to_csv, f"{stored['chart']}-{f.currency}.csv",
                               index=False)


@callback(Output("analytics-download", "data"), Input({"type": "analytics-csv", "chart": ALL}, "n_clicks"),
          State("analytics-filters", "data"), prevent_initial_call=True)
def download_chart(clicks, values):
    require(*ROLES)
    chart = ctx.triggered_id["chart"] if ctx.triggered_id and any(clicks) else None
    if chart not in ORDER_CHARTS and chart not in CASE_CHARTS:
        return no_update
    f = _filters(values)
    with read_session() as s:
        frame = {**ORDER_CHARTS, **CASE_CHARTS}[chart](s, f)
    return dcc.send_data_frame(frame.to_csv, f"{chart}-{f.currency}-{f.start}-{f.end}.csv", index=False)


@callback(Output("analytics-what-if", "children"), Input("analytics-threshold", "value"),
          Input("analytics-currency", "value"))
def what_if(threshold, currency):
    require(*ROLES)
    currency = currency if currency in MINOR_UNITS else "USD"
    try:
        candidate = round_money(Decimal(str(threshold)), currency) if threshold not in (None, "") else None
    except (InvalidOperation, ValueError):
        candidate = None
    candidate = candidate if candidate is not None and candidate >= 0 else current_policy().threshold(currency)
    with read_session() as s:
        result = queries.threshold_what_if(s, currency, candidate)
    return _("At {candidate} (now {current}), {above} of the {refunds} refunds of the past 90 days would have "
             "waited for approval; together {total}.").format(
        candidate=format_money(candidate, currency), current=format_money(result.current_threshold, currency),
        above=format_number(result.above), refunds=format_number(result.refunds),
        total=format_money(result.above_total, currency))
