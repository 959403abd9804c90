"""Sign in and sign out.

A plain server-rendered form rather than a Dash page on purpose: Dash's own
endpoints (/_dash-layout, /_dash-update-component, …) answer 401 to anyone
not signed in, so the login form must work without them. It also works
without JavaScript, and Enter submits it like any form.

Signing in opens a server-side session (model.sessions) whose token goes in
the freshly cleared cookie, and forgets any session the cookie held before;
logging out deletes it, so a copy of the cookie is worth nothing afterwards.
Failed attempts are counted per login and per address in the database (all
workers see them); past the limit the form answers 429 without checking the
password. app.py refuses both forms from another origin.
"""
from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

import math
from datetime import timedelta

from flask import Blueprint, current_app, redirect, render_template_string, request, session, url_for
from flask_login import current_user, login_user, logout_user

from components.i18n import _, current_language
from components.layout import APP_NAME
from model.actions._common import record
from model.entities import User
from model.sessions import (
    Throttle, clear_login_failures, close_session, login_blocked, open_session, record_login_failure,
)

from pages._db import transaction
from pages._guard import MAX_LOGIN_LENGTH, SESSION_TOKEN_KEY, authenticate

blueprint = Blueprint("auth", __name__)

CSRF_KEY = "login_csrf"

PAGE = """<!doctype html>
<html lang="{{ language }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{{ title }}</title>
  <link rel="icon" href="/_favicon.ico">
  {% for href in stylesheets %}<link rel="stylesheet" href="{{ href }}">
  {% endfor %}
</head>
<body class="login-page">
<main class="container">
  <div class="row justify-content-center w-100">
    <div class="col-sm-9 col-md-6 col-lg-4 login-card">
      <h1 class="h4 mb-4">{{ app_name }}</h1>
      <form id="login-form" method="post" action="{{ action }}">
        {% if error %}<div id="login-error" class="alert alert-danger" role="alert">{{ error }}</div>{% endif %}
        <input type="hidden" name="csrf_token" value="{{ csrf_token }}">
        <input type="hidden" name="next" value="{{ next }}">
        <div class="mb-3">
          <label for="login-login" class="form-label">{{ login_label }}</label>
          <input id="login-login" name="login" class="form-control" value="{{ login }}"
                 autocomplete="username" autocapitalize="none" spellcheck="false"
                 maxlength="{{ max_login }}" required autofocus>
        </div>
        <div class="mb-4">
          <label for="login-password" class="form-label">{{ password_label }}</label>
          <input id="login-password" name="password" type="password" class="form-control"
                 autocomplete="current-password" required>
        </div>
        <button id="login-submit" type="submit" class="btn btn-primary w-100">{{ submit_label }}</button>
      </form>
    </div>
  </div>
</main>
</body>
</html>
"""


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in; anything pointing elsewhere becomes "/"."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def _csrf_token() -> str:
    if CSRF_KEY not in session:
        session[CSRF_KEY] = secrets.token_urlsafe(32)
    return session[CSRF_KEY]


def _render(*, error: str | None = None, login: str = "", next_path: str = "/", status: int = 200):
    html = render_template_string(
        PAGE,
        language=current_language(),
        title=f"{_('Sign in')} · {APP_NAME}",
        app_name=APP_NAME,
        stylesheets=current_app.config.get("STYLESHEETS", []),
        action=url_for("auth.login"),
        error=error,
        csrf_token=_csrf_token(),
        next=next_path,
        login=login,
        max_login=MAX_LOGIN_LENGTH,
        login_label=_("Login"),
        password_label=_("Password"),
        submit_label=_("Sign in"),
    )
    return html, status, {"Cache-Control": "no-store"}


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    next_path = safe_next(request.values.get("next"))
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(next_path)
        return _render(next_path=next_path)

    login_name = request.form.get("login", "")[:MAX_LOGIN_LENGTH]
    sent_token = request.form.get("csrf_token", "")
    expected = session.get(CSRF_KEY, "")
    if not expected or not hmac.compare_digest(sent_token, expected):
        # A stale or forged form: show it again with a fresh token.
        return _render(error=_("Your session expired. Please sign in again."), login=login_name,
                       next_path=next_path, status=400)
    address, throttle = client_address(), current_app.config.get("LOGIN_THROTTLE") or Throttle()
    with transaction() as s:
        wait = login_blocked(s, login_name, address, throttle=throttle)
    if wait is not None:
        # No password check at all while blocked: guessing gains nothing.
        minutes = max(1, math.ceil(wait / timedelta(minutes=1)))
        html, status, headers = _render(
            error=_("Too many failed sign-ins. Try again in {minutes} min.").format(minutes=minutes),
            login=login_name, next_path=next_path, status=429)
        return html, status, {**headers, "Retry-After": str(math.ceil(wait.total_seconds()))}
    user = authenticate(login_name, request.form.get("password", ""))
    if user is None:
        with transaction() as s:
            record_login_failure(s, login_name, address, throttle=throttle)
        return _render(error=_("Wrong login or password."), login=login_name, next_path=next_path)
    lifetime = current_app.permanent_session_lifetime
    with transaction() as s:
        close_session(s, session.get(SESSION_TOKEN_KEY))
        clear_login_failures(s, login_name)
        token = open_session(s, user.id, lifetime=lifetime, address=address)
        record(s, s.get(User, user.id), "user.sign_in", address=address)
    # New cookie contents at sign-in: nothing from before (fixation) survives.
    session.clear()
    session[SESSION_TOKEN_KEY] = token
    login_user(user)
    session.permanent = True
    return redirect(next_path)


def client_address() -> str:
    """The client's address as this server sees it (put ProxyFix in front when behind a proxy)."""
    return (request.remote_addr or "")[:64]


@blueprint.route("/logout", methods=["GET", "POST"])
def logout():
    token = session.get(SESSION_TOKEN_KEY)
    user_id = current_user.id if current_user.is_authenticated else None
    if token:
        with transaction() as s:
            if close_session(s, token) and user_id is not None:
                record(s, s.get(User, user_id), "user.sign_out", address=client_address())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
