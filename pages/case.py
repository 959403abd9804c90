"""Case workspace (`/cases/<number>`): thread, composer, fields, customer and order panels."""
from __future__ import annotations

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components.case import make_case_body, make_case_not_found, make_composer
from components.feedback import make_toast
from components.i18n import N_, _, page_title
from model.actions import (
    ActionError, add_case_message, assign_case, link_case_order, set_case_fields, set_case_status, take_case,
)
from model.entities import User
from model.queries import cases as case_queries
from model.queries.queue import forget_counts

from pages._db import read_session, transaction
from pages._guard import current_user_record, has_role, require
from pages._inputs import STALE_PAGE, as_choice_id, as_dict, as_id, as_text

dash.register_page(__name__, path_template="/cases/<number>", title=page_title(N_("Case")))

ASSIGNER_ROLES = ("lead", "manager", "admin")


def _body(number, user):
    with read_session() as s:
        view = case_queries.case_view(s, number)
        people = case_queries.assignable_users(s) if view else []
        orders = case_queries.customer_orders(s, view.customer.id) if view and view.customer else []
    if view is None:
        return None, None
    return view, make_case_body(view, user=user, people=people, can_assign=has_role(user, *ASSIGNER_ROLES),
                                orders=orders)


def layout(number=None, **_query):
    user = current_user_record()
    if user is None:
        return html.Div()
    view, body = _body(number, user)
    if view is None:
        return make_case_not_found(number)
    return html.Div([
        dcc.Store(id="case-ref", data={"id": view.id, "number": view.number}),
        html.Div(body, id="case-body"),
        dash.html.Div(make_composer(editable=view.status != "closed", language=view.language),
                      className="col-md-8"),
        html.Div(id="case-toast"),
    ], id="case-page")


def _case_ref(ref) -> tuple[int, str] | None:
    """(id, number) of the case the page shows, from its case-ref store; None for a store that is not one."""
    ref = as_dict(ref) or {}
    case_id, number = as_id(ref.get("id")), as_text(ref.get("number"), max_len=40)
    return (case_id, number) if case_id is not None and number else None


def _act(ref, work, success: str):
    """Run `work(session, actor, case_id)` in a transaction; a toast and the fresh body either way."""
    user = require("take")
    case = _case_ref(ref)
    if case is None:
        return make_toast(_(STALE_PAGE), kind="danger"), no_update
    case_id, number = case
    try:
        with transaction() as s:
            work(s, s.get(User, user.id), case_id)
    except ActionError as refused:
        toast = make_toast(_(str(refused)), kind="danger")
    else:
        forget_counts()
        toast = make_toast(success)
    _view, body = _body(number, user)
    return toast, body if body is not None else no_update


@callback(Output("case-toast", "children"), Output("case-body", "children"),
          Input("case-save", "n_clicks"),
          State("case-ref", "data"), State("case-status", "value"), State("case-type", "value"),
          State("case-priority", "value"), State("case-assignee", "value"), State("case-tags", "value"),
          State("case-cc", "value"), prevent_initial_call=True)
def save_fields(_clicks, ref, status, case_type, priority, assignee, tags, cc):
    user = require("take")

    def work(s, actor, case_id):
        words = [as_text("" if value is None else value) for value in (tags, cc)]
        if None in words:
            raise ActionError(_("Tags and CC must be text."))
        try:
            wanted = as_choice_id(assignee)
        except ValueError:
            raise ActionError(_("Choose a person from the list.")) from None
        tag_text, cc_text = words
        case = set_case_fields(s, case_id, actor=actor, priority=priority, type=case_type,
                               tags=tag_text.split(","), cc=cc_text, clear_cc=not cc_text.strip())
        if status and status != case.status:
            set_case_status(s, case_id, status, actor=actor)
        if wanted != case.assignee_id:
            if not has_role(user, *ASSIGNER_ROLES):
                raise ActionError(_("Only a lead, a manager or an admin can assign cases; use Take instead."))
            assign_case(s, case_id, wanted, actor=actor)

    return _act(ref, work, _("Changes saved."))


@callback(Output("case-toast", "children", allow_duplicate=True),
          Output("case-body", "children", allow_duplicate=True),
          Output("case-compose-body", "value"), Output("case-compose-error", "children"),
          Input("case-send", "n_clicks"), State("case-ref", "data"), State("case-compose-kind", "value"),
          State("case-compose-body", "value"), prevent_initial_call=True)
def send_message(_clicks, ref, kind, body):
    require("take")
    if body is not None and as_text(body) is None:
        return no_update, no_update, no_update, _("The message must be text.")
    if not (body or "").strip():
        return no_update, no_update, no_update, _("Write a message; it cannot be empty.")
    if kind not in ("reply", "note"):
        return no_update, no_update, no_update, _("Choose public reply or internal note.")
    success = _("Reply sent.") if kind == "reply" else _("Note added.")
    toast, fresh = _act(ref, lambda s, actor, case_id: add_case_message(s, case_id, body=body, kind=kind,
                                                                         actor=actor), success)
    sent = toast.icon == "success"
    return toast, fresh, "" if sent else no_update, ""


@callback(Output("case-toast", "children", allow_duplicate=True),
          Output("case-body", "children", allow_duplicate=True),
          Input("case-take", "n_clicks"), Input({"type": "case-set-status", "status": ALL}, "n_clicks"),
          State("case-ref", "data"), prevent_initial_call=True)
def take_or_set_status(_take, _status_clicks, ref):
    require("take")
    if not ctx.triggered or not any(t["value"] for t in ctx.triggered):
        return no_update, no_update  # a re-render, not a click
    if ctx.triggered_id == "case-take":
        return _act(ref, lambda s, actor, case_id: take_case(s, case_id, actor=actor), _("The case is yours now."))
    status = ctx.triggered_id.get("status") if isinstance(ctx.triggered_id, dict) else None
    return _act(ref, lambda s, actor, case_id: set_case_status(s, case_id, status, actor=actor),
                _("Status changed."))


@callback(Output("case-toast", "children", allow_duplicate=True),
          Output("case-body", "children", allow_duplicate=True),
          Input("case-order-save", "n_clicks"), State("case-ref", "data"), State("case-order-choice", "value"),
          prevent_initial_call=True)
def link_order(clicks, ref, order_id):
    """Link one of the customer's orders (the model refuses anyone else's), change it, or clear it."""
    require("take")
    if not clicks:
        return no_update, no_update  # the button was re-rendered, not clicked
    if order_id is not None and (not isinstance(order_id, int) or isinstance(order_id, bool)):
        return make_toast(_("Choose one of the customer's orders."), kind="danger"), no_update
    return _act(ref, lambda s, actor, case_id: link_case_order(s, case_id, order_id, actor=actor),
                _("Linked order changed."))
