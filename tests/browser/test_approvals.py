"""/approvals in a real browser: managers decide on refunds above the threshold; others are kept out."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from model import db as model_db
from model.actions import return_items
from model.entities import OrderSummary, PendingApproval, User
from tests.browser.order_helpers import AGENT, MANAGER, click, make_order, order_facts, sign_in_at, type_into
from tests.app_helpers import USERS

LEAD = next(user for user in USERS if user["role"] == "lead")


def request_big_refund(url: str) -> tuple[str, int]:
    """An agent asks to return 15 × 43.20 = 648.00 USD, above the 500 USD threshold: it waits."""
    number, (line_b,) = make_order(url, lines=(("B", 20, "40.00"),), ship=True)
    with model_db.transaction(url) as s:
        agent = s.scalars(select(User).where(User.login == AGENT["login"])).one()
        order_id = s.scalar(select(OrderSummary.id).where(OrderSummary.number == number))
        pending = return_items(s, order_id, {line_b: 15}, actor=agent, reason="defective", note="Lid cracked")
        assert isinstance(pending, PendingApproval)
        return number, pending.id


def test_given_an_agent_or_a_lead_when_opening_approvals_then_the_page_says_not_allowed(dash_duo, app, app_database_url):
    request_big_refund(app_database_url)
    sign_in_at(dash_duo, app, "/approvals", AGENT)

    dash_duo.wait_for_text_to_equal("#approvals-forbidden h1", "Not allowed")
    assert "Approvals" not in [link.text for link in dash_duo.find_elements("#app-nav .nav-link")]
    assert dash_duo.find_elements("#approvals-table") == []

    dash_duo.driver.get(dash_duo.server.url + "/logout")
    sign_in_at(dash_duo, app, "/approvals", LEAD)
    dash_duo.wait_for_text_to_equal("#approvals-forbidden h1", "Not allowed")


def test_given_a_waiting_refund_when_the_manager_rejects_it_then_a_reason_is_required_and_nothing_is_refunded(
        dash_duo, app, app_database_url):
    number, request_id = request_big_refund(app_database_url)
    sign_in_at(dash_duo, app, "/approvals", MANAGER)

    dash_duo.wait_for_contains_text(f"#approvals-row-{request_id}", number)
    assert "Approvals" in [link.text for link in dash_duo.find_elements("#app-nav .nav-link")]
    row = dash_duo.find_element(f"#approvals-row-{request_id}").text
    assert all(text in row for text in ("$648.00", "B × 15", "Defective", "Lid cracked", AGENT["display_name"]))

    click(dash_duo, f".approvals-reject-{request_id}")
    dash_duo.wait_for_text_to_equal("#approvals-modal-title", f"Reject request #{request_id}")
    click(dash_duo, "#approvals-confirm")
    dash_duo.wait_for_text_to_equal("#approvals-refused", "Say why the request is rejected.")
    assert order_facts(app_database_url, number)["approvals"] == ["pending"]

    type_into(dash_duo, "#approvals-note", "Photos show no damage")
    click(dash_duo, "#approvals-confirm")

    dash_duo.wait_for_text_to_equal("#approvals-toast-message", f"Rejected request #{request_id}: nothing was refunded.")
    dash_duo.wait_for_element("#approvals-empty")
    with model_db.read_session(app_database_url) as s:
        decided = s.get(PendingApproval, request_id)
        assert (decided.status, decided.decision_reason) == ("rejected", "Photos show no damage")
    facts = order_facts(app_database_url, number)
    assert (facts["refunded"], facts["memos"]) == (Decimal("0.00"), 0)
