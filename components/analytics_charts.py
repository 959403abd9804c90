"""Plotly figures for the analytics page: pure functions of query frames, no database.

One colour-blind-safe palette (Okabe–Ito) everywhere; money hover text is
formatted with Babel (components.formatting) so it reads like the rest of the
app; every point carries `customdata` = what a click should drill into.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .formatting import format_money, format_number
from .i18n import N_, _

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
KIND_LABELS = {"return": N_("Return"), "discount": N_("Discount"), "rma": N_("RMA"),
               "shipping_credit": N_("Shipping credit"), "cancel": N_("Cancel")}
KIND_COLOURS = dict(zip(("return", "discount", "rma", "shipping_credit"), OKABE_ITO))
SERIES_LABELS = {"returns": N_("Returns"), "cancellations": N_("Cancellations")}


def label(code: str) -> str:
    """A translated label for a code (kind, reason, channel); codes themselves never change."""
    if code == "":
        return _("(none)")
    return _(KIND_LABELS.get(code) or SERIES_LABELS.get(code) or code.replace("_", " ").capitalize())


def _base(title: str, x_title: str, y_title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(title={"text": title, "x": 0, "xanchor": "left"}, template="plotly_white",
                         colorway=list(OKABE_ITO), margin={"l": 60, "r": 20, "t": 50, "b": 50},
                         xaxis_title=x_title, yaxis_title=y_title, legend_title_text="",
                         hovermode="closest", height=340)
    return figure


def _money_hover(values, currency: str) -> list[str]:
    return [format_money(v, currency) for v in values]


def refund_figure(series: pd.DataFrame, previous: pd.DataFrame, currency: str, granularity: str) -> go.Figure:
    """Refunds stacked by kind per bucket, with the previous period's total dashed."""
    figure = _base(_("Refund totals ({currency})").format(currency=currency), _("Period ({unit})").format(
        unit=_(granularity)), _("Refunded ({currency})").format(currency=currency))
    figure.update_layout(barmode="stack")
    for kind, rows in series.groupby("kind", sort=False):
        figure.add_bar(x=rows["period"], y=rows["refunded"].astype(float), name=label(kind),
                       marker_color=KIND_COLOURS.get(kind), hovertext=_money_hover(rows["refunded"], currency),
                       hovertemplate="%{x}<br>" + label(kind) + ": %{hovertext}<extra></extra>",
                       customdata=[["refunds", kind, str(p), None] for p in rows["period"]])
    if not previous.empty:
        figure.add_scatter(x=previous["period"], y=previous["refunded"].astype(float), mode="lines",
                           name=_("Previous period"), line={"dash": "dash", "color": OKABE_ITO[7]},
                           hovertext=_money_hover(previous["refunded"], currency),
                           hovertemplate="%{x}<br>" + _("Previous period") + ": %{hovertext}<extra></extra>")
    return figure


def units_figure(series: pd.DataFrame, granularity: str) -> go.Figure:
    """Returned and canceled units per bucket (bars) with their change orders in the hover."""
    figure = _base(_("Returns and cancellations"), _("Period ({unit})").format(unit=_(granularity)), _("Units"))
    figure.update_layout(barmode="group")
    for index, (name, rows) in enumerate(series.groupby("series", sort=True)):
        figure.add_bar(x=rows["period"], y=rows["units"], name=label(name), marker_color=OKABE_ITO[index + 2],
                       hovertext=[_("{units} units in {events} change orders").format(units=u, events=e)
                                  for u, e in zip(rows["units"], rows["events"])],
                       hovertemplate="%{x}<br>%{hovertext}<extra></extra>",
                       customdata=[[name, None, str(p), None] for p in rows["period"]])
    return figure


def rate_figure(frame: pd.DataFrame, dimension: str, title: str, numerator: str, denominator: str,
                drill: str | None) -> go.Figure:
    """A rate per category/channel as a horizontal bar, in percent."""
    figure = _base(title, _("Rate (%)"), label(dimension))
    rates = [None if r is None else 100 * r for r in frame["rate"]]
    figure.add_bar(y=[label(v) for v in frame[dimension]], x=rates, orientation="h", marker_color=OKABE_ITO[0],
                   hovertext=[_("{part} of {whole} units").format(part=format_number(p), whole=format_number(w))
                              for p, w in zip(frame[numerator], frame[denominator])],
                   hovertemplate="%{y}: %{x:.1f}%<br>%{hovertext}<extra></extra>",
                   customdata=[[drill, None, None, {dimension: v}] for v in frame[dimension]])
    return figure


def refunds_by_figure(frame: pd.DataFrame, dimension: str, currency: str) -> go.Figure:
    titles = {"reason": _("Refunds by reason ({currency})"), "channel": _("Refunds by channel ({currency})")}
    figure = _base(titles[dimension].format(currency=currency), label(dimension),
                   _("Refunded ({currency})").format(currency=currency))
    figure.add_bar(x=[label(v) for v in frame[dimension]], y=frame["refunded"].astype(float),
                   marker_color=OKABE_ITO[1 if dimension == "reason" else 2],
                   hovertext=[_("{money} in {count} change orders").format(money=format_money(m, currency), count=n)
                              for m, n in zip(frame["refunded"], frame["events"])],
                   hovertemplate="%{x}: %{hovertext}<extra></extra>",
                   customdata=[["refunds", None, None, {dimension: v}] for v in frame[dimension]])
    return figure


def agents_figure(frame: pd.DataFrame, currency: str) -> go.Figure:
    """Refund total per person; outliers (median + 3 MAD) in vermilion with a marker."""
    figure = _base(_("Refunds per agent ({currency})").format(currency=currency), _("Agent"),
                   _("Refunded ({currency})").format(currency=currency))
    figure.add_bar(x=[a or _("(system)") for a in frame["agent"]], y=frame["refunded"].astype(float),
                   marker_color=[OKABE_ITO[3] if o else OKABE_ITO[0] for o in frame["outlier"]],
                   marker_pattern_shape=["x" if o else "" for o in frame["outlier"]],
                   hovertext=[_("{count} refunds, {total}, average {average}{flag}").format(
                       count=n, total=format_money(t, currency), average=format_money(a, currency),
                       flag=" · " + _("outlier") if o else "")
                       for n, t, a, o in zip(frame["refunds"], frame["refunded"], frame["average"], frame["outlier"])],
                   hovertemplate="%{x}: %{hovertext}<extra></extra>")
    return figure


def queue_figure(flow: pd.DataFrame, granularity: str) -> go.Figure:
    figure = _base(_("Queue health"), _("Period ({unit})").format(unit=_(granularity)), _("Cases"))
    for index, (column, name) in enumerate((("created", _("Created")), ("resolved", _("Resolved")),
                                             ("breached", _("SLA breaches")))):
        figure.add_bar(x=flow["period"], y=flow[column], name=name, marker_color=OKABE_ITO[index])
    figure.add_scatter(x=flow["period"], y=flow["backlog"], name=_("Backlog (end of period)"), mode="lines+markers",
                       line={"color": OKABE_ITO[7]})
    figure.update_layout(barmode="group")
    return figure


def open_per_agent_figure(frame: pd.DataFrame) -> go.Figure:
    figure = _base(_("Open cases per agent"), _("Agent"), _("Open cases"))
    figure.add_bar(x=[a or _("Unassigned") for a in frame["agent"]], y=frame["open"], marker_color=OKABE_ITO[5])
    return figure
