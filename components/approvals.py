"""The approvals page: refunds waiting for a manager, and the approve / reject dialog.

IDs: `approvals-table` (one row per request, `approvals-row-<id>`),
`{"type": "approvals-decide", "decision": "approve" | "reject", "request": id}`
for the buttons, `approvals-modal`, `approvals-note`, `approvals-confirm`,
`approvals-dismiss`, `approvals-error`.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from .feedback import make_empty_state
from .formatting import format_money, format_number, format_when
from .i18n import _, label
from .order_actions import requested_action_label


def _details(row) -> str:
    parts = []
    for what, value in row.details:
        if what == "shipping":
            parts.append(_("Shipping: {amount}").format(amount=format_money(value, row.currency)))
        elif what == "return_order":
            parts.append(str(value))
        elif row.action == "discount_items":
            parts.append(f"{what}: −{format_money(value, row.currency)}")
        else:
            parts.append(f"{what} × {value}")
    return ", ".join(parts)


def _decide_button(decision: str, request_id: int) -> dbc.Button:
    text, color = (_("Approve"), "success") if decision == "approve" else (_("Reject"), "danger")
    return dbc.Button(text, id={"type": "approvals-decide", "decision": decision, "request": request_id},
                      color=color, outline=decision == "reject", size="sm", n_clicks=0,
                      className=f"approvals-{decision}-{request_id}")


def make_approvals_list(pending, *, time_zone: str) -> html.Div:
    """The pending requests, oldest first; an empty state when there are none."""
    if not pending.rows:
        return make_empty_state(_("Nothing is waiting for approval."), id="approvals-empty",
                                hint=_("Refunds above the approval threshold that agents ask for appear here."))
    headers = [_("Order"), _("Action"), _("Refund"), _("Details"), _("Requested by"), _("Reason"), _("Requested"),
               ""]
    rows = []
    for row in pending.rows:
        reason = [label(row.reason)] if row.reason else []
        if row.note:
            reason += [html.Br(), html.Span(row.note, className="small text-body-secondary text-break")]
        rows.append(html.Tr([
            html.Td(dcc.Link(row.order_number, href=f"/orders/{row.order_number}")),
            html.Td(requested_action_label(row.action)),
            html.Td(format_money(row.amount, row.currency), className="fw-semibold approvals-amount"),
            html.Td(_details(row), className="small"),
            html.Td(row.requested_by), html.Td(reason), html.Td(format_when(row.requested_at, time_zone)),
            html.Td(html.Div([_decide_button("approve", row.id), _decide_button("reject", row.id)],
                             className="d-flex gap-1")),
        ], id=f"approvals-row-{row.id}"))
    more = None
    if pending.total > len(pending.rows):
        more = html.P(_("Showing the oldest {shown} of {total} requests.").format(
            shown=format_number(len(pending.rows)), total=format_number(pending.total)), className="small")
    return html.Div([
        dbc.Table([html.Thead(html.Tr([html.Th(h) for h in headers])), html.Tbody(rows)], id="approvals-table",
                  size="sm", striped=True, responsive=True, className="align-middle"),
        more,
    ])


def make_decision_modal() -> dbc.Modal:
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle(id="approvals-modal-title")),
        dbc.ModalBody([
            html.Div(id="approvals-modal-summary", className="mb-2"),
            html.Div([dbc.Label(id="approvals-note-label", html_for="approvals-note"),
                      dbc.Textarea(id="approvals-note", maxLength=2000, rows=3)], id="approvals-note-group"),
            html.Div(id="approvals-error", className="mt-2"),
        ]),
        dbc.ModalFooter([
            dbc.Button(_("Close"), id="approvals-dismiss", color="secondary", outline=True, n_clicks=0),
            dbc.Button(_("Confirm"), id="approvals-confirm", color="primary", n_clicks=0),
        ]),
    ], id="approvals-modal", is_open=False, backdrop="static")


def make_decision_summary(row) -> html.Div:
    """What the manager is deciding on, repeated in the dialog."""
    return html.Div([
        html.Div([html.Strong(row.order_number), " · ", requested_action_label(row.action), " · ",
                  format_money(row.amount, row.currency)]),
        html.Div(_details(row), className="small"),
        html.Div(_("Requested by {name}").format(name=row.requested_by), className="small text-body-secondary"),
    ])
