"""Every registered callback of a fresh app, posted to /_dash-update-component as the browser would.

Signed out, every one answers 401. Each server-side callback has a row in EXPECTED: the
capability (model.permissions) it must check, or None for the few that neither write nor
reveal anything role-specific. A role without the capability gets 403, a role with it does
not; where every role holds the capability, the test takes it away from the agent in the
permission table and expects 403, which proves the callback reads the table. A callback
missing from EXPECTED fails the suite: a new callback needs a check and a row here.
"""
from __future__ import annotations

import pytest

from model import permissions
from tests.app_helpers import build_app, forget_database, reset_dash_pages, sqlite_url
from tests.unit.security_support import (
    ORIGIN, Request, build_world, callback_name, post, server_callbacks, signed_in_client, split_outputs,
    well_formed,
)

ANY_ORDER_ACTION = "any order action"
# "module:function" → capability the callback requires (None: any signed-in person).
EXPECTED: dict[str, str | None] = {
    "dash:page-router": None,  # layouts decide what a role sees (tested below for /analytics, /admin, /approvals)
    "pages._language:save_language": None,  # the person's own language
    "pages.home_actions:selection_changed": None,  # enables buttons from the browser's own selection
    "pages.home:apply_filter_bar": "view_queue",
    "pages.home:serve_rows": "view_queue",
    "pages.home:open_view": "view_queue",
    "pages.home:save_or_delete_view": "view_queue",
    "pages.home_actions:take_selected": "take",
    "pages.home_actions:apply_bulk": "bulk",
    "pages.home_actions:find_customers": "view_queue",
    "pages.home_actions:customer_orders": "view_queue",
    "pages.home_actions:new_case": "take",
    "pages.home_actions:refresh_kpis": "analytics",
    "pages.case:save_fields": "take",
    "pages.case:send_message": "take",
    "pages.case:take_or_set_status": "take",
    "pages.case:link_order": "take",
    "pages.customers:run_search": "view_queue",
    "pages.customers:serve_rows": "view_queue",
    "pages.customer:serve_orders": "view_queue",
    "pages.customer:serve_cases": "view_queue",
    "pages.customer:edit_addresses": "edit_customer",
    "pages.customer:save_profile": "edit_customer",
    "pages.order:open_action": ANY_ORDER_ACTION,
    "pages.order:show_preview": ANY_ORDER_ACTION,
    "pages.order:confirm_action": "order.cancel",  # the capability of the action in the request (see below)
    "pages.order:compare_resolutions": ANY_ORDER_ACTION,
    "pages.analytics:apply_preset": "analytics",
    "pages.analytics:refresh": "analytics",
    "pages.analytics:draw_chart": "analytics",
    "pages.analytics:drill": "analytics",
    "pages.analytics:download_drilldown": "analytics",
    "pages.analytics:download_chart": "analytics",
    "pages.analytics:what_if": "analytics",
    "pages.approvals:open_decision": "approve",
    "pages.approvals:decide": "approve",
    "pages.admin:change_user": "admin",
    "pages.admin:filter_audit": "admin",
}
ROLES = permissions.ROLES


@pytest.fixture(scope="module")
def fresh_app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("callbacks")
    url = sqlite_url(folder)
    app = build_app(url)
    world = build_world(url)
    yield app, world
    reset_dash_pages()
    forget_database(url)


@pytest.fixture(scope="module")
def clients(fresh_app):
    app, _world = fresh_app
    return {role: signed_in_client(app, role) for role in ROLES}


def request_for(name: str, key: str, spec: dict, world) -> dict:
    """A well-formed request: clicks on the buttons, the page's stores as its layout fills them
    (the order action in the request store is a cancel), other values empty."""
    return well_formed(Request(key, spec), world).body()


def revoke(monkeypatch, capability: str) -> str:
    """Take `capability` (or every order action) away from the agent; returns the role to test."""
    caps = permissions.ORDER_CAPABILITIES if capability == ANY_ORDER_ACTION else (capability,)
    row = dict(permissions.TABLE["agent"])
    for cap in caps:
        row[permissions.Capability(cap)] = permissions.NO
    monkeypatch.setitem(permissions.TABLE, "agent", row)
    return "agent"


def holds(role: str, capability: str) -> bool:
    if capability == ANY_ORDER_ACTION:
        return permissions.can_any(role, permissions.ORDER_CAPABILITIES)
    return permissions.can(role, capability)


def test_every_server_callback_has_an_expected_capability(fresh_app):
    app, _world = fresh_app
    names = set(server_callbacks(app))

    missing = sorted(names - set(EXPECTED))
    assert not missing, f"callbacks without a row in EXPECTED (add a require(...) and a row): {missing}"
    gone = sorted(set(EXPECTED) - names)
    assert not gone, f"rows in EXPECTED for callbacks that no longer exist: {gone}"
    for capability in set(EXPECTED.values()) - {None, ANY_ORDER_ACTION}:
        permissions.capability(capability)  # a typo in the table fails here


def test_every_callback_refuses_a_signed_out_request_with_401(fresh_app):
    app, world = fresh_app
    client = app.server.test_client()
    statuses = {}
    for key, spec in app.callback_map.items():
        body = request_for(callback_name(spec) or key, key, spec, world)
        statuses[callback_name(spec) or f"clientside:{key}"] = post(client, body).status_code
    assert len(statuses) == len(app.callback_map) >= 30
    assert {name: status for name, status in statuses.items() if status != 401} == {}


def test_clientside_callbacks_run_nothing_on_the_server(fresh_app, clients):
    app, world = fresh_app
    clientside = [key for key, spec in app.callback_map.items() if callback_name(spec) is None]
    assert clientside, "the app has clientside callbacks (language reload, grid refresh)"
    for key in clientside:
        body = {"output": key, "outputs": split_outputs(key)[0], "inputs": [], "state": [], "changedPropIds": []}
        response = post(clients["admin"], body)
        assert response.status_code == 400 and response.is_json, key


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_role_without_the_capability_gets_403_and_one_with_it_does_not(name, fresh_app, clients, monkeypatch):
    app, world = fresh_app
    callbacks = server_callbacks(app)
    if name not in callbacks:
        pytest.fail(f"{name} is in EXPECTED but not registered")
    key, spec = callbacks[name]
    capability = EXPECTED[name]
    body = request_for(name, key, spec, world)
    if capability is None:
        for role in ROLES:
            assert post(clients[role], body).status_code not in (401, 403), role
        return

    allowed_roles = [role for role in ROLES if holds(role, capability)]
    for role in allowed_roles:
        status = post(clients[role], body).status_code
        assert status in (200, 204), f"{name} as {role}: {status}"
    refused_roles = [role for role in ROLES if role not in allowed_roles]
    if not refused_roles:  # everybody holds it: take it away and the callback must notice
        refused_roles = [revoke(monkeypatch, capability)]
    for role in refused_roles:
        response = post(clients[role], body)
        assert response.status_code == 403, f"{name} as {role}: {response.status_code}"


def test_confirm_action_checks_the_capability_of_the_action_it_runs(fresh_app, clients, monkeypatch):
    """Taking only `order.return` away from the agent refuses a return but not a cancel."""
    app, world = fresh_app
    key, spec = server_callbacks(app)["pages.order:confirm_action"]
    row = dict(permissions.TABLE["agent"], **{permissions.Capability.ORDER_RETURN: permissions.NO})
    monkeypatch.setitem(permissions.TABLE, "agent", row)
    statuses = {}
    for action in ("return", "cancel"):
        request = Request(key, spec).set("order-action-confirm", 1, trigger=True)
        request.set("order-action-request", {"action": action, "target": 0, "key": f"enum-{action}"})
        request.set("order-view", {"order_id": world.order_a, "number": world.order_a_number})
        statuses[action] = post(clients["agent"], request.body()).status_code
    assert statuses == {"return": 403, "cancel": 200}


@pytest.mark.parametrize(("path", "forbidden_id", "capability"), [
    ("/analytics", "analytics-forbidden", "analytics"), ("/admin", "admin-forbidden", "admin"),
    ("/approvals", "approvals-forbidden", "approve"),
])
def test_restricted_pages_show_not_allowed_to_roles_without_the_capability(
        fresh_app, clients, path, forbidden_id, capability):
    app, _world = fresh_app
    key, spec = server_callbacks(app)["dash:page-router"]
    request = Request(key, spec).set("_pages_location", path, "pathname", trigger=True)
    request.set("_pages_location", "", "search")
    for role in ROLES:
        response = post(clients[role], request.body())
        assert response.status_code == 200
        assert (forbidden_id in response.text) != permissions.can(role, capability), (path, role)


def test_requests_from_another_origin_are_refused_before_any_callback(fresh_app, clients):
    app, world = fresh_app
    key, spec = server_callbacks(app)["pages.home:serve_rows"]
    body = Request(key, spec).set("home-grid", {"startRow": 0, "endRow": 10}, trigger=True).body()
    assert post(clients["agent"], body).status_code == 200
    assert post(clients["agent"], body, Origin="https://evil.example").status_code == 403
    assert post(clients["agent"], body, Origin=ORIGIN, **{"Sec-Fetch-Site": "cross-site"}).status_code == 403
