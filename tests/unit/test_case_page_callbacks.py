"""Queue and case callbacks through Flask's test client: role checks on the server."""
from __future__ import annotations

from tests.app_helpers import USERS, add_cases, app, app_database_url  # noqa: F401 - fixtures
from tests.unit.test_app_auth import grid_rows, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
LEAD = next(user for user in USERS if user["role"] == "lead")


def output_key(app, input_id: str) -> str:
    """The callback's output key as Dash registered it (allow_duplicate adds a hash)."""
    return next(key for key, spec in app.callback_map.items()
                if any(i["id"] == input_id for i in spec["inputs"]))


def bulk(client, ids):
    return client.post("/_dash-update-component", json={
        "output": output_key(client.application.dash_app, "home-bulk-apply"),
        "outputs": [{"id": "home-toast", "property": "children"}, {"id": "home-refresh", "property": "data"}],
        "inputs": [{"id": "home-bulk-apply", "property": "n_clicks", "value": 1}],
        "state": [{"id": "home-selected", "property": "data", "value": [{"id": i} for i in ids]},
                  {"id": "home-bulk-action", "property": "value", "value": "close"},
                  {"id": "home-bulk-assignee", "property": "value", "value": ""},
                  {"id": "home-bulk-priority", "property": "value", "value": "high"},
                  {"id": "home-bulk-tag", "property": "value", "value": ""},
                  {"id": "home-refresh", "property": "data", "value": 0}],
        "changedPropIds": ["home-bulk-apply.n_clicks"],
    })


def test_nobody_signed_in_gets_no_rows(app):  # noqa: F811
    client = app.server.test_client()
    response = client.post("/_dash-update-component", json={"output": "x", "outputs": [], "inputs": [],
                                                             "state": [], "changedPropIds": []})
    assert response.status_code == 401


def test_an_agent_cannot_bulk_close_but_a_lead_can(app, app_database_url):  # noqa: F811
    add_cases(app_database_url, ["One", "Two"])
    app.server.dash_app = app
    client = app.server.test_client()
    sign_in(client, AGENT["login"], AGENT["password"])
    ids = [row["id"] for row in grid_rows(client)["home-grid"]["getRowsResponse"]["rowData"]]
    assert len(ids) == 2
    assert bulk(client, ids).status_code == 403
    assert grid_rows(client)["home-grid"]["getRowsResponse"]["rowCount"] == 2

    lead = app.server.test_client()
    sign_in(lead, LEAD["login"], LEAD["password"])
    response = bulk(lead, ids)
    assert response.status_code == 200 and "2 cases updated." in response.text


def test_a_filter_the_queue_does_not_allow_gets_a_message_not_a_crash(app):  # noqa: F811
    client = app.server.test_client()
    sign_in(client, AGENT["login"], AGENT["password"])
    response = grid_rows(client, "status=bogus")
    assert response["home-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
    assert "is not a status" in str(response["home-empty-slot"])
