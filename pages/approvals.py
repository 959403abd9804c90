"""Approvals: refunds above the threshold that wait for a manager (DESIGN: Approval).

Roles holding the `approve` capability (managers, admins) only: others get
"not allowed", and every callback calls `require("approve")` so a request
that skips the UI is refused too. The model re-validates an approved action
against the order as it is then.
"""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components.approvals import make_approvals_list, make_decision_modal, make_decision_summary
from components.feedback import make_forbidden, make_toast
from components.i18n import N_, _, page_title
from components.order_actions import REQUESTED_ACTIONS, make_note
from model import permissions
from model.actions import ActionError, approve_action, reject_action
from model.entities import User
from model.queries.approvals import pending_approvals, pending_request

from pages import _order_actions as order_actions
from pages._db import read_session, transaction
from pages._guard import can, current_user_record, require
from pages._inputs import as_id

ROLES = permissions.roles_with("approve")  # for the navbar link

dash.register_page(__name__, path="/approvals", name=N_("Approvals"), title=page_title(N_("Approvals")),
                   order=10, nav=True, roles=ROLES)

DECIDE = {"type": "approvals-decide", "decision": ALL, "request": ALL}


def layout(**_query):
    user = current_user_record()
    if user is None:
        return html.Div()
    if not can(user, "approve"):
        return make_forbidden(id="approvals-forbidden")
    return html.Div([
        html.H1(_("Approvals"), className="h4 mb-1", id="approvals-title"),
        html.P(_("Refunds above the approval threshold wait here. Approving runs the action now, checked again "
                 "against the order as it is."), className="text-body-secondary small"),
        html.Div(id="approvals-toast"), html.Div(render_list(user), id="approvals-list"),
        make_decision_modal(), dcc.Store(id="approvals-decision"),
    ], id="approvals-page")


def render_list(user):
    with read_session() as s:
        return make_approvals_list(pending_approvals(s), time_zone=user.time_zone)


@callback(Output("approvals-modal", "is_open"), Output("approvals-modal-title", "children"),
          Output("approvals-modal-summary", "children"), Output("approvals-note-label", "children"),
          Output("approvals-note-group", "hidden"), Output("approvals-note", "value"),
          Output("approvals-error", "children"), Output("approvals-decision", "data"),
          Input(DECIDE, "n_clicks"), Input("approvals-dismiss", "n_clicks"), prevent_initial_call=True)
def open_decision(_clicks, _dismiss):
    """The dialog for one request: approving takes an optional note, rejecting needs a reason."""
    require("approve")
    trigger = ctx.triggered_id
    if trigger == "approvals-dismiss":
        return False, no_update, no_update, no_update, no_update, "", None, None
    # A re-rendered list brings new buttons with n_clicks 0: that is not a click.
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"]:
        return (no_update,) * 8
    decision, request_id = trigger.get("decision"), trigger.get("request")
    if decision not in ("approve", "reject"):
        return (no_update,) * 8
    with read_session() as s:
        row = pending_request(s, request_id)
    if row is None:
        summary = make_note(_("This request is no longer waiting: another manager decided it."), color="warning",
                            id="approvals-gone")
    else:
        summary = make_decision_summary(row)
    if decision == "approve":
        title, note_label = _("Approve request #{id}").format(id=request_id), _("Note (optional)")
    else:
        title, note_label = _("Reject request #{id}").format(id=request_id), _("Why is it rejected? (required)")
    return True, title, summary, note_label, False, "", None, {
        "decision": decision, "request": request_id}


@callback(Output("approvals-toast", "children"), Output("approvals-list", "children"),
          Output("approvals-modal", "is_open", allow_duplicate=True),
          Output("approvals-error", "children", allow_duplicate=True),
          Input("approvals-confirm", "n_clicks"), State("approvals-decision", "data"), State("approvals-note", "value"),
          prevent_initial_call=True)
def decide(n_clicks, decision, note):
    """Approve (the action runs now) or reject (nothing moves); then the list shows what is left."""
    user = require("approve")
    if not n_clicks or not isinstance(decision, dict) or decision.get("decision") not in ("approve", "reject"):
        return (no_update,) * 4
    request_id = as_id(decision.get("request"))
    if request_id is None:  # no request can have this id (the model says the same)
        return no_update, no_update, True, make_note(_("Choose an approval request."), color="danger",
                                                     id="approvals-refused")
    try:
        with transaction() as s:
            row = pending_request(s, request_id)
            actor = s.get(User, user.id)
            if decision["decision"] == "reject":
                reject_action(s, request_id, actor=actor, reason=note if isinstance(note, str) else "")
                message = _("Rejected request #{id}: nothing was refunded.").format(id=request_id)
            else:
                result = approve_action(s, request_id, actor=actor,
                                        note=note if isinstance(note, str) and note.strip() else None)
                submission = order_actions.Request(action=REQUESTED_ACTIONS.get(row.action, row.action),
                                                   order_id=row.order_id)
                outcome, _kind = order_actions.outcome_message(result, submission, row.currency)
                message = _("Approved request #{id} on order {number}: {outcome}").format(
                    id=request_id, number=row.order_number, outcome=outcome)
    except ActionError as error:
        return no_update, render_list(user), True, make_note(_(str(error)), color="danger", id="approvals-refused")
    return make_toast(message, id="approvals-toast-message"), render_list(user), False, None
