"""The navbar's language switch: saved on the user, then the page is built again.

Registered on each app by `create_app` (`register(app)`), not with
`@dash.callback`, so every app built in one process (tests) gets its own.
"""
from __future__ import annotations

import dash
from dash import Input, Output
from dash.exceptions import PreventUpdate
from sqlalchemy import update

from components.i18n import normalize_language
from model.entities import User

from pages._db import transaction
from pages._guard import require

# A full reload: the navbar and the page are built per request, now in the new language.
RELOAD = """
function (language) {
    if (language) { window.location.reload(); }
    return window.dash_clientside.no_update;
}
"""


def save_language(language: str | None) -> str:
    """Store `language` as the signed-in user's language; the next request renders in it."""
    user = require()
    chosen = normalize_language(language)
    if chosen is None:
        raise PreventUpdate
    if chosen != user.language:
        with transaction() as s:
            s.execute(update(User).where(User.id == user.id).values(language=chosen))
    return chosen


def register(app: dash.Dash) -> None:
    app.callback(Output("app-language-saved", "data"), Input("app-language", "value"),
                 prevent_initial_call=True)(save_language)
    app.clientside_callback(RELOAD, Output("app-language-saved", "clear_data"),
                            Input("app-language-saved", "data"), prevent_initial_call=True)
