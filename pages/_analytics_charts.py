"""The analytics page's charts: what each one reads and how it is drawn.

One entry per chart: the query (model.queries.analytics) and the figure
(components.analytics_charts). The page answers each chart in its own callback
(a request per chart, in parallel); bench/analytics.py times exactly these
functions, so what it measures is what a chart callback does on the server.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

import pandas as pd

from sqlalchemy.orm import Session

from components import analytics_charts as charts
from components.analytics import make_kpi_cards, make_rates_table
from components.feedback import make_empty_state
from components.formatting import format_number
from components.i18n import N_, _
from model.queries import analytics as queries


@dataclass(frozen=True)
class Chart:
    read: Callable[[Session, queries.Filters], object]         # the data (a frame, or frames)
    draw: Callable[[object, queries.Filters], dict]
    csv: Callable[[object], pd.DataFrame] = lambda data: data  # the chart's data as one frame


def _granularity(f: queries.Filters) -> str:
    return _(f.granularity)


def _product_labels(frame: pd.DataFrame) -> list[str]:
    return [f"{sku} · {name}" for sku, name in zip(frame["sku"], frame["name"])]


CHARTS: dict[str, Chart] = {
    "refunds": Chart(
        lambda s, f: (queries.refund_series(s, f), queries.previous_refund_series(s, f)),
        lambda data, f: charts.refund_figure(data[0], data[1], f.currency, _granularity(f)),
        lambda data: data[0]),
    "units": Chart(queries.returns_cancellations_series,
                   lambda frame, f: charts.units_figure(frame, _granularity(f))),
    "category-rate": Chart(queries.return_rate_by_category, lambda frame, f: charts.rate_figure(
        frame, "category", _("Return rate by category"), "returned_units", "fulfilled_units", "returns")),
    "product-rate": Chart(queries.return_rate_by_product, lambda frame, f: charts.rate_figure(
        frame, "product", _("Return rate by product: top {count} (at least {units} units shipped)").format(
            count=queries.TOP_PRODUCTS, units=queries.MIN_PRODUCT_UNITS),
        "returned_units", "fulfilled_units", "returns", labels=_product_labels(frame), key="product_id")),
    "channel-rate": Chart(queries.cancellation_rate_by_channel, lambda frame, f: charts.rate_figure(
        frame, "channel", _("Cancellation rate by channel"), "canceled_units", "ordered_units", "cancellations")),
    "by-reason": Chart(lambda s, f: queries.refunds_by(s, f, "reason"),
                       lambda frame, f: charts.refunds_by_figure(frame, "reason", f.currency)),
    "by-channel": Chart(lambda s, f: queries.refunds_by(s, f, "channel"),
                        lambda frame, f: charts.refunds_by_figure(frame, "channel", f.currency)),
    "agents": Chart(queries.refunds_per_agent, lambda frame, f: charts.agents_figure(frame, f.currency)),
    "queue": Chart(lambda s, f: queries.case_flow(s, f.start, f.end, f.granularity),
                   lambda frame, f: charts.queue_figure(frame, _granularity(f))),
    "open-agents": Chart(lambda s, f: queries.open_cases_per_agent(s),
                         lambda frame, f: charts.open_per_agent_figure(frame)),
}
ORDER_CHARTS = ("refunds", "units", "category-rate", "product-rate", "channel-rate", "by-reason", "by-channel",
                "agents")
CASE_CHARTS = ("queue", "open-agents")
NOTHING = N_("Nothing matches these filters")
WIDEN = N_("Widen the date range or clear a filter.")


def _empty(data) -> bool:
    frames = data if isinstance(data, tuple) else (data,)
    return frames[0].empty


def missing_rate_text(error: queries.MissingRate) -> str:
    return _("No exchange rate from {currency} to {target} covers {day}: add one to convert.").format(
        currency=error.currency, target=error.target, day=error.day.isoformat())


def chart_figure(s: Session, name: str, f: queries.Filters) -> dict:
    """What the chart callback of `name` returns: the figure, or a figure saying why it is empty."""
    chart = CHARTS[name]
    try:
        data = chart.read(s, f)
    except queries.MissingRate as error:
        return charts.empty_figure(missing_rate_text(error))
    if _empty(data):
        return charts.empty_figure(_(NOTHING), _(WIDEN))
    return chart.draw(data, f)


def chart_frame(s: Session, name: str, f: queries.Filters) -> pd.DataFrame:
    """The chart's data as one frame, for its CSV download."""
    chart = CHARTS[name]
    return chart.csv(chart.read(s, f))


def render_summary(s: Session, f: queries.Filters) -> tuple:
    """What the `refresh` callback shows beside the store: KPI cards, the rates used, the medians."""
    try:
        cards, conversion = make_kpi_cards(queries.kpis(s, f), f.currency), queries.load_conversion(s, f)
    except queries.MissingRate as error:
        cards, conversion = make_empty_state(missing_rate_text(error), id="analytics-missing-rate"), None
    first, resolution = queries.response_medians(s, f.start, f.end)
    medians = _("Median first response: {first} h · median resolution: {resolution} h").format(
        first=_hours(first), resolution=_hours(resolution))
    return cards, make_rates_table(conversion), medians


def _hours(value: Decimal | None) -> str:
    return "—" if value is None else format_number(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
