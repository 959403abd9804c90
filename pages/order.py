"""Order summary: totals, lines, shipments, changes, returns, timeline and the Actions panel."""
from __future__ import annotations

import uuid

import dash
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components.feedback import make_not_found
from components.i18n import N_, _, page_title
from components.order import make_case_banner, make_order_sections
from components.order_compare import make_compare_table
from components.order_actions import (
    ACTION_LABELS, REASON_LISTS, action_label, make_action_form, make_action_modal, make_note, make_preview,
    make_toast,
)
from model.actions import ActionError
from model.entities import OrderSummary, User
from model.policy import CONDITIONS, current_policy
from model.queries.cases import case_view
from model.queries.orders import action_states, load_order, pending_approvals, timeline

from pages import _order_actions as order_actions
from pages import _order_compare as order_compare
from pages._db import read_session, transaction
from pages._guard import can, current_user_record, require_order_action
from pages._inputs import STALE_PAGE, as_dict, as_id, as_index, as_list_of_dicts, as_text

dash.register_page(__name__, path_template="/orders/<number>", title=page_title(N_("Order")))

QTY = {"type": "order-qty", "line": ALL}
AMOUNT = {"type": "order-amount", "line": ALL}
FIELD = {"type": "order-field", "name": ALL}
COMPARE_QTY = {"type": "order-compare-qty", "line": ALL}


def layout(number=None, case=None, **_query):
    """`?case=CS-…` (from the case workspace) names the case this order is worked on for."""
    user = current_user_record()
    if user is None:
        return html.Div()
    with read_session() as s:
        order = load_order(s, number) if number else None
        if order is None:
            return make_not_found(id="order-not-found")
        sections = render_sections(s, order, user)
        linked = case_view(s, case) if case else None
        view = {"order_id": order.id, "number": order.number}
        if linked is not None and linked.order is not None and linked.order.id == order.id:
            view.update(case_id=linked.id, case_number=linked.number)
            banner = make_case_banner(linked.number, linked.subject)
        else:
            banner = make_case_banner(str(case)[:40], None) if case else None
    return html.Div([
        dcc.Store(id="order-view", data=view), dcc.Store(id="order-action-request"), banner,
        html.Div(id="order-toast"), html.Div(sections, id="order-sections"), make_action_modal(),
    ], id="order-page")


def render_sections(s, order, user):
    return make_order_sections(order, states=action_states(s, order), entries=timeline(s, order),
                               pending=pending_approvals(s, order.id), time_zone=user.time_zone,
                               can_approve=can(user, "approve"))


def _return_order(order, target):
    return next((ro for ro in order.return_orders if ro.id == target), None)


def _order_view(view) -> dict | None:
    """The order-view store as layout() wrote it (an order id and its number), else None."""
    view = as_dict(view)
    if view is None or as_id(view.get("order_id")) is None or not as_text(view.get("number"), max_len=40):
        return None
    return view


def _action_request(request) -> dict | None:
    """The order-action-request store as open_action wrote it (one of the panel's actions), else None."""
    request = as_dict(request)
    if request is None or as_text(request.get("action")) not in ACTION_LABELS:
        return None
    return request


@callback(Output("order-action-modal", "is_open"), Output("order-action-title", "children"),
          Output("order-action-body", "children"), Output("order-action-request", "data"),
          Output("order-action-preview", "children", allow_duplicate=True),
          Output("order-action-confirm", "disabled", allow_duplicate=True),
          Input({"type": "order-action", "action": ALL, "target": ALL}, "n_clicks"),
          Input("order-action-dismiss", "n_clicks"), State("order-view", "data"), prevent_initial_call=True)
def open_action(_clicks, _dismiss, view):
    """Build the form from the order as it is now, with a fresh idempotency key."""
    require_order_action()
    trigger = ctx.triggered_id
    if trigger == "order-action-dismiss":
        return False, no_update, no_update, None, None, True
    view = _order_view(view)
    # Re-rendered sections bring new buttons with n_clicks 0: that is not a click.
    if not isinstance(trigger, dict) or not ctx.triggered or not ctx.triggered[0]["value"] or view is None:
        return (no_update,) * 6
    action, target = as_text(trigger.get("action")), trigger.get("target")
    if action not in ACTION_LABELS:
        return (no_update,) * 6
    with read_session() as s:
        order = load_order(s, view["order_id"])
        if order is None:
            return (no_update,) * 6
        return_order = _return_order(order, target)
        if return_order is None and action in order_actions.RETURN_ORDER_ACTIONS:
            return (no_update,) * 6  # receive and close act on one of this order's return orders only
        lines_open = order_actions.available(order, action, return_order)
        reasons = current_policy().reasons_for(REASON_LISTS[action]) if action in REASON_LISTS else ()
        body = make_action_form(action, order, available=lines_open, reasons=reasons, conditions=CONDITIONS,
                                return_order=return_order)
        request = {"action": action, "target": target, "key": f"ui-{uuid.uuid4().hex}",
                   "received": {str(rl.line_id): rl.received for rl in return_order.lines} if return_order else None}
        # Read while the session is open: its end expires what it loaded.
        title = action_label(action) + f" · {return_order.number if return_order else view['number']}"
    # Closing has no inputs to change, so its preview is shown right away.
    initial = dry_run_shown(request, view, {}, {}, {}) if action == "close_return" else None
    return True, title, body, request, initial, action != "close_return" or _blocked(initial)


def _collect(pattern_list) -> dict | None:
    """{id key: value} from a pattern-matching ALL input/state list; None when an id is not the form's
    (a line id that is no number, a field name that is no text): the form is then refused as a whole."""
    items = as_list_of_dicts([] if pattern_list is None else pattern_list)
    if items is None:
        return None
    out = {}
    for item in items:
        ident = as_dict(item.get("id")) or {}
        key = as_index(ident["line"]) if "line" in ident else as_text(ident.get("name"))
        if key is None:
            return None
        out[key] = item.get("value")
    return out


def _collect_all(pattern_lists) -> list[dict] | None:
    """Quantities, amounts and fields of the form, each collected; None if any is not the form's."""
    collected = [_collect(items) for items in pattern_lists[:3]]
    return None if None in collected else collected


def _request(request: dict, view: dict, quantities, amounts, fields) -> order_actions.Request:
    return order_actions.Request(action=request["action"], order_id=view["order_id"],
                                 target=request.get("target") or 0, quantities=quantities, amounts=amounts,
                                 fields=fields)


def _preview_for(s, request, view, quantities, amounts, fields):
    # The browser hands over a blank for a number outside min/max or not a number at all.
    if any(value is None for value in quantities.values()):
        return make_note(_("Enter a whole number from 0 to the units available on each line."),
                         color="warning", id="order-preview-error")
    actor = s.get(User, current_user_record().id)
    submission = _request(request, view, quantities, amounts, fields)
    try:
        preview = order_actions.dry_run(s, submission, actor)
    except ActionError as error:  # the request itself is refused (order_actions.check_request)
        return make_note(_(str(error)), color="warning", id="order-preview-error")
    if preview is None:
        if not submission.lines:
            return make_note(_("Enter the units for at least one line."), color="warning")
        return make_note(_("No money moves with this step."))
    return make_preview(preview, action=request["action"])


@callback(Output("order-action-preview", "children"), Output("order-action-confirm", "disabled"),
          Input(QTY, "value"), Input(AMOUNT, "value"), Input(FIELD, "value"),
          State("order-action-request", "data"), State("order-view", "data"), prevent_initial_call=True)
def show_preview(_quantities, _amounts, _fields, request, view):
    """The dry run through the same code as the action, on every change of the form."""
    require_order_action()
    request, view, form = _action_request(request), _order_view(view), _collect_all(ctx.inputs_list)
    if request is None or view is None or form is None:
        return no_update, True
    shown = dry_run_shown(request, view, *form)
    return shown, _blocked(shown)


def dry_run_shown(request, view, quantities, amounts, fields):
    """The preview component, from a writing transaction that is always rolled back."""
    return rolled_back(lambda s: _preview_for(s, request, view, quantities, amounts, fields))


def rolled_back(build):
    """`build(session)` in a writing transaction that is always rolled back, whatever it touched."""
    try:
        with transaction() as s:
            raise _DryRunDone(build(s))
    except _DryRunDone as done:
        return done.shown


def _blocked(shown) -> bool:
    return shown is None or getattr(shown, "color", "") == "warning"


class _DryRunDone(Exception):
    """Leaves the dry run's transaction by rolling it back, whatever it touched."""

    def __init__(self, shown):
        super().__init__("dry run")
        self.shown = shown


@callback(Output("order-toast", "children"), Output("order-sections", "children"),
          Output("order-action-modal", "is_open", allow_duplicate=True),
          Output("order-action-preview", "children", allow_duplicate=True),
          Input("order-action-confirm", "n_clicks"),
          State(QTY, "value"), State(AMOUNT, "value"), State(FIELD, "value"),
          State("order-action-request", "data"), State("order-view", "data"), prevent_initial_call=True)
def confirm_action(n_clicks, _quantities, _amounts, _fields, request, view):
    """Run the action once (the key makes a double click a replay), then show the new state."""
    user = require_order_action(as_text(request.get("action")) if isinstance(request, dict) else None)
    if not n_clicks or not request or not view:
        return (no_update,) * 4
    request, view, form = _action_request(request), _order_view(view), _collect_all(ctx.states_list)
    if request is None or view is None or form is None or not as_text(request.get("key")):
        stale = _(STALE_PAGE)
        return make_toast(stale, kind="danger"), no_update, True, make_note(stale, color="warning")
    submission = _request(request, view, *form)
    try:
        with transaction() as s:
            actor = s.get(User, user.id)
            result = order_actions.run(s, submission, actor, key=request["key"],
                                       expected_received=request.get("received"), case_id=view.get("case_id"))
            currency = s.get(OrderSummary, view["order_id"]).currency
            message, kind = order_actions.outcome_message(result, submission, currency)
    except ActionError as error:
        return make_toast(_(str(error)), kind="danger"), no_update, True, make_note(_(str(error)), color="warning")
    with read_session() as s:
        order = load_order(s, view["order_id"])
        sections = render_sections(s, order, user)
    return make_toast(message, kind=kind), sections, False, None


@callback(Output("order-compare-result", "children"), Input("order-compare-run", "n_clicks"),
          State(COMPARE_QTY, "value"), State("order-compare-percent", "value"), State("order-view", "data"),
          prevent_initial_call=True)
def compare_resolutions(n_clicks, _quantities, percent, view):
    """Each action's dry run for the units the customer complains about, side by side."""
    user = require_order_action()
    view, quantities = _order_view(view), _collect(ctx.states_list[0])
    if not n_clicks or view is None or quantities is None:
        return no_update

    def build(s):
        actor = s.get(User, user.id)
        try:
            outcomes = order_compare.compare(s, view["order_id"], quantities, percent, actor)
        except order_compare.CompareInputError as error:
            return make_note(_(str(error)), color="warning", id="order-compare-error")
        currency = s.get(OrderSummary, view["order_id"]).currency
        return make_compare_table(outcomes, currency=currency)
    return rolled_back(build)
