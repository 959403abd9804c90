"""/approvals and the order page's extras through Flask's test client: roles on the server, bad input."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from model import db as model_db
from model.actions import create_case, return_items
from model.entities import CreditMemo, OrderSummary, PendingApproval, User
from tests.app_helpers import USERS, app, app_database_url  # noqa: F401 - fixtures
from tests.browser.order_helpers import make_order
from tests.unit.test_app_auth import route, sign_in

BY_ROLE = {user["role"]: user for user in USERS}


def callback_request(app, input_id: str, inputs: list, state: list) -> dict:  # noqa: F811
    """A well-formed /_dash-update-component body for the callback that `input_id` triggers."""
    key = next(key for key, spec in app.callback_map.items() if any(i["id"] == input_id for i in spec["inputs"]))
    outputs = [dict(zip(("id", "property"), part.rsplit(".", 1))) for part in key.strip(".").split("...")]
    if not key.startswith(".."):  # a single output goes as one object
        outputs = outputs[0]
    return {"output": key, "outputs": outputs, "inputs": inputs, "state": state,
            "changedPropIds": [f"{input_id}.n_clicks"]}


def props(tree, component_id: str) -> dict | None:
    """The props of the component with this id anywhere in a Dash JSON answer."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"]
        children = tree.values()
    elif isinstance(tree, list):
        children = tree
    else:
        return None
    return next((found for child in children if (found := props(child, component_id)) is not None), None)


def client_for(app, role: str):  # noqa: F811
    client = app.server.test_client()
    sign_in(client, BY_ROLE[role]["login"], BY_ROLE[role]["password"])
    return client


def decide(client, app, decision: str, request_id, note=""):  # noqa: F811
    return client.post("/_dash-update-component", json=callback_request(
        app, "approvals-confirm", [{"id": "approvals-confirm", "property": "n_clicks", "value": 1}],
        [{"id": "approvals-decision", "property": "data", "value": {"decision": decision, "request": request_id}},
         {"id": "approvals-note", "property": "value", "value": note}]))


def waiting_refund(url: str) -> tuple[str, int]:
    number, (line_b,) = make_order(url, lines=(("B", 20, "40.00"),), ship=True)
    with model_db.transaction(url) as s:
        agent = s.scalars(select(User).where(User.login == "agent")).one()
        order_id = s.scalar(select(OrderSummary.id).where(OrderSummary.number == number))
        return number, return_items(s, order_id, {line_b: 15}, actor=agent, reason="defective").id


def statuses(url: str) -> tuple[list[str], int]:
    with model_db.read_session(url) as s:
        return (list(s.scalars(select(PendingApproval.status).order_by(PendingApproval.id))),
                s.scalar(select(func.count()).select_from(CreditMemo)))


def test_agents_and_leads_can_neither_see_nor_decide(app, app_database_url):  # noqa: F811
    number, request_id = waiting_refund(app_database_url)
    for role in ("agent", "lead"):
        client = client_for(app, role)
        page = client.post("/_dash-update-component", json=route("/approvals"))
        assert page.status_code == 200 and "approvals-forbidden" in page.text and number not in page.text
        assert decide(client, app, "approve", request_id).status_code == 403
        assert decide(client, app, "reject", request_id, "no").status_code == 403
    assert statuses(app_database_url) == (["pending"], 0)


def test_a_manager_rejects_only_with_a_reason_and_approves_once(app, app_database_url):  # noqa: F811
    number, request_id = waiting_refund(app_database_url)
    manager = client_for(app, "manager")
    page = manager.post("/_dash-update-component", json=route("/approvals"))
    assert "approvals-table" in page.text and number in page.text and "$648.00" in page.text

    refused = decide(manager, app, "reject", request_id, "   ")
    assert refused.status_code == 200 and "Say why the request is rejected." in refused.text
    assert statuses(app_database_url) == (["pending"], 0)

    approved = decide(manager, app, "approve", request_id)
    assert f"Approved request #{request_id} on order {number}: Refunded $648.00" in approved.text
    assert "approvals-empty" in approved.text
    again = decide(manager, app, "approve", request_id)
    assert "This request was already approved." in again.text
    assert statuses(app_database_url) == (["approved"], 1)


def test_bad_decisions_are_ignored_or_refused_without_a_crash(app, app_database_url):  # noqa: F811
    _number, request_id = waiting_refund(app_database_url)
    manager = client_for(app, "manager")
    for decision, target in (("approve", "1"), ("approve", None), ("approve", 10**9), ("delete", request_id),
                             ("reject", [request_id])):
        response = decide(manager, app, decision, target, "because")
        assert response.status_code in (200, 204)
    assert statuses(app_database_url) == (["pending"], 0)


def test_the_order_page_names_the_case_it_is_worked_on_for(app, app_database_url):  # noqa: F811
    number, _lines = make_order(app_database_url, ship=True)
    other, _ = make_order(app_database_url, ship=False)
    with model_db.transaction(app_database_url) as s:
        agent = s.scalars(select(User).where(User.login == "agent")).one()
        order = s.scalars(select(OrderSummary).where(OrderSummary.number == number)).one()
        case = create_case(s, subject="Mug arrived broken", actor=agent, customer_id=order.customer_id,
                           order_id=order.id)
        case_id, case_number = case.id, case.number
    client = client_for(app, "agent")

    linked = client.post("/_dash-update-component", json=route(f"/orders/{number}", f"?case={case_number}"))
    assert "Working on case" in linked.text and "Mug arrived broken" in linked.text
    assert props(linked.json, "order-view")["data"] == {"order_id": 1, "number": number, "case_id": case_id,
                                                         "case_number": case_number}

    elsewhere = client.post("/_dash-update-component", json=route(f"/orders/{other}", f"?case={case_number}"))
    assert f"Case {case_number} is not linked to this order." in elsewhere.text and "case_id" not in elsewhere.text

    junk = client.post("/_dash-update-component", json=route(f"/orders/{number}", "?case=%3Cscript%3Ex"))
    assert junk.status_code == 200 and "is not linked to this order." in junk.text


def test_compare_runs_for_agents_and_refuses_signed_out_callers(app, app_database_url):  # noqa: F811
    number, (line_a, _line_b) = make_order(app_database_url, ship=True)
    body = callback_request(
        app, "order-compare-run", [{"id": "order-compare-run", "property": "n_clicks", "value": 1}],
        [[{"id": {"type": "order-compare-qty", "line": line_a}, "property": "value", "value": 1}],
         {"id": "order-compare-percent", "property": "value", "value": 10},
         {"id": "order-view", "property": "data", "value": {"order_id": 1, "number": number}}])
    assert app.server.test_client().post("/_dash-update-component", json=body).status_code == 401

    answer = client_for(app, "agent").post("/_dash-update-component", json=body)
    assert answer.status_code == 200 and "order-compare-return-refund" in answer.text and "$16.20" in answer.text

    body["state"][0][0]["value"] = None
    refused = client_for(app, "agent").post("/_dash-update-component", json=body)
    assert "Enter a whole number from 0 to the units on each line." in refused.text
    with model_db.read_session(app_database_url) as s:
        assert s.scalar(select(func.count()).select_from(CreditMemo)) == 0
        assert s.scalar(select(OrderSummary.grand_total).where(OrderSummary.number == number)) == Decimal("81.60")
