"""Sign-in hardening, sessions, CSRF, security headers and malformed callback requests (Flask test client)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

import pages.login as login_module
from app import create_app
from model import db as model_db
from model.actions import set_user_active
from model.entities import LoginFailure, User, UserSession
from model.sessions import Throttle
from tests.app_helpers import SECRET_KEY, USERS, app, app_database_url, reset_dash_pages  # noqa: F401 - fixtures
from tests.unit.security_support import ORIGIN, csrf_token, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
LEAD = next(user for user in USERS if user["role"] == "lead")
WRONG = "Wrong login or password."
TOO_MANY = "Too many failed sign-ins."
ROUTE = {
    "output": ".._pages_content.children..._pages_store.data..",
    "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
    "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/"},
               {"id": "_pages_location", "property": "search", "value": ""}],
    "changedPropIds": ["_pages_location.pathname"], "state": [],
}


@pytest.fixture
def client(app):  # noqa: F811
    return app.server.test_client()


def client_from(app, address: str):  # noqa: F811
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def signed_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


def session_cookie(client) -> str:
    return client.get_cookie("sdo_session").value


def with_cookie(app, value: str):  # noqa: F811
    other = app.server.test_client()
    other.set_cookie("sdo_session", value)
    return other


def failures(url: str) -> int:
    with model_db.read_session(url) as s:
        return s.execute(select(func.count()).select_from(LoginFailure)).scalar_one()


# --- rate limit -------------------------------------------------------------------------
def test_five_wrong_passwords_block_the_login_even_with_the_right_password(app, client):  # noqa: F811
    for _attempt in range(5):
        assert WRONG in sign_in(client, AGENT["login"], "guess").text

    blocked = sign_in(client, AGENT["login"], AGENT["password"])

    assert blocked.status_code == 429 and TOO_MANY in blocked.text
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert not signed_in(client)
    assert sign_in(app.server.test_client(), LEAD["login"], LEAD["password"]).status_code == 302  # others unaffected


def test_a_blocked_login_is_refused_without_checking_the_password(app, client, monkeypatch):  # noqa: F811
    for _attempt in range(5):
        sign_in(client, AGENT["login"], "guess")
    monkeypatch.setattr(login_module, "authenticate", lambda *a: pytest.fail("password checked while blocked"))

    assert sign_in(client, AGENT["login"], "another guess").status_code == 429


def test_the_block_lifts_when_the_failures_leave_the_window(app, client, app_database_url):  # noqa: F811
    for _attempt in range(5):
        sign_in(client, AGENT["login"], "guess")
    assert sign_in(client, AGENT["login"], AGENT["password"]).status_code == 429
    with model_db.transaction(app_database_url) as s:
        for failure in s.execute(select(LoginFailure)).scalars():
            failure.at -= timedelta(minutes=16)

    assert sign_in(client, AGENT["login"], AGENT["password"]).status_code == 302
    assert failures(app_database_url) == 0  # old ones pruned, and a right password forgets the login's


def test_one_address_trying_many_logins_is_blocked_but_other_addresses_are_not(app, app_database_url):  # noqa: F811
    guesser = client_from(app, "203.0.113.7")
    for attempt in range(20):
        assert sign_in(guesser, f"user{attempt}", "guess").status_code == 200

    assert sign_in(guesser, AGENT["login"], AGENT["password"]).status_code == 429
    assert sign_in(client_from(app, "198.51.100.2"), AGENT["login"], AGENT["password"]).status_code == 302


def test_failures_are_counted_across_workers_sharing_the_database(app, app_database_url):  # noqa: F811
    """A second app on the same database (another worker or host) sees the first one's failures."""
    worker_one = app.server.test_client()
    for _attempt in range(3):
        sign_in(worker_one, AGENT["login"], "guess")
    other_worker = create_app(app_database_url, secret_key=SECRET_KEY)
    try:
        worker_two = other_worker.server.test_client()
        for _attempt in range(2):
            sign_in(worker_two, AGENT["login"], "guess")
        assert sign_in(worker_two, AGENT["login"], AGENT["password"]).status_code == 429
        assert sign_in(worker_one, AGENT["login"], AGENT["password"]).status_code == 429
    finally:
        reset_dash_pages()


def test_the_limits_come_from_the_app_config(app, client):  # noqa: F811
    app.server.config["LOGIN_THROTTLE"] = Throttle(per_login=2, per_address=50, window=timedelta(minutes=1))
    for _attempt in range(2):
        sign_in(client, AGENT["login"], "guess")

    response = sign_in(client, AGENT["login"], AGENT["password"])

    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 60


# --- cookies and sessions -------------------------------------------------------------------
def test_session_cookie_is_http_only_lax_and_secure_only_over_https(app):  # noqa: F811
    plain = sign_in(app.server.test_client(), AGENT["login"], AGENT["password"]).headers["Set-Cookie"]
    https_client = app.server.test_client()
    page = https_client.get("/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    secure = https_client.post("/login", base_url="https://localhost", headers={"Origin": "https://localhost"},
                               data={"login": AGENT["login"], "password": AGENT["password"], "csrf_token": token}
                               ).headers["Set-Cookie"]

    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    assert "HttpOnly" in secure and "SameSite=Lax" in secure and "Secure" in secure


def test_a_cookie_planted_before_sign_in_is_not_signed_in_afterwards(app, client):  # noqa: F811
    """Session fixation: whoever handed the victim a cookie before sign-in gains nothing."""
    csrf_token(client)
    planted = session_cookie(client)

    sign_in(client, AGENT["login"], AGENT["password"])

    assert session_cookie(client) != planted and signed_in(client)
    assert not signed_in(with_cookie(app, planted))


def test_signing_in_again_rotates_the_session_and_the_old_cookie_stops_working(app, client):  # noqa: F811
    sign_in(client, AGENT["login"], AGENT["password"])
    first = session_cookie(client)
    with client.session_transaction() as session:
        token = session["login_csrf"] if "login_csrf" in session else None
    if token is None:  # the form's token went with the old session: ask for the form of this session
        with client.session_transaction() as session:
            session["login_csrf"] = token = "rotation-test-token"

    response = client.post("/login", headers={"Origin": ORIGIN}, data={
        "login": LEAD["login"], "password": LEAD["password"], "csrf_token": token})

    assert response.status_code == 302 and session_cookie(client) != first
    assert signed_in(client)
    assert not signed_in(with_cookie(app, first))


def test_a_copied_cookie_stops_working_after_logout(app, client, app_database_url):  # noqa: F811
    sign_in(client, AGENT["login"], AGENT["password"])
    copied = session_cookie(client)
    assert signed_in(with_cookie(app, copied))

    assert client.post("/logout", headers={"Origin": ORIGIN}).status_code == 302

    assert not signed_in(client)
    assert not signed_in(with_cookie(app, copied))
    assert with_cookie(app, copied).post("/_dash-update-component", json=ROUTE).status_code == 401
    with model_db.read_session(app_database_url) as s:
        assert s.execute(select(func.count()).select_from(UserSession)).scalar_one() == 0


def test_a_cookie_without_its_server_side_session_opens_nothing(app, client, app_database_url):  # noqa: F811
    sign_in(client, AGENT["login"], AGENT["password"])
    with model_db.transaction(app_database_url) as s:
        for open_session in s.execute(select(UserSession)).scalars():
            open_session.expires_at = open_session.created_at  # expired

    assert not signed_in(client)


def test_disabling_a_user_refuses_their_next_request_and_ends_their_sessions(app, client, app_database_url):  # noqa: F811
    sign_in(client, AGENT["login"], AGENT["password"])
    copied = session_cookie(client)
    assert client.post("/_dash-update-component", json=ROUTE, headers={"Origin": ORIGIN}).status_code == 200
    with model_db.transaction(app_database_url) as s:
        agent = s.execute(select(User).where(User.login == AGENT["login"])).scalar_one()
        set_user_active(s, agent.id, False, actor=None)

    assert client.post("/_dash-update-component", json=ROUTE, headers={"Origin": ORIGIN}).status_code == 401
    with model_db.transaction(app_database_url) as s:
        s.execute(update(User).where(User.login == AGENT["login"]).values(active=True))
    assert not signed_in(with_cookie(app, copied))  # enabling again does not revive the old session


# --- CSRF -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": ORIGIN}, 200),
    ({"Referer": ORIGIN + "/"}, 200),
    ({"Sec-Fetch-Site": "same-origin", "Origin": ORIGIN}, 200),
    ({}, 200),  # not a browser: no cookie of someone else's to abuse
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": "http://localhost.evil.example"}, 403),
    ({"Referer": "https://evil.example/page"}, 403),
    ({"Sec-Fetch-Site": "cross-site"}, 403),
    ({"Sec-Fetch-Site": "same-site", "Origin": ORIGIN}, 403),
], ids=["origin", "referer", "fetch-metadata", "no browser headers", "foreign origin", "null origin",
        "look-alike host", "foreign referer", "cross-site fetch", "sibling site"])
def test_callback_requests_are_accepted_only_from_the_apps_own_origin(client, headers, status):
    sign_in(client, AGENT["login"], AGENT["password"])

    response = client.post("/_dash-update-component", json=ROUTE, headers=headers)

    assert response.status_code == status
    if status == 403:
        assert response.is_json and "did not come from this application" in response.json["error"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_callback_requests_must_be_json(client, content_type):
    """What a cross-site <form> can send without a CORS preflight is refused."""
    sign_in(client, AGENT["login"], AGENT["password"])
    import json

    response = client.post("/_dash-update-component", data=json.dumps(ROUTE),
                           headers={"Content-Type": content_type, "Origin": ORIGIN})

    assert response.status_code == 415


def test_the_login_form_is_refused_from_another_origin_even_with_its_token(client):
    token = csrf_token(client)

    response = client.post("/login", data={"login": AGENT["login"], "password": AGENT["password"],
                                           "csrf_token": token}, headers={"Origin": "https://evil.example"})

    assert response.status_code == 403 and not signed_in(client)


def test_logout_from_another_site_does_not_sign_out(client):
    sign_in(client, AGENT["login"], AGENT["password"])

    assert client.get("/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.post("/logout", headers={"Origin": "https://evil.example"}).status_code == 403
    assert signed_in(client)
    assert client.get("/logout", headers={"Sec-Fetch-Site": "same-origin", "Referer": ORIGIN + "/"}).status_code == 302
    assert not signed_in(client)


def test_the_export_is_refused_when_another_site_asks_for_it(client):
    sign_in(client, "manager", "manager-demo")
    path = "/analytics/export.csv?start=2026-01-01&end=2026-01-31&currency=USD&chart=refunds"

    assert client.get(path, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get(path, headers={"Referer": "https://evil.example/"}).status_code == 403
    assert client.get(path, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200


# --- headers --------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/login", "/healthz", "/assets/10-app.css"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers

    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert csp["default-src"] == "'self'" and csp["connect-src"] == "'self'"
    script_sources = csp["script-src"].split()
    assert script_sources[0] == "'self'" and all(s.startswith("'sha256-") for s in script_sources[1:])
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP here


def test_the_dash_index_inline_scripts_are_exactly_the_hashed_ones(app, client):  # noqa: F811
    import base64
    import hashlib
    import re

    sign_in(client, AGENT["login"], AGENT["password"])
    page = client.get("/")
    html = re.sub(r"<!--.*?-->", "", page.text, flags=re.S)  # IE's conditional comment never runs
    inline = [body for attributes, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
              if "src=" not in attributes and "application/json" not in attributes]
    assert any("DashRenderer" in body for body in inline)
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}

    assert hashes - set(page.headers["Content-Security-Policy"].replace(";", " ").split()) == set()


def test_https_responses_ask_for_https_from_then_on(app):  # noqa: F811
    response = app.server.test_client().get("/login", base_url="https://localhost")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


# --- malformed callback requests ---------------------------------------------------------------
def bad(client, body=None, raw: bytes | None = None):
    sign_in(client, AGENT["login"], AGENT["password"])
    if raw is not None:
        return client.post("/_dash-update-component", data=raw,
                           headers={"Content-Type": "application/json", "Origin": ORIGIN})
    return client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN})


@pytest.mark.parametrize("body", [
    {**ROUTE, "output": "no-such.children"},
    {**ROUTE, "inputs": ROUTE["inputs"][:1]},
    {**ROUTE, "inputs": [{"id": "other", "property": "pathname", "value": "/"}, ROUTE["inputs"][1]]},
    {**ROUTE, "outputs": [{"id": "_pages_content", "property": "children"}]},
    {**ROUTE, "changedPropIds": ["{broken.n_clicks"]},
    {**ROUTE, "state": "nope"},
    [ROUTE],
    {"output": 42},
    {**ROUTE, "inputs": [{"id": "_pages_location", "property": "pathname", "value": "no-slash"},
                         ROUTE["inputs"][1]]},
    {**ROUTE, "inputs": [{"id": "_pages_location", "property": "pathname", "value": ["/"]}, ROUTE["inputs"][1]]},
], ids=["unknown output", "missing input", "other input", "missing output", "changed prop not sent",
        "state not a list", "not an object", "output not text", "relative page address", "page address not text"])
def test_a_callback_request_that_does_not_fit_its_callback_gets_400_not_500(client, body):
    response = bad(client, body)

    assert response.status_code == 400 and response.is_json


@pytest.mark.parametrize("value", ["before\x00after", "\ud800 lone surrogate"], ids=["NUL", "lone surrogate"])
def test_text_no_database_can_store_gets_400_and_changes_nothing(client, value):
    body = {**ROUTE, "inputs": [{"id": "_pages_location", "property": "pathname", "value": value},
                                ROUTE["inputs"][1]]}

    response = bad(client, body)

    assert response.status_code == 400 and "cannot be stored" in response.json["error"]


@pytest.mark.parametrize("raw", [b"{not json", b"[" * 100_000 + b"]" * 100_000, b""], ids=["broken", "deep", "empty"])
def test_bodies_that_are_not_json_objects_get_400(client, raw):
    assert bad(client, raw=raw).status_code == 400


def test_bodies_over_four_megabytes_get_413(client):
    sign_in(client, AGENT["login"], AGENT["password"])

    response = client.post("/_dash-update-component", data=b"{" + b" " * (5 * 1024 * 1024) + b"}",
                           headers={"Content-Type": "application/json", "Origin": ORIGIN})

    assert response.status_code == 413
