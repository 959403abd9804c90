"""Customer search and 360 callbacks through Flask's test client: bad input answers, never crashes."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from model import db as model_db
from model.actions import create_customer
from model.entities import AuditEvent, Customer, User
from tests.app_helpers import USERS, app, app_database_url  # noqa: F401 - fixtures
from tests.unit.helpers import digest
from tests.unit.test_app_auth import sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
FIRST_BLOCK = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}


def post(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]], state=()):
    """POST a callback as Dash's renderer does; outputs and inputs as (id, property[, value])."""
    key = "...".join(f"{i}.{p}" for i, p in outputs)
    return client.post("/_dash-update-component", json={
        "output": f"..{key}.." if len(outputs) > 1 else key,
        "outputs": [{"id": i, "property": p} for i, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    })


@pytest.fixture
def agent_client(app, app_database_url):  # noqa: F811
    with model_db.transaction(app_database_url) as s:
        actor = s.scalars(select(User).where(User.login == AGENT["login"])).one()
        create_customer(s, name="中村 陽一", email="yoichi@example.jp", actor=actor, language="ja")
    client = app.server.test_client()
    sign_in(client, AGENT["login"], AGENT["password"])
    return client


def history(client, grid: str, customer_id, request=FIRST_BLOCK):
    response = post(client, [(grid, "getRowsResponse")], [(grid, "getRowsRequest", request)],
                    [("customer-id", "children", customer_id)])
    assert response.status_code == 200
    return response.json["response"][grid]["getRowsResponse"]


@pytest.mark.parametrize("grid", ["customer-orders-grid", "customer-cases-grid"])
@pytest.mark.parametrize("customer_id, request_", [
    ("abc", FIRST_BLOCK), ("99999999999999999999", FIRST_BLOCK), (None, FIRST_BLOCK), ("-1", FIRST_BLOCK),
    ("1", {**FIRST_BLOCK, "sortModel": [{"colId": "grand_total; DROP TABLE cases", "sort": "asc"}]}),
    ("1", {**FIRST_BLOCK, "sortModel": "number"}),
    ("1", {**FIRST_BLOCK, "startRow": -5}), ("1", {**FIRST_BLOCK, "endRow": "all"}),
])
def test_a_history_block_with_bad_input_is_empty_not_a_crash(agent_client, grid, customer_id, request_):
    assert history(agent_client, grid, customer_id, request_) == {"rowData": [], "rowCount": 0}


def search(client, text, request=FIRST_BLOCK):
    response = post(client, [("customers-grid", "getRowsResponse"), ("customers-empty-slot", "children")],
                    [("customers-grid", "getRowsRequest", request)], [("customers-query", "data", text)])
    assert response.status_code == 200
    return response.json["response"]


def test_the_search_grid_finds_a_japanese_name_and_survives_junk(agent_client):
    found = search(agent_client, "村陽")["customers-grid"]["getRowsResponse"]
    assert [row["email"] for row in found["rowData"]] == ["yoichi@example.jp"] and found["rowCount"] == 1
    for text, request in [("x" * 10_000, FIRST_BLOCK), ("%_\\", FIRST_BLOCK),
                          ("'; DROP TABLE customers; --", FIRST_BLOCK),
                          ("中村", {**FIRST_BLOCK, "sortModel": [{"colId": "memo", "sort": "asc"}]}),
                          ({"not": "text"}, FIRST_BLOCK)]:
        answer = search(agent_client, text, request)
        assert answer["customers-grid"]["getRowsResponse"] == {"rowData": [], "rowCount": 0}
        assert "customers-none" in str(answer["customers-empty-slot"])


def test_an_unknown_or_garbage_customer_address_shows_not_found(agent_client):
    for path in ("/customers/424242", "/customers/abc", "/customers/99999999999999999999"):
        response = post(agent_client, [("_pages_content", "children"), ("_pages_store", "data")],
                        [("_pages_location", "pathname", path), ("_pages_location", "search", "")])
        assert response.status_code == 200 and "customer-not-found" in response.text, path


def test_saving_a_profile_for_a_garbage_customer_id_changes_nothing(app, agent_client, app_database_url):  # noqa: F811
    session = model_db.connect(app_database_url)
    before = digest(session)
    one = lambda kind, value: [{"id": {"type": kind, "index": 0}, "property": "value", "value": value}]  # noqa: E731
    plain = [("customer-name", "X"), ("customer-language", "en"), ("customer-time-zone", "UTC")]
    rest = [("customer-primary-email", 0), ("customer-phones", ""), ("customer-tags", ""), ("customer-birthday", ""),
            ("customer-memo", "should not be saved")]
    state = [{"id": "customer-id", "property": "children", "value": "99999999999999999999"},
             *[{"id": i, "property": "value", "value": v} for i, v in plain],
             one("customer-email", "a@b.io"), one("customer-newsletter", False),
             *[{"id": i, "property": "value", "value": v} for i, v in rest], []]
    errors = [{"id": f"customer-error-{field}", "property": "children"} for field in
              ("name", "emails", "phones", "tags", "language", "time-zone", "birthday", "memo", "addresses")]
    response = agent_client.post("/_dash-update-component", json={
        "output": next(key for key in app.callback_map if "customer-toast.children" in key),
        "outputs": [{"id": "customer-toast", "property": "children"}, *errors, []],
        "inputs": [{"id": "customer-save", "property": "n_clicks", "value": 1}],
        "state": state, "changedPropIds": ["customer-save.n_clicks"],
    })
    assert response.status_code == 200 and "Choose a customer." in response.text
    assert digest(session) == before
    with model_db.read_session(app_database_url) as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")).all() == []
        assert s.scalars(select(Customer.memo)).all() == [None]
