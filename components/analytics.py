"""Analytics page parts: controls, KPI cards, chart cards, drilldown grid (no database)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from babel.numbers import format_decimal
from dash import dcc, html

from .analytics_charts import label, percent, percent_text
from .formatting import babel_locale, format_money, format_number
from .i18n import N_, _, plotly_config

PRESETS = {"7d": (N_("7 days"), 7), "30d": (N_("30 days"), 30), "quarter": (N_("Quarter"), 91),
           "12m": (N_("12 months"), 365), "custom": (N_("Custom"), None)}
GRANULARITY_LABELS = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
KPI_TITLES = {"refund_total": N_("Refund total"), "return_rate": N_("Return rate"),
              "cancellations": N_("Cancellations"), "average_refund": N_("Average refund")}


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The last N days up to and including today."""
    days = PRESETS.get(preset, PRESETS["30d"])[1] or 30
    return today - timedelta(days=days - 1), today


def _options(values, *, any_label: str | None = None) -> list[dict]:
    options = [{"label": any_label, "value": ""}] if any_label else []
    return options + [{"label": label(v), "value": v} for v in values]


def _field(text: str, control, width: int = 2) -> dbc.Col:
    return dbc.Col([dbc.Label(text, html_for=control.id, className="small mb-1"), control], md=width)


def make_controls(choices: dict[str, list[str]], *, today: date, currency: str) -> dbc.Row:
    start, end = preset_range("30d", today)
    return dbc.Row([
        _field(_("Range"), dcc.Dropdown(id="analytics-preset", value="30d", clearable=False,
                                        options=[{"label": _(t), "value": k} for k, (t, _d) in PRESETS.items()])),
        _field(_("From – to (UTC)"), dcc.DatePickerRange(id="analytics-dates", start_date=start, end_date=end,
                                                         max_date_allowed=today, display_format="YYYY-MM-DD"), 3),
        _field(_("Granularity"), dcc.Dropdown(id="analytics-granularity", value="day", clearable=False, options=[
            {"label": _(t), "value": k} for k, t in GRANULARITY_LABELS.items()]), 1),
        _field(_("Currency"), dcc.Dropdown(id="analytics-currency", value=currency, clearable=False,
                                           options=[{"label": c, "value": c} for c in choices["currency"]]), 1),
        dbc.Col(dbc.Checkbox(id="analytics-convert", value=False,
                             label=_("Convert every currency into this one (exchange rates below)")), md=2),
        _field(_("Channel"), dcc.Dropdown(id="analytics-channel", value="", clearable=False,
                                          options=_options(choices["channel"], any_label=_("All channels")))),
        _field(_("Category"), dcc.Dropdown(id="analytics-category", value="", clearable=False,
                                           options=_options(choices["category"], any_label=_("All categories")))),
        _field(_("Reason"), dcc.Dropdown(id="analytics-reason", value="", clearable=False,
                                         options=_options(choices["reason"], any_label=_("All reasons"))), 1),
    ], className="g-2 mb-3 align-items-end", id="analytics-controls")


def _kpi_text(value, unit: str, currency: str) -> str:
    if value is None:
        return "—"
    if unit == "money":
        return format_money(value, currency)
    if unit == "percent":
        return percent_text(value)
    return format_number(value)


def _change_text(change: Decimal | None) -> tuple[str, str]:
    if change is None:
        return _("no previous data"), "text-body-secondary"
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "＝")
    return (_("{arrow} {percent} % vs previous period").format(arrow=arrow, percent=format_number(
        percent(change))), "text-body-secondary")


def make_kpi_cards(kpis, currency: str) -> dbc.Row:
    """One card per KPI: value and its change against the previous period."""
    cards = []
    for kpi in kpis:
        change, css = _change_text(kpi.change)
        cards.append(dbc.Col(dbc.Card(dbc.CardBody([
            html.Div(_(KPI_TITLES[kpi.key]), className="small text-body-secondary"),
            html.Div(_kpi_text(kpi.value, kpi.unit, currency), className="fs-4 fw-semibold kpi-value",
                     id=f"analytics-kpi-{kpi.key.replace('_', '-')}"),
            html.Div(change, className=f"small {css}"),
        ])), md=3))
    return dbc.Row(cards, className="g-2 mb-3", id="analytics-kpi-row")


def make_chart_card(chart_id: str, figure=None, *, csv: bool = True, width: int = 6) -> dbc.Col:
    """A chart with a CSV button; pattern-matching ids {"type": "analytics-graph" | "analytics-csv", "chart": id}.
    Without a figure the chart waits for its own callback."""
    tools = [dbc.Button(_("CSV"), id={"type": "analytics-csv", "chart": chart_id}, size="sm",
                        color="link", className="float-end")] if csv else []
    graph = dcc.Graph(id={"type": "analytics-graph", "chart": chart_id}, config=plotly_config(),
                      **({"figure": figure} if figure is not None else {}))
    return dbc.Col(dbc.Card(dbc.CardBody([*tools, dcc.Loading(graph, delay_show=300)])), lg=width, className="mb-3",
                   id=f"analytics-card-{chart_id}")


def format_rate(rate: Decimal) -> str:
    """An exchange rate with every decimal it has (Babel's default pattern would keep three)."""
    return format_decimal(rate, format="#,##0.########", locale=babel_locale())


def make_rates_table(conversion) -> html.Div:
    """The exchange rates a converted view uses: one row per rate in effect in the range."""
    if conversion is None:
        return html.Div()
    rows = [html.Tr([html.Td(f"1 {p.currency}"), html.Td(f"{format_rate(p.rate)} {p.target}"),
                     html.Td(str(p.effective_on)), html.Td(f"{p.start} – {p.end}")]) for p in conversion.periods]
    if not rows:
        rows = [html.Tr(html.Td(_("No exchange rates into {currency}.").format(currency=conversion.target),
                                colSpan=4))]
    return dbc.Card(dbc.CardBody([
        html.H2(_("Exchange rates used (into {currency})").format(currency=conversion.target), className="h6"),
        html.P(_("Each day's amounts are converted with the rate in effect that day; figures are rounded once, "
                 "where they are shown."), className="small text-body-secondary mb-2"),
        dbc.Table([html.Thead(html.Tr([html.Th(_("Currency")), html.Th(_("Rate")), html.Th(_("Effective from")),
                                       html.Th(_("Used for (UTC)"))])), html.Tbody(rows)],
                  size="sm", className="mb-0", id="analytics-rates-table"),
    ]), className="mb-3")


# Every column a drilldown may have, in grid order; a grid shows those its frame has.
DRILL_COLUMNS = [("credit_memo", N_("Credit memo")), ("order_number", N_("Order")), ("day", N_("Day (UTC)")),
                 ("kind", N_("Kind")), ("reason", N_("Reason")), ("channel", N_("Channel")), ("sku", N_("SKU")),
                 ("category", N_("Category")), ("units", N_("Units")), ("amount", N_("Amount")),
                 ("refunded", N_("Refunded")), ("rate", N_("Exchange rate")), ("converted", N_("Converted"))]


def drill_rows(frame, currency: str) -> list[dict]:
    """Grid rows: money as text formatted for the reader (each record in its own currency, the
    converted amount in the view's), order numbers for the link renderer."""
    rows = []
    for record in frame.to_dict("records"):
        own = record.get("currency") or currency
        row = {k: (format_money(v, currency if k == "converted" else own) if isinstance(v, Decimal) and k != "rate"
                   else v) for k, v in record.items() if k != "created_at"}
        if "rate" in record:
            row["rate"] = format_rate(record["rate"])
        row["day"] = str(record.get("day", ""))
        rows.append(row)
    return rows


def make_drilldown(frame, chart: str, currency: str, total_text: str, *, truncated: bool,
                   export_href: str) -> html.Div:
    """Grid of the records behind a point, its total, and links to each order."""
    columns = [(f, h) for f, h in DRILL_COLUMNS if f in frame.columns or f == "day"]
    column_defs = [{"field": f, "headerName": _(h)} for f, h in columns]
    column_defs[[f for f, _h in columns].index("order_number")].update(
        cellRenderer="markdown", valueGetter={"function": "'[' + params.data.order_number + '](/orders/'"
                                                          " + params.data.order_number + ')'"})
    notes = [html.Span(total_text, id="analytics-drill-total", className="fw-semibold me-3")]
    if truncated:
        notes.append(html.Span(_("Only the first rows are shown; download everything as CSV."), className="small"))
    return html.Div([
        html.Div(notes + [
            dbc.Button(_("Download CSV"), id="analytics-drill-csv", size="sm", className="ms-2"),
            html.A(_("Download all rows (large)"), href=export_href, id="analytics-drill-export",
                   className="btn btn-sm btn-outline-secondary ms-2"),
        ], className="d-flex align-items-center mb-2"),
        dag.AgGrid(id="analytics-drill-grid", rowData=drill_rows(frame, currency), columnDefs=column_defs,
                   defaultColDef={"sortable": True, "resizable": True, "filter": True},
                   columnSize="responsiveSizeToFit", dashGridOptions={"pagination": True, "paginationPageSize": 20,
                                                                      "animateRows": False},
                   style={"height": "420px", "width": "100%"}),
    ])
