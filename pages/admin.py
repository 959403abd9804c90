"""Admin (`/admin`): users (role, disable/enable), the audit log with filters, the permission table.

Admins only: others get "not allowed", and every callback calls
`require("admin")`. Changes go through model.actions.users, which audits
them and ends a disabled user's sessions at once.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, callback, ctx, html, no_update

from components.admin import make_audit_filters, make_audit_table, make_permissions_table, make_users_table
from components.feedback import make_forbidden, make_toast
from components.i18n import N_, _, page_title
from components.layout import role_label
from model import permissions
from model.actions import ActionError, set_user_active, set_user_role
from model.actions.users import user_by_id
from model.entities import User
from model.queries.admin import AuditFilter, AuditFilterError, audit_actions, audit_events, list_users

from pages._db import read_session, transaction
from pages._guard import can, current_user_record, require

dash.register_page(__name__, path="/admin", name=N_("Admin"), title=page_title(N_("Admin")), order=90, nav=True,
                   roles=permissions.roles_with("admin"))


def layout(**_query):
    user = current_user_record()
    if not can(user, "admin"):
        return make_forbidden(id="admin-forbidden")
    with read_session() as s:
        users = list_users(s)
        kinds = audit_actions(s)
        events = audit_events(s, AuditFilter())
    people = [(u.id, u.login, u.display_name) for u in users]
    card = lambda title, body, ident: dbc.Card([  # noqa: E731
        dbc.CardHeader(html.H2(title, className="h6 mb-0")), dbc.CardBody(body)], className="mb-4", id=ident)
    return html.Div([
        html.H1(_("Admin"), className="h4 mb-3", id="admin-title"),
        html.Div(id="admin-toast"),
        card(_("Users"), html.Div(make_users_table(users, me_id=user.id, time_zone=user.time_zone),
                                  id="admin-users"), "admin-users-card"),
        card(_("Audit log"), [make_audit_filters(people, kinds), html.Div(id="admin-audit-error"),
                              html.Div(make_audit_table(events, time_zone=user.time_zone), id="admin-audit")],
             "admin-audit-card"),
        card(_("Permissions"), make_permissions_table(permissions.describe()), "admin-permissions-card"),
    ], id="admin-page")


def _target(trigger) -> int | None:
    user_id = trigger.get("user") if isinstance(trigger, dict) else None
    return user_id if isinstance(user_id, int) and not isinstance(user_id, bool) else None


@callback(Output("admin-toast", "children"), Output("admin-users", "children"),
          Input({"type": "admin-role", "user": ALL}, "value"), Input({"type": "admin-active", "user": ALL}, "n_clicks"),
          prevent_initial_call=True)
def change_user(_roles, _clicks):
    """A role chosen in a row, or Disable/Enable clicked: one change, audited; then the fresh table."""
    me = require("admin")
    trigger, value = ctx.triggered_id, (ctx.triggered[0]["value"] if ctx.triggered else None)
    target = _target(trigger)
    if target is None or value in (None, 0):
        return no_update, no_update  # a re-render, not a choice
    try:
        with transaction() as s:
            actor = s.get(User, me.id)
            if trigger.get("type") == "admin-role":
                before = user_by_id(s, target)
                if before is not None and before.role == value:
                    return no_update, no_update  # the table was drawn again with the same roles
                changed = set_user_role(s, target, value, actor=actor)
                message = _("{login} is now {role}.").format(login=changed.login, role=role_label(changed.role))
            else:
                current = user_by_id(s, target)
                # A user who is gone: the service says so.
                changed = set_user_active(s, target, not current.active if current else False, actor=actor)
                message = (_("{login} can sign in again.") if changed.active else
                           _("{login} is disabled; their sessions are closed.")).format(login=changed.login)
    except ActionError as refused:
        toast = make_toast(_(str(refused)), kind="danger", id="admin-toast-message")
    else:
        toast = make_toast(message, id="admin-toast-message")
    with read_session() as s:
        users = list_users(s)
    return toast, make_users_table(users, me_id=me.id, time_zone=me.time_zone)


@callback(Output("admin-audit", "children"), Output("admin-audit-error", "children"),
          Input("admin-audit-actor", "value"), Input("admin-audit-kind", "value"),
          Input("admin-audit-from", "value"), Input("admin-audit-to", "value"), prevent_initial_call=True)
def filter_audit(actor, kind, start, end):
    me = require("admin")
    try:
        flt = AuditFilter.build(actor=actor, action=kind, start=start, end=end)
    except AuditFilterError as refused:
        return no_update, dbc.Alert(_(str(refused)), color="warning", className="py-2", id="admin-audit-invalid")
    with read_session() as s:
        page = audit_events(s, flt)
    return make_audit_table(page, time_zone=me.time_zone), None
