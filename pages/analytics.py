"""Analytics: refunds, returns and cancellations from the rollups; queue health; oversight.

Leads, managers (and admins) only: the layout shows "not allowed" to others
and every callback calls `require("analytics")`. The controls set one store;
the KPI cards come with it (`refresh`), and each chart answers in its own
callback (`draw_chart`, one request per chart, in parallel). A click on a bar or
point opens the records behind it; CSV via dcc.Download (small) or the
streaming route in pages/_analytics_export.py (everything).
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, Input, Output, State, callback, ctx, dcc, html, no_update

from components import analytics_charts as charts
from components.analytics import make_chart_card, make_controls, make_drilldown, preset_range
from components.feedback import make_empty_state, make_forbidden
from components.formatting import format_money, format_number
from components.i18n import N_, _, page_title
from model.money import MINOR_UNITS, round_money
from model.policy import current_policy
from model.queries import analytics as queries

from pages._analytics_charts import (
    CASE_CHARTS, CHARTS, ORDER_CHARTS, chart_figure, chart_frame, missing_rate_text, render_summary,
)
from pages._analytics_export import ROLES, export_href
from pages._cache import cached_read, cached_render
from pages._db import read_session
from pages._guard import current_user_record, has_role, require
from pages._inputs import as_text

dash.register_page(__name__, path="/analytics", name=N_("Analytics"), title=page_title(N_("Analytics")),
                   order=50, nav=True, roles=ROLES)

CASE_TTL = 15  # seconds a cached chart may be older than the cases behind queue health
CONTROL_IDS = ("analytics-granularity", "analytics-currency", "analytics-channel", "analytics-category",
               "analytics-reason", "analytics-convert")
WIDE = ("product-rate", "agents")


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
        html.Div(id="analytics-rates"),
        dbc.Row([make_chart_card(name, width=12 if name in WIDE else 6) for name in ORDER_CHARTS + CASE_CHARTS]
                + [dbc.Col(html.P(id="analytics-medians"), lg=12)], id="analytics-charts"),
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
    require("analytics")
    if preset == "custom" or (preset is not None and as_text(preset) is None):
        return no_update, no_update  # "custom" keeps the dates; a value that is no preset changes nothing
    start, end = preset_range(preset, _today())
    return start.isoformat(), end.isoformat()


def _filters(values: dict | None) -> queries.Filters:
    return queries.parse_filters(values or {})


@callback(Output("analytics-kpis", "children"), Output("analytics-filters", "data"),
          Output("analytics-drilldown", "children"), Output("analytics-rates", "children"),
          Output("analytics-medians", "children"),
          Input("analytics-dates", "start_date"), Input("analytics-dates", "end_date"),
          *[Input(i, "value") for i in CONTROL_IDS])
def refresh(start, end, granularity, currency, channel, category, reason, convert=False):
    """The controls → the filters every chart reads, the KPI cards, the rates used, the medians."""
    require("analytics")
    values = {"start": start, "end": end, "granularity": granularity, "currency": currency, "channel": channel,
              "category": category, "reason": reason, "convert": bool(convert) if convert in (True, False) else None}
    # The same for everyone with this role and language: shared in Redis until an order action
    # (pages/_cache.py); the medians of queue health may lag by CASE_TTL seconds.
    return cached_render("analytics.refresh", values, topics=("orders",), ttl=CASE_TTL,
                         compute=lambda: _render(values))


def _render(values: dict):
    try:
        f = _filters(values)
    except ValueError as error:
        return make_empty_state(_(str(error)), id="analytics-invalid"), None, None, None, None
    with read_session() as s:
        cards, rates, medians = render_summary(s, f)
    return cards, values, None, rates, medians


@callback(Output({"type": "analytics-graph", "chart": MATCH}, "figure"), Input("analytics-filters", "data"),
          State({"type": "analytics-graph", "chart": MATCH}, "id"))
def draw_chart(values, graph_id):
    """One chart: its own request, so the charts load side by side."""
    require("analytics")
    name = (graph_id or {}).get("chart") if isinstance(graph_id, dict) else None
    if name not in CHARTS:
        return no_update
    if not values:
        return charts.empty_figure(_("Choose a start and an end date."))
    try:
        f = _filters(values)
    except ValueError as error:
        return charts.empty_figure(_(str(error)))
    cases = name in CASE_CHARTS
    return cached_render("analytics.chart", name, values, topics=() if cases else ("orders",),
                         ttl=CASE_TTL if cases else 60, compute=lambda: _chart(name, f))


def _chart(name: str, f: queries.Filters):
    with read_session() as s:
        return chart_figure(s, name, f)


@callback(Output("analytics-drilldown", "children", allow_duplicate=True), Output("analytics-drill", "data"),
          Input({"type": "analytics-graph", "chart": ALL}, "clickData"), State("analytics-filters", "data"),
          prevent_initial_call=True)
def drill(_clicks, values):
    require("analytics")
    trigger = ctx.triggered[0]["value"] if ctx.triggered else None
    points = (trigger or {}).get("points") or [] if isinstance(trigger, dict) else []
    custom = points[0].get("customdata") if points and isinstance(points[0], dict) else None
    if not isinstance(custom, list) or len(custom) != 4 or custom[0] not in queries.DRILLDOWN_CHARTS:
        return no_update, no_update
    chart, kind, period, dimension = custom
    try:
        f = _filters(values)
        if period:
            day = datetime.fromisoformat(str(period)).date()
            f = f.narrowed(day, queries.bucket_end(day, f.granularity))
        if dimension:
            f = _narrow(f, dimension)
        if kind is not None and kind not in queries.CHANGE_KINDS:
            raise ValueError(kind)
    except (ValueError, TypeError):
        return no_update, no_update
    with read_session() as s:
        try:
            frame = queries.drilldown(s, f, chart, kind=kind)
        except queries.MissingRate as error:
            return make_empty_state(missing_rate_text(error), id="analytics-drill-empty"), None
    if frame.empty:
        return make_empty_state(_("No records behind this point"), id="analytics-drill-empty"), None
    money = format_money(queries.drilldown_total(frame, chart), f.currency)
    if chart == "refunds" and not queries.per_line(f, chart):
        total = _("{count} credit memos, total {money}").format(count=len(frame), money=money)
    elif chart == "refunds":
        total = _("{count} change-order lines, total {money}").format(count=len(frame), money=money)
    else:
        total = _("{count} lines, {units} units").format(count=len(frame), units=format_number(frame["units"].sum()))
    stored = {"filters": {**values, "start": f.start.isoformat(), "end": f.end.isoformat(),
                          "channel": f.channel, "category": f.category, "reason": f.reason, "product": f.product},
              "chart": chart, "kind": kind}
    grid = make_drilldown(frame, chart, f.currency, total, truncated=len(frame) >= queries.MAX_DRILLDOWN_ROWS,
                          export_href=export_href(f, chart, kind))
    return html.Div([html.H2(_("Records behind the point"), className="h6"), grid]), stored


def _narrow(f: queries.Filters, dimension) -> queries.Filters:
    """The clicked bar's channel, category, reason or product (from the browser: checked like any input)."""
    if not isinstance(dimension, dict) or len(dimension) != 1:
        raise ValueError("Unknown bar.")
    (key, value), = dimension.items()
    if key == "product_id":
        key = "product"
    if key not in ("channel", "category", "reason", "product"):
        raise ValueError("Unknown bar.")
    narrowed = dict(start=f.start.isoformat(), end=f.end.isoformat(), currency=f.currency, channel=f.channel,
                    category=f.category, reason=f.reason, granularity=f.granularity, convert=f.convert,
                    product=f.product)
    narrowed[key] = value
    return queries.parse_filters(narrowed)


@callback(Output("analytics-drill-download", "data"), Input("analytics-drill-csv", "n_clicks"),
          State("analytics-drill", "data"), prevent_initial_call=True)
def download_drilldown(n_clicks, stored):
    require("analytics")
    if not n_clicks or not isinstance(stored, dict):
        return no_update
    try:
        f = _filters(stored.get("filters"))
        chart, kind = stored.get("chart"), stored.get("kind")
        if chart not in queries.DRILLDOWN_CHARTS or (kind is not None and kind not in queries.CHANGE_KINDS):
            return no_update
        with read_session() as s:
            frame = queries.drilldown(s, f, chart, kind=kind)
    except (ValueError, TypeError, AttributeError):
        return no_update
    return dcc.send_data_frame(frame.drop(columns="created_at").to_csv, f"{chart}-{f.currency}.csv", index=False)


@callback(Output("analytics-download", "data"), Input({"type": "analytics-csv", "chart": ALL}, "n_clicks"),
          State("analytics-filters", "data"), prevent_initial_call=True)
def download_chart(clicks, values):
    require("analytics")
    chart = ctx.triggered_id["chart"] if isinstance(ctx.triggered_id, dict) and any(clicks or []) else None
    if chart not in CHARTS:
        return no_update
    try:
        f = _filters(values)
        with read_session() as s:
            frame = chart_frame(s, chart, f)
    except ValueError:  # bad filters, or a rate missing for a converted view
        return no_update
    suffix = f"{f.currency}-converted" if f.convert else f.currency
    return dcc.send_data_frame(frame.to_csv, f"{chart}-{suffix}-{f.start}-{f.end}.csv", index=False)


@callback(Output("analytics-what-if", "children"), Input("analytics-threshold", "value"),
          Input("analytics-currency", "value"))
def what_if(threshold, currency):
    require("analytics")
    currency = currency if as_text(currency) in MINOR_UNITS else "USD"
    try:
        candidate = round_money(Decimal(str(threshold)), currency) if threshold not in (None, "") else None
    except (InvalidOperation, ValueError):
        candidate = None
    if candidate is not None and (not candidate.is_finite() or candidate >= Decimal("1e10")):
        candidate = None
    candidate = candidate if candidate is not None and candidate >= 0 else current_policy().threshold(currency)
    result = cached_read("analytics.what-if", currency, candidate, _today(), topics=("orders",),
                         read=lambda s: queries.threshold_what_if(s, currency, candidate))
    return _("At {candidate} (now {current}), {above} of the {refunds} refunds of the past 90 days would have "
             "waited for approval; together {total}.").format(
        candidate=format_money(candidate, currency), current=format_money(result.current_threshold, currency),
        above=format_number(result.above), refunds=format_number(result.refunds),
        total=format_money(result.above_total, currency))
