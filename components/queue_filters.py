"""The queue's filter bar and saved-views menu (dbc), ids prefixed `home-`."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from .i18n import N_, _
from .queue import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS

ASSIGNEE_LABELS = {"anyone": N_("Anyone"), "me": N_("Me"), "unassigned": N_("Unassigned")}
SLA_LABELS = {"breached": N_("SLA breached"), "due_1h": N_("Due within an hour")}

# Filter bar control id → QueueFilter field
FILTER_FIELDS = {
    "home-filter-status": "statuses",
    "home-filter-type": "types",
    "home-filter-priority": "priorities",
    "home-filter-channel": "channels",
    "home-filter-assignee": "assignee",
    "home-filter-tags": "tags",
    "home-filter-sla": "sla",
    "home-filter-from": "created_from",
    "home-filter-to": "created_to",
    "home-filter-search": "search",
}


def _options(labels: dict[str, str]) -> list[dict]:
    return [{"label": _(label), "value": code} for code, label in labels.items()]


def filter_values(flt) -> list:
    """The filter bar's values, in FILTER_FIELDS order, for a QueueFilter."""
    values = []
    for field in FILTER_FIELDS.values():
        value = getattr(flt, field)
        if field == "tags":
            value = ", ".join(value)
        elif isinstance(value, tuple):
            value = list(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        values.append(value)
    return values


def make_filter_bar(flt, *, people: list[tuple[int, str]]) -> html.Div:
    """Status, type, priority, channel, assignee, tags, SLA, created range and search."""
    status, types, priorities, channels, assignee, tags, sla, start, end, search = filter_values(flt)
    assignee_options = _options(ASSIGNEE_LABELS) + [{"label": name, "value": str(i)} for i, name in people]

    def multi(id_, labels, value, placeholder):
        return dcc.Dropdown(id=id_, options=_options(labels), value=value, multi=True,
                            placeholder=_(placeholder), className="home-filter")

    return html.Div([
        dbc.Row([
            dbc.Col(dbc.Input(id="home-filter-search", type="search", value=search, debounce=True, maxLength=200,
                              placeholder=_("Search number, subject, messages, customer, order…")), md=4),
            dbc.Col(multi("home-filter-status", STATUS_LABELS, status, N_("Any status")), md=2),
            dbc.Col(multi("home-filter-priority", PRIORITY_LABELS, priorities, N_("Any priority")), md=2),
            dbc.Col(dcc.Dropdown(id="home-filter-assignee", options=assignee_options, value=assignee,
                                 clearable=False, className="home-filter"), md=2),
            dbc.Col(dcc.Dropdown(id="home-filter-sla", options=_options(SLA_LABELS), value=sla,
                                 placeholder=_("Any SLA state"), className="home-filter"), md=2),
        ], className="g-2 mb-2"),
        dbc.Row([
            dbc.Col(multi("home-filter-type", TYPE_LABELS, types, N_("Any type")), md=2),
            dbc.Col(multi("home-filter-channel", CHANNEL_LABELS, channels, N_("Any channel")), md=2),
            dbc.Col(dbc.Input(id="home-filter-tags", value=tags, debounce=True, maxLength=400,
                              placeholder=_("Tags, comma-separated")), md=3),
            dbc.Col(dbc.InputGroup([
                dbc.InputGroupText(_("Created")),
                dbc.Input(id="home-filter-from", type="date", value=start, debounce=True),
                dbc.Input(id="home-filter-to", type="date", value=end, debounce=True),
            ], size="sm"), md=5),
        ], className="g-2 mb-2"),
        html.Div(id="home-filter-error"),
    ], id="home-filter-bar")


def make_views_menu(views, *, selected: str | None) -> html.Div:
    """Pick a saved view, save the current filter as one, delete one's own."""
    return html.Div([
        dcc.Dropdown(id="home-view", options=view_options(views), value=selected, clearable=True,
                     placeholder=_("Saved views"), style={"minWidth": "14rem"}),
        dbc.Input(id="home-view-name", placeholder=_("Name this view"), maxLength=80, size="sm",
                  style={"maxWidth": "12rem"}),
        dbc.Button(_("Save view"), id="home-view-save", size="sm", color="secondary", outline=True),
        dbc.Button(_("Delete view"), id="home-view-delete", size="sm", color="danger", outline=True),
    ], className="d-flex gap-2 align-items-center flex-wrap")


def view_options(views) -> list[dict]:
    return [{"label": _(v.name) if v.builtin else v.name, "value": v.key} for v in views]
