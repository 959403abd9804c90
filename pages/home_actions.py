"""Queue actions: Take, leads' bulk actions, the new-case form and the KPI header.

Callbacks only, no page of its own: Dash executes each pages/ module that
mentions register_page once per app, which keeps these callbacks with the app
that serves the queue (a plain helper module would bind to the first app only).
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from dash import Input, Output, State, callback, ctx, no_update

from components.feedback import make_toast
from components.i18n import _
from components.queue_panels import make_kpi_header
from model.actions import ActionError, bulk_apply, create_case, take_case
from model.entities import User, utcnow
from model.queries import cases as case_queries
from model.queries.queue import OPEN_STATUSES, forget_counts

from pages._db import read_session, transaction
from pages._guard import require
from pages._inputs import as_choice_id, as_id, as_list_of_dicts, as_text

LEAD_ROLES = ("lead", "manager", "admin")
PAGES_LOCATION = "_pages_location"  # dash.page_container's dcc.Location (refresh="callback-nav")
NEW_CASE_FIELDS = ("customer", "channel", "type", "priority", "subject", "order", "body")
SUBJECT_LENGTH = 300
BODY_LENGTH = 20_000


def _refresh(n):
    forget_counts()  # whoever acted sees the new totals at once
    return (n if isinstance(n, int) and not isinstance(n, bool) else 0) + 1  # the store's count, or a fresh one


@callback(Output("home-take", "disabled"), Output("home-selection", "children"),
          Output("home-bulk-apply", "disabled"), Input("home-selected", "data"))
def selection_changed(rows):
    require()
    rows = as_list_of_dicts([] if rows is None else rows)
    if rows is None:
        return True, "", True  # not a selection the grid sends: nothing to act on
    takeable = len(rows) == 1 and rows[0].get("assignee_id") is None and rows[0].get("status") in OPEN_STATUSES
    text = _("{count} selected").format(count=len(rows)) if rows else ""
    return not takeable, text, not rows


@callback(Output("home-toast", "children"), Output("home-refresh", "data"),
          Input("home-take", "n_clicks"), State("home-selected", "data"), State("home-refresh", "data"),
          prevent_initial_call=True)
def take_selected(_clicks, rows, refresh):
    user = require("take")
    rows = as_list_of_dicts(rows)
    case_id = as_id(rows[0].get("id")) if rows and len(rows) == 1 else None
    if case_id is None:
        return make_toast(_("Select one case to take."), kind="warning"), no_update
    try:
        with transaction() as s:
            case = take_case(s, case_id, actor=s.get(User, user.id))
            number = case.number
    except ActionError as refused:
        return make_toast(_(str(refused)), kind="danger", header=_("Not taken")), _refresh(refresh)
    return make_toast(_("{number} is yours now.").format(number=number)), _refresh(refresh)


@callback(Output("home-toast", "children", allow_duplicate=True),
          Output("home-refresh", "data", allow_duplicate=True),
          Input("home-bulk-apply", "n_clicks"), State("home-selected", "data"),
          State("home-bulk-action", "value"), State("home-bulk-assignee", "value"),
          State("home-bulk-priority", "value"), State("home-bulk-tag", "value"), State("home-refresh", "data"),
          prevent_initial_call=True)
def apply_bulk(_clicks, rows, action, assignee, priority, tag, refresh):
    user = require("bulk")
    rows, action = as_list_of_dicts([] if rows is None else rows), as_text(action)
    if not rows:
        return make_toast(_("Select at least one case."), kind="warning"), no_update
    ids = [row.get("id") for row in rows]
    if action == "assign":
        try:
            value = as_choice_id(assignee)  # "" is "Nobody (unassign)"; anything else must be a person
        except ValueError:
            return make_toast(_("Choose a person from the list."), kind="danger"), no_update
    else:
        # The model checks a priority against its list; a tag must be text (never the repr of a list).
        value = {"priority": "" if priority is None else priority, "tag": as_text(tag)}.get(action)
    try:
        result = bulk_apply(transaction, actor_id=user.id, case_ids=ids, action=action, value=value)
    except ActionError as refused:
        return make_toast(_(str(refused)), kind="danger"), no_update
    message = _("{count} cases updated.").format(count=len(result.done))
    if result.refused:
        message += " " + _("Refused: {reasons}").format(reasons=" ".join(result.refused[:5]))
    return make_toast(message, kind="warning" if result.refused else "success"), _refresh(refresh)


@callback(Output("home-new-customer", "options"), Input("home-new-customer", "search_value"),
          State("home-new-customer", "value"), prevent_initial_call=True)
def find_customers(text, chosen):
    require("view_queue")
    chosen = as_id(chosen)
    with read_session() as s:
        found = case_queries.search_customers(s, as_text(text) or "")
        if chosen is not None and all(i != chosen for i, _n, _e in found):
            current = case_queries.customer_label(s, chosen)
            found = [current, *found] if current else found
    return [{"label": f"{name} <{email}>" if email else name, "value": i} for i, name, email in found]


@callback(Output("home-new-order", "options"), Output("home-new-order", "value"),
          Input("home-new-customer", "value"), prevent_initial_call=True)
def customer_orders(customer_id):
    require("view_queue")
    with read_session() as s:
        orders = case_queries.customer_orders(s, customer_id)
    return [{"label": number, "value": i} for i, number, _placed in orders], None


def validate_new_case(values: dict) -> dict[str, str]:
    """Field → message for what the form can tell before asking the model."""
    errors = {}
    subject = (as_text(values.get("subject")) or "").strip()  # not text: no subject at all
    if not subject:
        errors["subject"] = _("Enter a subject.")
    elif len(subject) > SUBJECT_LENGTH:
        errors["subject"] = _("A subject is at most {n} characters.").format(n=SUBJECT_LENGTH)
    body = as_text("" if values.get("body") is None else values.get("body"))
    if body is None:
        errors["body"] = _("The message must be text.")
    elif len(body.strip()) > BODY_LENGTH:
        errors["body"] = _("A message is at most {n} characters.").format(n=BODY_LENGTH)
    if values.get("order") is not None and values.get("customer") is None:
        errors["order"] = _("Choose the customer first.")
    return errors


def _field_for(message: str) -> str:
    lowered = message.lower()
    for field, words in (("subject", ("subject",)), ("body", ("message",)), ("order", ("order",)),
                         ("customer", ("customer",)), ("channel", ("channel",)), ("type", ("type",)),
                         ("priority", ("priority",))):
        if any(word in lowered for word in words):
            return field
    return ""


@callback(Output("home-new-modal", "is_open"),
          *[Output(f"home-new-{field}-error", "children") for field in NEW_CASE_FIELDS],
          Output("home-new-error", "children"),
          Output("home-toast", "children", allow_duplicate=True),
          Output("home-refresh", "data", allow_duplicate=True),
          Output(PAGES_LOCATION, "pathname", allow_duplicate=True),
          Input("home-new-case", "n_clicks"), Input("home-new-cancel", "n_clicks"),
          Input("home-new-submit", "n_clicks"),
          *[State(f"home-new-{field}", "value") for field in NEW_CASE_FIELDS], State("home-refresh", "data"),
          prevent_initial_call=True)
def new_case(_open, _cancel, _submit, *values_and_refresh):
    user = require("take")
    blank = [""] * len(NEW_CASE_FIELDS)
    if not any(trigger["value"] for trigger in ctx.triggered or ()):
        return [no_update] * (len(NEW_CASE_FIELDS) + 5)  # the buttons were (re)rendered, not clicked
    if ctx.triggered_id != "home-new-submit":
        return ctx.triggered_id == "home-new-case", *blank, "", no_update, no_update, no_update
    values, refresh = dict(zip(NEW_CASE_FIELDS, values_and_refresh[:-1])), values_and_refresh[-1]
    errors = validate_new_case(values)
    if not errors:
        try:
            with transaction() as s:
                case = create_case(s, subject=values["subject"].strip(), actor=s.get(User, user.id),
                                   customer_id=values["customer"], order_id=values["order"],
                                   channel=values["channel"], type=values["type"], priority=values["priority"],
                                   body=values["body"] or None)
                number = case.number
        except ActionError as refused:
            errors = {_field_for(str(refused)) or "form": _(str(refused))}
    if errors:
        return True, *[errors.get(field, "") for field in NEW_CASE_FIELDS], errors.get("form", ""), \
            no_update, no_update, no_update
    # Open the new case: Dash pages' own location, which navigates without reloading the app.
    toast = make_toast(_("Case {number} created.").format(number=number))
    return False, *blank, "", toast, _refresh(refresh), f"/cases/{number}"


@callback(Output("home-kpis", "children"), Input("home-kpi-interval", "n_intervals"))
def refresh_kpis(_n):
    user = require("analytics")
    try:
        zone = ZoneInfo(user.time_zone)
    except Exception:  # noqa: BLE001 - an unknown zone counts the day in UTC
        zone = ZoneInfo("UTC")
    now = utcnow()
    day_start = datetime.now(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    with read_session() as s:
        kpis = case_queries.queue_kpis(s, day_start=day_start)
    return make_kpi_header(kpis, now=now)
