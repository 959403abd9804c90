"""The case workspace: header fields, thread, composer, customer and order panels, history.

User text (subjects, messages, tags, CCs) is always a plain string child, so
React escapes it: never markdown, never dangerously_allow_html.
"""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from .formatting import format_money, format_when
from .i18n import LANGUAGE_NAMES, N_, _
from .queue import CHANNEL_LABELS, PRIORITY_LABELS, STATUS_LABELS, TYPE_LABELS
from .queue_panels import format_age

KIND_LABELS = {"customer": N_("Customer"), "reply": N_("Public reply"), "note": N_("Internal note")}
ACTION_LABELS = {
    "case.create": N_("created the case"), "case.take": N_("took the case"), "case.assign": N_("assigned the case"),
    "case.reply": N_("replied"), "case.note": N_("added an internal note"),
    "case.customer": N_("logged a customer message"), "case.status": N_("changed the status"),
    "case.priority": N_("changed the priority"), "case.type": N_("changed the type"),
    "case.tags": N_("changed the tags"), "case.cc": N_("changed the CCs"),
    "case.order": N_("changed the linked order"),
}


def _options(labels: dict[str, str]) -> list[dict]:
    return [{"label": _(label), "value": code} for code, label in labels.items()]


def label(labels: dict[str, str], code: str | None) -> str:
    return _(labels.get(code, code or ""))


def make_case_not_found(number) -> html.Div:
    return html.Div([
        html.H1(_("Case not found"), className="h3"),
        html.P(_("There is no case with the number {number}.").format(number=str(number or "")[:40]),
               className="text-body-secondary"),
        dcc.Link(_("Back to the queue"), href="/", className="btn btn-primary"),
    ], id="case-not-found")


def make_fields(view, *, people, can_assign: bool, editable: bool) -> dbc.Card:
    """Status, type, priority, assignee, tags and CCs; Save applies what changed."""
    def select(id_, labels, value):
        return dbc.Select(id=id_, options=_options(labels), value=value, disabled=not editable, size="sm")

    assignee_options = [{"label": _("Unassigned"), "value": ""}] + [
        {"label": name, "value": str(i)} for i, name in people]
    rows = [
        (_("Status"), select("case-status", STATUS_LABELS, view.status)),
        (_("Type"), select("case-type", TYPE_LABELS, view.type)),
        (_("Priority"), select("case-priority", PRIORITY_LABELS, view.priority)),
        (_("Assignee"), dbc.Select(id="case-assignee", options=assignee_options,
                                   value=str(view.assignee_id or ""), disabled=not (editable and can_assign),
                                   size="sm")),
        (_("Tags"), dbc.Input(id="case-tags", value=", ".join(view.tags), disabled=not editable, size="sm",
                              maxLength=400)),
        (_("CC"), dbc.Input(id="case-cc", value=view.cc or "", disabled=not editable, size="sm", maxLength=1000)),
    ]
    body = [html.Div([dbc.Label(text, className="small mb-0"), control], className="mb-2") for text, control in rows]
    body.append(dbc.Button(_("Save changes"), id="case-save", color="primary", size="sm", disabled=not editable,
                           className="w-100"))
    return dbc.Card([dbc.CardHeader(_("Details")), dbc.CardBody(body)], className="mb-3")


def make_message(message, *, time_zone: str) -> html.Div:
    who = message.author or (_("Customer") if message.kind == "customer" else _("System"))
    return html.Div([
        html.Div([html.Span(label(KIND_LABELS, message.kind), className="badge text-bg-light me-2 case-kind"),
                  html.Span(who, className="fw-semibold me-2"),
                  html.Span(format_when(message.created_at, time_zone), className="small text-body-secondary")],
                 className="mb-1"),
        html.P(message.body, className="case-message-body"),
    ], className=f"case-message case-message-{message.kind}", id=f"case-message-{message.id}")


def make_thread(view, *, time_zone: str) -> html.Div:
    if not view.messages:
        return html.Div(html.P(_("No messages yet."), className="text-body-secondary"), id="case-thread")
    return html.Div([make_message(m, time_zone=time_zone) for m in view.messages],
                    id="case-thread", className="case-thread")


def make_composer(*, editable: bool, language: str | None = None) -> dbc.Card:
    """Public reply or internal note; says which language the customer reads, to reply in it."""
    language_line = html.Div(
        _("Customer's language: {language}").format(language=LANGUAGE_NAMES.get(language, language)),
        id="case-compose-language", className="small text-body-secondary mb-2") if language else None
    return dbc.Card(dbc.CardBody([
        language_line,
        dbc.RadioItems(id="case-compose-kind", inline=True, value="reply", className="mb-2",
                       options=[{"label": _("Public reply"), "value": "reply"},
                                {"label": _("Internal note"), "value": "note"}]),
        dbc.Textarea(id="case-compose-body", rows=4, maxLength=20_000, disabled=not editable,
                     placeholder=_("Write to the customer, or a note for your team…")),
        html.Div(id="case-compose-error", className="invalid-feedback d-block"),
        dbc.Button(_("Send"), id="case-send", color="primary", className="mt-2", disabled=not editable),
    ]), className="mt-3")


def _after_creation(view, when) -> str:
    return _("{time} after it came in").format(time=format_age(when - view.created_at))


def make_sla_card(view, *, time_zone: str) -> dbc.Card:
    """The times SLA figures are made of: due, first response and resolution, each with how long it took."""
    rows = [(_("Created"), format_when(view.created_at, time_zone), None, "case-sla-created")]
    if view.due_at is not None:
        rows.append((_("SLA due"), format_when(view.due_at, time_zone), None, "case-sla-due"))
    if view.first_response_at is not None:
        rows.append((_("First response"), format_when(view.first_response_at, time_zone),
                     _after_creation(view, view.first_response_at), "case-sla-first-response"))
    else:
        rows.append((_("First response"), _("not yet"), None, "case-sla-first-response"))
    if view.resolved_at is not None:
        late = view.due_at is not None and view.resolved_at > view.due_at
        verdict = _("after the SLA due time") if late else _("within the SLA")
        rows.append((_("Resolved"), format_when(view.resolved_at, time_zone),
                     f"{_after_creation(view, view.resolved_at)}, {verdict}", "case-sla-resolved"))
    body = [html.Div([html.Div(name, className="small text-body-secondary"),
                      html.Div(value, className="small fw-semibold"),
                      html.Div(detail, className="small") if detail else None], id=id_, className="mb-2")
            for name, value, detail, id_ in rows]
    return dbc.Card([dbc.CardHeader(_("SLA times")), dbc.CardBody(body, id="case-sla")], className="mb-3")


def make_order_panel(view, *, orders, time_zone: str, editable: bool) -> dbc.Card | None:
    """The linked order, and for a case with a customer the choice of another of their orders."""
    if view.customer is None and view.order is None:
        return None
    body = []
    if view.order is not None:
        o = view.order
        body += [
            dcc.Link(o.number, href=f"/orders/{o.number}", id="case-order-link", className="fw-semibold"),
            html.Div(o.status, className="small"),
            html.Div(format_money(o.grand_total, o.currency), className="small"),
            html.Div(format_when(o.placed_at, time_zone), className="small text-body-secondary"),
        ]
    else:
        body.append(html.Div(_("No order linked."), id="case-order-none", className="small text-body-secondary"))
    if view.customer is not None and editable:
        options = [{"label": f"{number} · {format_when(placed, time_zone)}", "value": order_id}
                   for order_id, number, placed in orders]
        body.append(html.Div([
            dcc.Dropdown(id="case-order-choice", options=options, value=view.order.id if view.order else None,
                         placeholder=_("One of {name}'s orders").format(name=view.customer.name),
                         className="mb-2"),
            dbc.Button(_("Change order") if view.order else _("Link order"), id="case-order-save", size="sm",
                       color="secondary", outline=True, className="w-100"),
        ], className="mt-2"))
    return dbc.Card([dbc.CardHeader(_("Order")), dbc.CardBody(body)], className="mb-3")


def make_side_panels(view, *, time_zone: str, orders=(), editable: bool = False) -> list:
    panels = []
    if view.customer is not None:
        c = view.customer
        panels.append(dbc.Card([dbc.CardHeader(_("Customer")), dbc.CardBody([
            html.Div(c.name, className="fw-semibold", id="case-customer-name"),
            html.Div(c.email or "", className="small"),
            html.Div(_("{orders} orders · {cases} open cases").format(orders=c.orders, cases=c.open_cases),
                     className="small text-body-secondary"),
            dcc.Link(_("Customer 360"), href=f"/customers/{c.id}", id="case-customer-link", className="small"),
        ])], className="mb-3"))
    order = make_order_panel(view, orders=orders, time_zone=time_zone, editable=editable)
    return [*panels, order] if order is not None else panels


def make_history(view, *, time_zone: str) -> dbc.Card:
    items = [html.Li([html.Span(format_when(h.at, time_zone), className="text-body-secondary me-2"),
                      html.Span(h.actor or _("System"), className="fw-semibold me-1"),
                      html.Span(label(ACTION_LABELS, h.action))]) for h in view.history]
    return dbc.Card([dbc.CardHeader(_("History")),
                     dbc.CardBody(html.Ul(items, className="small list-unstyled mb-0", id="case-history"))])


def make_case_header(view, *, time_zone: str, editable: bool, can_take: bool) -> html.Div:
    due = format_when(view.due_at, time_zone) if view.due_at else _("no SLA")
    buttons = [dbc.Button(_("Take"), id="case-take", size="sm", color="primary", outline=True,
                          disabled=not can_take)]
    for status, text, colour in (("resolved", N_("Resolve"), "success"), ("closed", N_("Close"), "secondary"),
                                 ("open", N_("Reopen"), "warning")):
        buttons.append(dbc.Button(_(text), id={"type": "case-set-status", "status": status}, size="sm",
                                  color=colour, outline=True, disabled=not editable or view.status == status))
    return html.Div([
        html.Div([html.H1([html.Span(view.number, id="case-number", className="me-2"),
                           html.Span(view.subject, id="case-subject")], className="h4 mb-1"),
                  html.Div([dbc.Badge(label(STATUS_LABELS, view.status), id="case-status-badge", className="me-2"),
                            html.Span(label(CHANNEL_LABELS, view.channel), className="me-2"),
                            html.Span(_("SLA due {when}").format(when=due), className="small")])]),
        html.Div(buttons, className="d-flex gap-2"),
    ], className="d-flex justify-content-between align-items-start flex-wrap gap-2 mb-3")


def make_case_body(view, *, user, people, can_assign: bool, orders=()) -> html.Div:
    """Everything that changes after an action (the composer stays outside).
    `orders`: the customer's orders (id, number, placed at) the case can be linked to."""
    editable = view.status != "closed"
    can_take = view.assignee_id is None and view.status in ("new", "open", "pending")
    return html.Div([
        make_case_header(view, time_zone=user.time_zone, editable=editable, can_take=can_take),
        dbc.Row([
            dbc.Col(make_thread(view, time_zone=user.time_zone), md=8),
            dbc.Col([make_fields(view, people=people, can_assign=can_assign, editable=editable),
                     make_sla_card(view, time_zone=user.time_zone),
                     *make_side_panels(view, time_zone=user.time_zone, orders=orders, editable=editable),
                     make_history(view, time_zone=user.time_zone)], md=4),
        ]),
    ])
