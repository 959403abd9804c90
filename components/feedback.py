"""Messages in place of content: empty lists, unknown pages, missing rights."""
from __future__ import annotations

from dash import dcc, html

from .i18n import _


def make_empty_state(message: str, *, id: str | None = None, hint: str | None = None) -> html.Div:  # noqa: A002
    """A quiet box saying there is nothing to show (and optionally what to do)."""
    children = [html.P(message, className="lead mb-1")]
    if hint:
        children.append(html.P(hint, className="mb-0 small"))
    return html.Div(children, id=id or "empty-state", className="empty-state")


def make_not_found(*, id: str = "not-found") -> html.Div:  # noqa: A002
    """The body of the 404 page."""
    return _dead_end(_("Page not found"), _("There is no page at this address."), id=id)


def make_forbidden(*, id: str = "forbidden") -> html.Div:  # noqa: A002
    """Shown by a page whose roles do not include the signed-in person."""
    return _dead_end(_("Not allowed"), _("Your role does not give access to this page."), id=id)


def _dead_end(title: str, message: str, *, id: str) -> html.Div:  # noqa: A002
    """A heading, a sentence and the way back to the queue."""
    return html.Div(
        [
            html.H1(title, className="h3"),
            html.P(message, className="text-body-secondary"),
            dcc.Link(_("Back to the queue"), href="/", className="btn btn-primary"),
        ],
        id=id,
    )


def make_toast(message: str, *, kind: str = "success", id: str | None = None,  # noqa: A002
               header: str | None = None):
    """A short-lived notice in the corner: kind is a Bootstrap colour (success, danger, warning, info)."""
    import dash_bootstrap_components as dbc

    return dbc.Toast(message, id=id or "app-toast", header=header, icon=kind, is_open=True, dismissable=True,
                     duration=8000 if kind == "success" else 15000,
                     className=f"app-toast app-toast-{kind}",
                     style={"position": "fixed", "top": "4.5rem", "right": "1rem", "zIndex": 1080,
                            "minWidth": "20rem"})
