"""Around the queue grid: the lead's KPI header, the toolbar (Take, bulk actions) and
the new-case form. Pure factories; ids prefixed `home-`."""
from __future__ import annotations

from datetime import datetime, timedelta

import dash_bootstrap_components as dbc
from dash import html

from .i18n import _
from .queue import CHANNEL_LABELS, PRIORITY_LABELS, TYPE_LABELS


def _options(labels: dict[str, str]) -> list[dict]:
    return [{"label": _(label), "value": code} for code, label in labels.items()]


def format_age(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    hours = int(delta.total_seconds() // 3600)
    if hours >= 48:
        return _("{days} d").format(days=hours // 24)
    if hours >= 1:
        return _("{hours} h").format(hours=hours)
    return _("{minutes} min").format(minutes=max(int(delta.total_seconds() // 60), 0))


def _kpi(id_: str, label: str, value, *, tone: str | None = None) -> dbc.Col:
    return dbc.Col(html.Div([
        html.Div(str(value), className=f"queue-kpi-value{' text-' + tone if tone else ''}", id=id_),
        html.Div(label, className="small text-body-secondary"),
    ], className="queue-kpi"), width="auto")


def make_kpi_header(kpis, *, now: datetime) -> html.Div:
    """Queue health for leads: counts, oldest age, today's flow, per-agent load, breach forecast."""
    oldest = format_age(now - kpis.oldest_open_at) if kpis.oldest_open_at else "—"
    load = ", ".join(f"{name}: {count}" for name, count in kpis.agent_load[:8]) or _("Nobody has open cases")
    handling = format_age(kpis.median_handling) if kpis.median_handling else _("not enough data")
    return html.Div([
        dbc.Row([
            _kpi("home-kpi-open", _("Open"), kpis.open),
            _kpi("home-kpi-unassigned", _("Unassigned"), kpis.unassigned, tone="warning" if kpis.unassigned else None),
            _kpi("home-kpi-breaching", _("Breaching SLA"), kpis.breaching, tone="danger" if kpis.breaching else None),
            _kpi("home-kpi-oldest", _("Oldest open"), oldest),
            _kpi("home-kpi-today", _("Created / resolved today"), f"{kpis.created_today} / {kpis.resolved_today}"),
            _kpi("home-kpi-forecast", _("Expected to breach in 4 h"), kpis.breach_forecast,
                 tone="danger" if kpis.breach_forecast else None),
        ], className="g-4 align-items-end"),
        html.Div([html.Span(_("Open cases per agent: "), className="fw-semibold"), html.Span(load)],
                 className="small mt-2", id="home-kpi-load"),
        html.Div(_("Median handling time (last 7 days): {time}").format(time=handling),
                 className="small text-body-secondary"),
    ], className="queue-kpis")


def make_toolbar(*, can_assign: bool, people: list[tuple[int, str]]) -> html.Div:
    """Take (agents and everyone), new case, and for leads the bulk bar over the selected rows."""
    left = [
        dbc.Button(_("Take"), id="home-take", color="primary", disabled=True, size="sm"),
        dbc.Button(_("New case"), id="home-new-case", color="success", outline=True, size="sm"),
        html.Span("", id="home-selection", className="small text-body-secondary ms-2"),
    ]
    # Always in the layout (callbacks need the ids); shown to leads only, refused on the server.
    bulk = [
        dbc.Select(id="home-bulk-action", size="sm", value="assign", style={"maxWidth": "10rem"}, options=[
            {"label": _("Assign to"), "value": "assign"}, {"label": _("Set priority"), "value": "priority"},
            {"label": _("Add tag"), "value": "tag"}, {"label": _("Close"), "value": "close"}]),
        dbc.Select(id="home-bulk-assignee", size="sm", style={"maxWidth": "12rem"},
                   options=[{"label": _("Nobody (unassign)"), "value": ""}]
                   + [{"label": name, "value": str(i)} for i, name in people]),
        dbc.Select(id="home-bulk-priority", size="sm", style={"maxWidth": "9rem"}, value="high",
                   options=_options(PRIORITY_LABELS)),
        dbc.Input(id="home-bulk-tag", size="sm", maxLength=40, placeholder=_("Tag"),
                  style={"maxWidth": "9rem"}),
        dbc.Button(_("Apply to selected"), id="home-bulk-apply", size="sm", color="secondary", disabled=True),
    ]
    return html.Div([html.Div(left, className="d-flex gap-2 align-items-center"),
                     html.Div(bulk, id="home-bulk-bar",
                              className="d-flex gap-2 align-items-center" if can_assign else "d-none")],
                    className="d-flex justify-content-between flex-wrap gap-2 mb-2")


def _field(label: str, control, field_id: str) -> html.Div:
    return html.Div([dbc.Label(label, html_for=field_id), control,
                     html.Div(id=f"{field_id}-error", className="invalid-feedback d-block")], className="mb-3")


def make_new_case_modal() -> dbc.Modal:
    """Customer search, channel, subject, type, priority, that customer's order, first message."""
    from dash import dcc

    body = [
        _field(_("Customer"), dcc.Dropdown(id="home-new-customer", options=[], searchable=True,
                                           placeholder=_("Type a name or an email…")), "home-new-customer"),
        dbc.Row([
            dbc.Col(_field(_("Channel"), dbc.Select(id="home-new-channel", value="email",
                                                    options=_options(CHANNEL_LABELS)), "home-new-channel")),
            dbc.Col(_field(_("Type"), dbc.Select(id="home-new-type", value="other", options=_options(TYPE_LABELS)),
                           "home-new-type")),
            dbc.Col(_field(_("Priority"), dbc.Select(id="home-new-priority", value="normal",
                                                     options=_options(PRIORITY_LABELS)), "home-new-priority")),
        ]),
        _field(_("Subject"), dbc.Input(id="home-new-subject", maxLength=300), "home-new-subject"),
        _field(_("Order (optional)"), dcc.Dropdown(id="home-new-order", options=[],
                                                   placeholder=_("Choose a customer first")), "home-new-order"),
        _field(_("First message"), dbc.Textarea(id="home-new-body", rows=5), "home-new-body"),
        html.Div(id="home-new-error"),
    ]
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(_("New case"))),
        dbc.ModalBody(body),
        dbc.ModalFooter([dbc.Button(_("Cancel"), id="home-new-cancel", color="secondary", outline=True),
                         dbc.Button(_("Create case"), id="home-new-submit", color="primary")]),
    ], id="home-new-modal", is_open=False, size="lg")
