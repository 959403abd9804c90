"""The admin page's pieces: users with role and state, the audit log and its filters, the permission table.

Pure factories: rows in, components out. Everything stored (names, logins,
event details) is passed as text children, never as markup.
"""
from __future__ import annotations

import json

import dash_bootstrap_components as dbc
from dash import html

from model.permissions import Capability, Grant

from .formatting import format_number, format_when
from .i18n import N_, _
from .layout import role_label

ROLES = ("agent", "lead", "manager", "admin")
DETAIL_LENGTH = 300
EVENT_FAMILIES = ("approval.", "case.", "customer.", "order.", "user.")

CAPABILITY_LABELS = {
    Capability.VIEW_QUEUE: N_("View queue, customers and orders"),
    Capability.TAKE: N_("Take and work cases"),
    Capability.ASSIGN: N_("Assign cases"),
    Capability.BULK: N_("Bulk case actions"),
    Capability.EDIT_CUSTOMER: N_("Edit customer profiles"),
    Capability.ORDER_CANCEL: N_("Cancel items"),
    Capability.ORDER_DISCOUNT: N_("Discount items"),
    Capability.ORDER_CREDIT_SHIPPING: N_("Credit shipping"),
    Capability.ORDER_RETURN: N_("Return with immediate refund"),
    Capability.ORDER_RMA: N_("Return orders (RMA)"),
    Capability.ORDER_RESHIP: N_("Reship"),
    Capability.APPROVE: N_("Approve refunds"),
    Capability.ANALYTICS: N_("Analytics"),
    Capability.ADMIN: N_("Users and audit log"),
}
GRANT_LABELS = {Grant.NO: "—", Grant.YES: N_("yes"), Grant.UP_TO_THRESHOLD: N_("up to the approval threshold")}


def make_users_table(users, *, me_id: int, time_zone: str = "UTC") -> dbc.Table:
    """One row per user: role (a select) and Disable/Enable; your own row cannot lock you out."""
    header = html.Thead(html.Tr([html.Th(_("Login")), html.Th(_("Name")), html.Th(_("Role")),
                                 html.Th(_("State")), html.Th(_("Open sessions")), html.Th(_("Created")),
                                 html.Th("")]))
    rows = []
    for user in users:
        mine = user.id == me_id
        rows.append(html.Tr([
            html.Td(user.login, className="font-monospace"),
            html.Td(user.display_name),
            html.Td(dbc.Select(id={"type": "admin-role", "user": user.id}, value=user.role, size="sm",
                               options=[{"label": role_label(role), "value": role} for role in ROLES],
                               disabled=mine)),
            html.Td(dbc.Badge(_("enabled") if user.active else _("disabled"),
                              color="success" if user.active else "secondary")),
            html.Td(format_number(user.open_sessions)),
            html.Td(format_when(user.created_at, time_zone)),
            html.Td(dbc.Button(_("Disable") if user.active else _("Enable"),
                               id={"type": "admin-active", "user": user.id}, size="sm", disabled=mine,
                               color="outline-danger" if user.active else "outline-success")),
        ], id=f"admin-user-{user.login}", className="" if user.active else "text-body-secondary"))
    return dbc.Table([header, html.Tbody(rows)], id="admin-users-table", hover=True, size="sm",
                     responsive=True, className="align-middle")


def make_audit_filters(people, kinds, *, actor=None, action=None, start=None, end=None) -> dbc.Row:
    """Who (anyone, the system, a person), what (a family or one kind), and from/to days (UTC)."""
    people_options = [{"label": _("Anyone"), "value": ""}, {"label": _("System (no person)"), "value": "0"}]
    people_options += [{"label": f"{name} ({login})", "value": str(user_id)} for user_id, login, name in people]
    families = [f for f in EVENT_FAMILIES if any(kind.startswith(f) for kind in kinds)]
    kind_options = [{"label": _("Any event"), "value": ""}]
    kind_options += [{"label": _("All {family}…").format(family=family), "value": family} for family in families]
    kind_options += [{"label": kind, "value": kind} for kind in kinds]
    return dbc.Row([
        dbc.Col([dbc.Label(_("Who"), html_for="admin-audit-actor"),
                 dbc.Select(id="admin-audit-actor", options=people_options, value=actor or "")], md=3),
        dbc.Col([dbc.Label(_("Event"), html_for="admin-audit-kind"),
                 dbc.Select(id="admin-audit-kind", options=kind_options, value=action or "")], md=3),
        dbc.Col([dbc.Label(_("From (UTC)"), html_for="admin-audit-from"),
                 dbc.Input(id="admin-audit-from", type="date", value=start or "", debounce=True)], md=3),
        dbc.Col([dbc.Label(_("To (UTC)"), html_for="admin-audit-to"),
                 dbc.Input(id="admin-audit-to", type="date", value=end or "", debounce=True)], md=3),
    ], className="g-2 mb-3")


def _detail_text(detail: dict) -> str:
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else ""
    return text if len(text) <= DETAIL_LENGTH else text[:DETAIL_LENGTH - 1] + "…"


def _amount(value) -> str:
    return "" if value is None else format_number(value)


def make_audit_table(page, *, time_zone: str = "UTC"):
    """The newest events first; a note when more match than are shown."""
    if not page.rows:
        return html.P(_("No event matches these filters."), id="admin-audit-empty", className="text-body-secondary")
    header = html.Thead(html.Tr([html.Th(_("When")), html.Th(_("Who")), html.Th(_("Event")), html.Th(_("Order")),
                                 html.Th(_("Case")), html.Th(_("Customer")), html.Th(_("Before")),
                                 html.Th(_("After")), html.Th(_("Details"))]))
    body = html.Tbody([html.Tr([
        html.Td(format_when(row.at, time_zone), className="text-nowrap"),
        html.Td(row.actor if row.actor is not None else _("System")),
        html.Td(row.action, className="font-monospace"),
        html.Td(row.order_number or ""), html.Td(row.case_number or ""), html.Td(row.customer_name or ""),
        html.Td(_amount(row.before_amount), className="text-end"),
        html.Td(_amount(row.after_amount), className="text-end"),
        html.Td(_detail_text(row.detail), className="small font-monospace text-break"),
    ], className="admin-audit-row") for row in page.rows])
    more = html.P(_("Showing the newest {count} events; narrow the filters to see older ones.").format(
        count=format_number(len(page.rows))), className="small text-body-secondary", id="admin-audit-more") \
        if page.more else None
    return html.Div([dbc.Table([header, body], id="admin-audit-table", size="sm", striped=True, responsive=True),
                     more])


def make_permissions_table(rows) -> dbc.Table:
    """model.permissions.TABLE as it is now: one row per capability, one column per role."""
    cells: dict[str, dict[str, str]] = {}
    for role, capability, grant in rows:
        cells.setdefault(capability, {})[role] = grant
    header = html.Thead(html.Tr([html.Th(_("Capability"))] + [html.Th(role_label(role)) for role in ROLES]))
    body = html.Tbody([html.Tr([html.Td(_(CAPABILITY_LABELS[Capability(capability)]))] + [
        html.Td(_(GRANT_LABELS[Grant(by_role.get(role, Grant.NO.value))])) for role in ROLES])
        for capability, by_role in cells.items()])
    return dbc.Table([header, body], id="admin-permissions-table", size="sm", bordered=True, responsive=True)
