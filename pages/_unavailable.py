"""When the database is away or busy: a clear "try again" answer instead of a 500 or a hang.

PostgreSQL restarting, a network blip or SQLite's write lock held past the busy
timeout all surface as SQLAlchemy errors from whatever the request was doing
(loading the signed-in user, a callback's query, an action's commit). Each is
answered 503 with `Retry-After` and a sentence in the reader's language: JSON
`{"error": …}` for Dash's requests (assets/try-again.js shows it on the page),
a small page otherwise. Nothing is half-written: the transaction that failed
was rolled back, and an action confirmed again from the same form carries the
same idempotency key, so it is carried out once. The pool's pre-ping replaces
dead connections on the next checkout, so the app recovers by itself once the
database is back.
"""
from __future__ import annotations

import html
import logging

import flask
from sqlalchemy import exc as sa_exc

from components.i18n import SUPPORTED_LANGUAGES, _, use_language

log = logging.getLogger(__name__)

UNAVAILABLE_ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)
BUSY_WORDS = ("database is locked", "database is busy", "database table is locked", "queuepool limit",
              "statement timeout", "lock timeout")
# SQLite reports its outages and the app's own mistakes ("no such table") with one exception class.
SQLITE_OUTAGE_WORDS = ("unable to open database file", "disk i/o error")
PAGE = """<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="stylesheet" href="/assets/00-bootstrap-5.3.6.min.css"></head>
<body class="container py-5"><div class="alert alert-warning" role="alert" id="app-unavailable">{message}</div>
<a href="" class="btn btn-primary">{again}</a></body></html>"""


def outage(error: Exception) -> str | None:
    """"busy" (SQLite's lock held too long, every pooled connection in use, a statement timed out),
    "unavailable" (no connection), or None: not an outage but a fault of the app (a 500)."""
    original = getattr(error, "orig", None)
    text = str(original if original is not None else error).lower()
    if isinstance(error, sa_exc.TimeoutError) or any(word in text for word in BUSY_WORDS):
        return "busy"
    if original is not None and type(original).__module__.startswith("sqlite3"):
        return "unavailable" if any(word in text for word in SQLITE_OUTAGE_WORDS) else None
    return "unavailable"  # the server's driver: OperationalError/InterfaceError are about the connection


def database_unavailable(error: Exception):
    kind = outage(error)
    if kind is None:
        raise error  # Flask answers 500 and logs it, as for any other fault
    busy = kind == "busy"
    log.warning("database %s: %s", "busy" if busy else "unavailable", str(error).splitlines()[0])
    # The signed-in person's language would need the database: the browser's will do.
    language = flask.request.accept_languages.best_match(SUPPORTED_LANGUAGES) or "en"
    with use_language(language):
        message = (_("The database is busy right now, so nothing was changed. Please try again in a moment.")
                   if busy else
                   _("The database cannot be reached right now, so nothing was changed. "
                     "Please try again in a moment."))
        title, again = _("Try again"), _("Try again")
    headers = {"Retry-After": "2" if busy else "5", "Cache-Control": "no-store"}
    if flask.request.path.startswith("/_"):
        return flask.jsonify(error=message, retry=True), 503, headers
    page = PAGE.format(language=language, title=html.escape(title), message=html.escape(message),
                       again=html.escape(again))
    return page, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}


def register(server: flask.Flask) -> None:
    """Answer database outages on `server` with 503 "try again" (works after its first request)."""
    # Flask's register_error_handler refuses to run once the app has served a request, and
    # create_app makes one; this is the table that method fills (app-wide, any status code).
    handlers = server.error_handler_spec.setdefault(None, {}).setdefault(None, {})
    for error_class in UNAVAILABLE_ERRORS:
        handlers[error_class] = database_unavailable
