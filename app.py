"""Service Desk Ops: the Dash app shell (auth, navbar, page container).

    python app.py           # serves on HOST:PORT (default 127.0.0.1:8050)
    gunicorn app:server     # `app` and `server` are built on first access

No business logic here: pages/ hold the pages, model/ the rules. Session
state lives in signed cookies plus one row per signed-in browser in the
database (model.sessions), so any number of workers can serve the same people
as long as they share SECRET_KEY and the database.

Every request passes `_guard_request`: requests that change something must
come from this app's own origin, everything but the login form, health check
and static files needs a session, and Dash's callback requests must fit their
callback (pages/_http_guard.py). Every response gets the security headers
(CSP with the hashes of Dash's inline scripts). A callback that raises is
logged and the person told (`callback_failed`).
"""
from __future__ import annotations

import os
import secrets
import threading
from datetime import timedelta
from pathlib import Path

import dash
import flask
from dash import html
from flask_login import LoginManager, current_user
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from components.feedback import make_toast
from components.i18n import _, current_language
from components.layout import APP_NAME, NavItem, make_navbar, make_shell
from model import db as model_db
from model.sessions import Throttle
from pages import _http_guard as http_guard
from pages import _language as language_switch
from pages import login as login_page
from pages._analytics_export import register_export_route
from pages._guard import current_user_record, has_role, load_user

ROOT = Path(__file__).resolve().parent
SECRET_KEY_FILE = ROOT / "data" / ".secret_key"
STYLESHEETS = ("00-bootstrap-5.3.6.min.css", "10-app.css")  # served from assets/, no CDN
SESSION_LIFETIME = timedelta(hours=12)

# Reachable without a session: the login form, health checks and static files.
PUBLIC_PATHS = frozenset({"/login", "/logout", "/healthz", "/_favicon.ico"})
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
MAX_REQUEST_BYTES = 4 * 1024 * 1024
ERROR_SLOT, ERROR_TOAST = "app-error", "app-error-message"  # where callback_failed tells the person


def create_app(database_url: str | None = None, *, secret_key: str | None = None) -> dash.Dash:
    """A ready app on `database_url` (else DATABASE_URL, else the SQLite file).

    Connecting upgrades the schema to head. The app remembers its URL in
    `server.config["DATABASE_URL"]`, so several apps can share one process.
    """
    url = model_db.database_url(database_url)
    model_db.connect(url)

    server = flask.Flask(__name__)
    server.config.update(
        DATABASE_URL=url,
        SECRET_KEY=secret_key or os.environ.get("SECRET_KEY") or load_or_create_secret_key(SECRET_KEY_FILE),
        SESSION_COOKIE_NAME="sdo_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Forced on by the environment; otherwise set per request when it came over HTTPS.
        SESSION_COOKIE_SECURE=os.environ.get("SESSION_COOKIE_SECURE", "").lower() in ("1", "true", "yes"),
        # Signed cookies older than this are refused even if someone kept a copy.
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        LOGIN_THROTTLE=Throttle(),
        # Other origins allowed to post (e.g. "https://desk.example.com" behind a proxy that rewrites Host).
        ALLOWED_ORIGINS=frozenset(o.strip().lower().rstrip("/")
                                  for o in os.environ.get("ALLOWED_ORIGINS", "").split(",") if o.strip()),
    )
    server.session_interface = http_guard.HttpsAwareSessionInterface()
    proxies = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    if proxies > 0:  # the client's address, scheme and host as the proxies in front saw them
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    _init_auth(server)
    register_export_route(server)

    app = dash.Dash(
        __name__,
        server=server,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        title=APP_NAME,
        update_title=None,
        # Page layouts need a signed-in user: never call them all at start-up.
        suppress_callback_exceptions=True,
        on_error=callback_failed,
    )
    server.config["STYLESHEETS"] = [app.get_asset_url(name) for name in STYLESHEETS]
    app.layout = serve_layout
    language_switch.register(app)
    _bind_page_callbacks(server)
    server.extensions["dash_app"] = app  # the envelope check reads its callback map
    server.config["CONTENT_SECURITY_POLICY"] = http_guard.content_security_policy(app)
    return app


def load_or_create_secret_key(path: Path) -> str:
    """The key in `path`, created once (mode 0600) so restarts keep people signed in."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(draft, path)  # atomic: of two workers starting together, one key wins
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
    return path.read_text().strip()


def _init_auth(server: flask.Flask) -> None:
    login_manager = LoginManager()
    login_manager.init_app(server)
    login_manager.user_loader(load_user)
    server.register_blueprint(login_page.blueprint)
    server.before_request(_guard_request)
    server.after_request(http_guard.security_headers)
    server.add_url_rule("/healthz", "healthz", _healthz)


def _guard_request():
    """Cross-site requests first (403/415), then the session (401 or /login), then malformed
    callback requests (400): nobody learns the shape of the callbacks without signing in."""
    return http_guard.refuse_cross_site() or _require_login() or http_guard.refuse_bad_dash_request()


def _require_login():
    """Refuse everything but the public paths without a session.

    Dash's endpoints answer to anyone who asks, whatever the layout shows, so
    the check is here on the server: API calls get 401, pages go to /login.
    """
    path = flask.request.path
    if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES) or current_user.is_authenticated:
        return None
    if path.startswith("/_") or flask.request.method not in ("GET", "HEAD"):
        return flask.jsonify(error="Sign in first."), 401
    return flask.redirect(flask.url_for("auth.login", next=flask.request.full_path.rstrip("?")))


def _healthz():
    if model_db.ping(flask.current_app.config["DATABASE_URL"]):
        return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
    return "database unavailable", 503, {"Content-Type": "text/plain; charset=utf-8"}


def nav_items(user) -> list[NavItem]:
    """Links to the registered pages that ask for the nav and that this user may open."""
    pages = [page for page in dash.page_registry.values() if page.get("nav")]
    pages.sort(key=lambda page: (page.get("order") is None, page.get("order") or 0, page["name"]))
    return [NavItem(_(page["name"]), page["relative_path"]) for page in pages
            if not page.get("roles") or has_role(user, *page["roles"])]


def serve_layout():
    """Built per request, so the navbar shows who is signed in and their pages."""
    user = current_user_record()
    navbar = make_navbar(nav_items(user) if user else [],
                         display_name=user.display_name if user else None,
                         role=user.role if user else None,
                         language=current_language())
    return html.Div([make_shell(navbar, dash.page_container), html.Div(id=ERROR_SLOT)])


def callback_failed(error: Exception):
    """Any callback's unexpected exception: logged with its traceback, and the person is told.

    401/403 from `require` pass through. The callback's own transaction has
    already rolled back; its outputs stay as they were (no update).
    """
    if isinstance(error, HTTPException):
        raise error
    flask.current_app.logger.error("Callback %s failed", dash.ctx.outputs_list if dash.ctx else "?",
                                   exc_info=error)
    if isinstance(error, OperationalError):  # the database is away or busy (restart, lock timeout)
        message = _("The database did not answer in time. Try again in a moment.")
    else:
        message = _("This request could not be handled. Reload the page and check before trying again.")
    dash.set_props(ERROR_SLOT, {"children": make_toast(message, kind="danger", id=ERROR_TOAST)})
    return None


def _bind_page_callbacks(server: flask.Flask) -> None:
    # Dash moves the callbacks that pages declare with @dash.callback from a
    # process-wide list into an app at that app's first request. Making that
    # request now keeps each app's callbacks its own when several apps are
    # built in one process (tests), instead of the first one to serve taking all.
    server.test_client().get("/healthz")


_lazy_lock = threading.Lock()


def __getattr__(name: str):
    """`app` and `server` for WSGI servers, built on first access, not at import."""
    if name not in ("app", "server"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lazy_lock:
        if "app" not in globals():
            globals()["app"] = create_app()
            globals()["server"] = globals()["app"].server
    return globals()[name]


if __name__ == "__main__":
    app = create_app()
    server = app.server
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", 8050))
    app.run(host=host, port=port, debug=False)
