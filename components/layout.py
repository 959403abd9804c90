"""The frame around every page: navbar and main area."""
from __future__ import annotations

from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import dcc, html

from .i18n import DEFAULT_LANGUAGE, N_, _, language_options

APP_NAME = "Service Desk Ops"

ROLE_LABELS = {
    "agent": N_("Agent"),
    "lead": N_("Lead"),
    "manager": N_("Manager"),
    "admin": N_("Admin"),
}


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


def role_label(role: str) -> str:
    return _(ROLE_LABELS.get(role, role))


def make_language_switch(language: str) -> html.Div:
    """en / 日本語 / español; choosing one saves it on the user and reloads the page (pages/_language.py)."""
    return html.Div(
        [
            dbc.Select(id="app-language", options=language_options(), value=language or DEFAULT_LANGUAGE,
                       size="sm", className="app-language"),
            dcc.Store(id="app-language-saved"),
        ],
        title=_("Language"),
        className="me-3",
    )


def make_navbar(items: list[NavItem], *, display_name: str | None, role: str | None,
                logout_href: str = "/logout", language: str | None = None) -> dbc.Navbar:
    """Brand, one link per page, the language, and who is signed in with a Logout link.

    Without a display name (nobody signed in) only the brand shows.
    """
    links = [
        dbc.NavItem(dbc.NavLink(item.label, href=item.href, active="exact",
                                id={"type": "app-nav-link", "href": item.href}))
        for item in items
    ]
    right = []
    if display_name is not None:
        right = [
            make_language_switch(language or DEFAULT_LANGUAGE),
            html.Span(
                [
                    html.Span(display_name, id="app-user-name", className="fw-semibold"),
                    " ",
                    dbc.Badge(role_label(role or ""), id="app-user-role", color="secondary",
                              className="app-user-role ms-1"),
                ],
                className="app-user navbar-text me-3",
            ),
            # A full page load, not client-side routing: /logout is a Flask route.
            dbc.Button(_("Log out"), id="app-logout", href=logout_href, external_link=True,
                       color="light", outline=True, size="sm"),
        ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(APP_NAME, href="/", id="app-brand"),
                dbc.Nav(links, id="app-nav", navbar=True, className="me-auto"),
                html.Div(right, className="d-flex align-items-center"),
            ],
            fluid=True,
        ),
        id="app-navbar",
        color="dark",
        dark=True,
        className="mb-0",
    )


def make_shell(navbar, content) -> html.Div:
    """Navbar above the page content."""
    return html.Div(
        [navbar, html.Main(dbc.Container(content, fluid=True), className="app-main", id="app-main")],
        id="app-shell",
    )
