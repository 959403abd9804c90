"""The app shell's auth, guard and health check, through Flask's test client (no browser)."""
from __future__ import annotations

import os
import re
import stat
from urllib.parse import parse_qs, urlsplit

import dash
import pytest
from dash import Input, Output
from flask_login import login_user
from sqlalchemy import update
from werkzeug.exceptions import Forbidden, Unauthorized

import app as app_module
from model import db as model_db
from model.entities import User
from pages._guard import UserRecord, require
from tests.app_helpers import (  # noqa: F401 - app, app_database_url are fixtures
    INACTIVE, USERS, add_cases, app, app_database_url, build_app, forget_database, reset_dash_pages, sqlite_url,
)

AGENT = next(user for user in USERS if user["role"] == "agent")
WRONG = "Wrong login or password."
DASH_ENDPOINTS = [("post", "/_dash-update-component"), ("get", "/_dash-layout"), ("get", "/_dash-dependencies")]
# What the browser sends when the page container routes to `pathname`.
ROUTE_OUTPUT = ".._pages_content.children..._pages_store.data.."


def route(pathname: str, search: str = "") -> dict:
    return {
        "output": ROUTE_OUTPUT,
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": search}],
        "changedPropIds": ["_pages_location.pathname"],
        "state": [],
    }


@pytest.fixture
def client(app):  # noqa: F811 - the fixture imported above
    return app.server.test_client()


def csrf_token(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client, login: str, password: str, next_path: str | None = None):
    form = {"login": login, "password": password, "csrf_token": csrf_token(client)}
    if next_path is not None:
        form["next"] = next_path
    return client.post("/login", data=form)


def signed_in(client) -> bool:
    return client.get("/_dash-layout").status_code == 200


# --- the guard --------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), DASH_ENDPOINTS)
def test_dash_endpoints_answer_401_json_without_a_session(client, method, path):
    response = getattr(client, method)(path, json=route("/") if method == "post" else None)

    assert response.status_code == 401
    assert response.is_json and response.json["error"]


def test_page_routing_callback_is_refused_without_a_session(client, app_database_url):
    add_cases(app_database_url, ["Secret subject"])

    response = client.post("/_dash-update-component", json=route("/"))

    assert response.status_code == 401
    assert "Secret subject" not in response.text


def test_pages_send_a_browser_without_a_session_to_login_and_remember_where_it_was(client):
    response = client.get("/orders/SO-1?tab=lines")

    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/orders/SO-1?tab=lines"]


@pytest.mark.parametrize("path", ["/login", "/healthz", "/assets/10-app.css", "/assets/00-bootstrap-5.3.6.min.css"])
def test_login_health_and_static_files_stay_public(client, path):
    assert client.get(path).status_code == 200


def test_healthz_says_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert (response.status_code, response.text) == (200, "ok")


def test_healthz_answers_503_when_the_database_does_not(client, monkeypatch):
    monkeypatch.setattr(app_module.model_db, "ping", lambda url=None: False)

    assert client.get("/healthz").status_code == 503


# --- signing in -------------------------------------------------------------------

def test_right_password_signs_in_and_dash_serves_the_layout_with_the_name_and_role(client):
    response = sign_in(client, AGENT["login"], AGENT["password"])

    assert response.status_code == 302 and response.headers["Location"] == "/"
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    assert AGENT["display_name"] in layout.text and '"Agent"' in layout.text
    assert client.get("/_dash-dependencies").status_code == 200


def grid_rows(client, query: str = "") -> dict:
    """The queue grid's first block, asked for as the browser does (infinite row model)."""
    request = {"startRow": 0, "endRow": 100, "sortModel": [], "filterModel": {}}
    response = client.post("/_dash-update-component", json={
        "output": "..home-grid.getRowsResponse...home-empty-slot.children..",
        "outputs": [{"id": "home-grid", "property": "getRowsResponse"},
                    {"id": "home-empty-slot", "property": "children"}],
        "inputs": [{"id": "home-grid", "property": "getRowsRequest", "value": request}],
        "state": [{"id": "home-filter", "property": "data", "value": query}],
        "changedPropIds": ["home-grid.getRowsRequest"],
    })
    assert response.status_code == 200
    return response.json["response"]


def test_signed_in_home_lists_only_open_cases_with_their_assignee(client, app_database_url):
    add_cases(app_database_url, ["Where is my parcel?"], assignee_login="lead")
    add_cases(app_database_url, ["Already solved"], status="resolved")
    sign_in(client, AGENT["login"], AGENT["password"])

    layout = client.post("/_dash-update-component", json=route("/"))
    assert layout.status_code == 200 and '"home-grid"' in layout.text and '"infinite"' in layout.text

    rows = grid_rows(client)["home-grid"]["getRowsResponse"]
    assert rows["rowCount"] == 1
    assert [(row["subject"], row["assignee"], row["status"]) for row in rows["rowData"]] == [
        ("Where is my parcel?", "Lee Lead", "open")]


def test_signed_in_home_says_when_there_are_no_open_cases(client):
    sign_in(client, AGENT["login"], AGENT["password"])

    response = grid_rows(client)

    assert response["home-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
    assert "No open cases" in str(response["home-empty-slot"]) and "home-empty" in str(response["home-empty-slot"])


def test_unknown_address_renders_the_404_page(client):
    sign_in(client, AGENT["login"], AGENT["password"])

    response = client.post("/_dash-update-component", json=route("/no-such-page"))

    assert response.status_code == 200 and "Page not found" in response.text


@pytest.mark.parametrize(("login", "password"), [
    (AGENT["login"], "wrong-password"),
    ("nobody", "agent-demo"),
    (INACTIVE["login"], INACTIVE["password"]),
    (AGENT["login"], ""),
], ids=["wrong password", "unknown login", "inactive user", "empty password"])
def test_failed_sign_in_says_the_same_thing_and_opens_nothing(client, login, password):
    response = sign_in(client, login, password)

    assert response.status_code == 200
    assert WRONG in response.text
    assert f'value="{login}"' in response.text  # the login stays typed in; the password does not
    assert not signed_in(client)


def test_logins_are_case_insensitive(client):
    sign_in(client, AGENT["login"].upper(), AGENT["password"])

    assert signed_in(client)


def test_a_form_without_its_token_is_refused(client):
    response = client.post("/login", data={"login": AGENT["login"], "password": AGENT["password"]})

    assert response.status_code == 400
    assert not signed_in(client)


def test_sign_in_starts_a_new_session(client):
    csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"

    sign_in(client, AGENT["login"], AGENT["password"])

    with client.session_transaction() as session:
        assert "planted" not in session and "_user_id" in session


def test_session_cookie_is_http_only_and_same_site_lax(client):
    response = sign_in(client, AGENT["login"], AGENT["password"])

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:x"])
def test_after_sign_in_only_local_addresses_are_followed(client, target):
    response = sign_in(client, AGENT["login"], AGENT["password"], next_path=target)

    assert response.headers["Location"] == "/"


def test_after_sign_in_the_person_returns_to_the_page_they_asked_for(client):
    response = sign_in(client, AGENT["login"], AGENT["password"], next_path="/orders/SO-1?tab=lines")

    assert response.headers["Location"] == "/orders/SO-1?tab=lines"


# --- staying signed in ------------------------------------------------------------

def test_logout_ends_the_session(client):
    sign_in(client, AGENT["login"], AGENT["password"])

    response = client.get("/logout")

    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.post("/_dash-update-component", json=route("/")).status_code == 401
    assert not signed_in(client)


def test_a_user_deactivated_while_signed_in_loses_access_at_the_next_request(client, app_database_url):
    sign_in(client, AGENT["login"], AGENT["password"])
    with model_db.transaction(app_database_url) as s:
        s.execute(update(User).where(User.login == AGENT["login"]).values(active=False))

    assert not signed_in(client)


def test_a_session_from_another_secret_key_is_not_accepted(app, client, app_database_url):  # noqa: F811
    sign_in(client, AGENT["login"], AGENT["password"])
    app.server.secret_key = "another-key"

    assert not signed_in(client)


# --- roles for callbacks ----------------------------------------------------------

def record(role: str) -> UserRecord:
    return UserRecord(id=1, login=role, display_name=role.title(), role=role, language="en", time_zone="UTC")


def test_require_refuses_with_401_when_nobody_is_signed_in(app):  # noqa: F811
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        with pytest.raises(Unauthorized):
            require()


@pytest.mark.parametrize(("role", "allowed"), [("agent", False), ("lead", False), ("manager", True),
                                               ("admin", True)])
def test_require_checks_the_role_and_admins_hold_every_role(app, role, allowed):  # noqa: F811
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        login_user(record(role))
        if allowed:
            assert require("manager").role == role
        else:
            with pytest.raises(Forbidden):
                require("manager")


def test_a_callback_that_requires_a_role_answers_403_to_others_over_http(tmp_path):
    @dash.callback(Output("probe-approve", "children"), Input("probe-approve-button", "n_clicks"))
    def approve(n_clicks):
        return f"approved by {require('manager').login}"

    url = sqlite_url(tmp_path)
    built = build_app(url)
    click = {"output": "probe-approve.children", "outputs": {"id": "probe-approve", "property": "children"},
             "inputs": [{"id": "probe-approve-button", "property": "n_clicks", "value": 1}],
             "changedPropIds": ["probe-approve-button.n_clicks"], "state": []}
    try:
        statuses = {}
        for person in ("agent", "manager"):
            client = built.server.test_client()
            user = next(u for u in USERS if u["login"] == person)
            sign_in(client, user["login"], user["password"])
            statuses[person] = client.post("/_dash-update-component", json=click)
        assert statuses["agent"].status_code == 403
        assert statuses["manager"].json["response"]["probe-approve"]["children"] == "approved by manager"
    finally:
        reset_dash_pages()
        forget_database(url)


def test_navbar_links_the_pages_meant_for_the_nav_that_the_role_may_open(app):  # noqa: F811
    # pages/approvals.py registers /approvals for managers (order 10): no probe page needed any more.
    links = {role: [(item.label, item.href) for item in app_module.nav_items(record(role))]
             for role in ("agent", "manager", "admin")}

    # the 404 page is registered but not meant for the nav; analytics is not an agent's
    assert links["agent"] == [("Queue", "/"), ("Customers", "/customers")]
    assert links["manager"] == [("Queue", "/"), ("Approvals", "/approvals"),
                                ("Customers", "/customers"), ("Analytics", "/analytics")]
    assert links["admin"] == links["manager"] + [("Admin", "/admin")]  # users and the audit log


# --- app construction -------------------------------------------------------------

def test_secret_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "data" / ".secret_key"

    first = app_module.load_or_create_secret_key(path)

    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert app_module.load_or_create_secret_key(path) == first
    assert [p.name for p in path.parent.iterdir()] == [".secret_key"]


def declare_page_callback() -> None:
    """What a page module does when Dash imports it: declare a callback with dash.callback."""
    @dash.callback(Output("probe-out", "children"), Input("probe-in", "value"))
    def echo(value):
        return value


def test_two_apps_in_one_process_keep_their_own_database_and_callbacks(tmp_path):
    urls = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        urls.append(sqlite_url(tmp_path / name))
    probe = {"output": "probe-out.children", "outputs": {"id": "probe-out", "property": "children"},
             "inputs": [{"id": "probe-in", "property": "value", "value": "hello"}],
             "changedPropIds": ["probe-in.value"], "state": []}
    try:
        apps = []
        for url in urls:
            declare_page_callback()
            apps.append(build_app(url))
        add_cases(urls[0], ["Only in the first database"])
        pages, echoes = [], []
        for built in apps:
            client = built.server.test_client()
            sign_in(client, AGENT["login"], AGENT["password"])
            pages.append(str(grid_rows(client)))
            echoes.append(client.post("/_dash-update-component", json=probe))
        assert "Only in the first database" in pages[0]
        assert "Only in the first database" not in pages[1] and "No open cases" in pages[1]
        assert [(echo.status_code, echo.json["response"]["probe-out"]["children"]) for echo in echoes] == [
            (200, "hello"), (200, "hello")]
    finally:
        reset_dash_pages()
        for url in urls:
            forget_database(url)


def test_importing_app_builds_nothing_until_app_or_server_is_asked_for():
    assert "app" not in vars(app_module) and "server" not in vars(app_module)
