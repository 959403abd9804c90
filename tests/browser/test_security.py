"""Security in a real browser (headless Chromium through dash_duo): the CSP lets every page work
with no violation, stored markup stays text, the admin disables a user, sign-in slows guessers."""
from __future__ import annotations

import re

import pytest
import requests
from dash.testing.wait import until
from selenium.common.exceptions import NoAlertPresentException

from model import db as model_db
from model.actions import add_case_message, create_case, create_user
from model.actions.customer_profile import update_customer
from model.entities import Case, Customer, User
from tests.browser.test_login import open_path, sign_in
from tests.unit.security_support import ADMIN, PASSWORDS, build_world

PAYLOAD = "<img src=x onerror=alert(1)>"
PROBE = '<img src=y onerror="window.__xss = (window.__xss || 0) + 1">'  # counts instead of blocking the page


def visit(dash_duo, path: str, ready: str):
    dash_duo.driver.get(dash_duo.server.url + path)
    dash_duo.wait_for_element(ready, timeout=20)


def csp_errors(dash_duo) -> list[str]:
    return [entry["message"] for entry in dash_duo.get_logs() or []
            if "Content Security Policy" in entry["message"] or "Refused to" in entry["message"]]


def no_script_ran(dash_duo):
    """No alert is open, the probe's onerror never ran, and no injected <img> exists."""
    with pytest.raises(NoAlertPresentException):
        dash_duo.driver.switch_to.alert.text  # noqa: B018 - the property raises when there is none
    assert dash_duo.driver.execute_script("return window.__xss === undefined")
    assert dash_duo.driver.execute_script("return document.querySelectorAll('img[src=\"x\"], img[src=\"y\"]').length") == 0


def test_given_an_admin_when_opening_every_page_then_each_renders_with_no_csp_violation(dash_duo, app, app_database_url):
    world = build_world(app_database_url)
    open_path(dash_duo, app, "/")
    sign_in(dash_duo, ADMIN["login"], ADMIN["password"])
    dash_duo.wait_for_element("#home-grid .ag-row", timeout=20)

    pages = [("/", "#home-grid .ag-row"), (f"/cases/{world.case_a_number}", "#case-number"),
             ("/customers?q=Ada", "#customers-grid .ag-row"), (f"/customers/{world.customer_a}", "#customer-page"),
             (f"/orders/{world.order_a_number}", "#order-sections"), ("/analytics", "#analytics-kpis"),
             ("/approvals", "#approvals-page"), ("/admin", "#admin-users-table")]
    for path, ready in pages:
        visit(dash_duo, path, ready)
        assert csp_errors(dash_duo) == [], path

    # The policy is in force, not just sent: a script injected into the page does not run.
    dash_duo.driver.execute_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(e.effectiveDirective));
        const injected = document.createElement('script');
        injected.textContent = 'window.__injected = true';
        document.body.appendChild(injected);""")
    until(lambda: dash_duo.driver.execute_script("return window.__violations.length") > 0, timeout=5)
    assert dash_duo.driver.execute_script("return window.__injected === undefined")
    assert dash_duo.driver.execute_script("return window.__violations")[0].startswith("script-src")


def test_given_markup_stored_in_subject_note_memo_and_name_when_pages_open_then_it_shows_as_text(
        dash_duo, app, app_database_url):
    world = build_world(app_database_url)
    with model_db.transaction(app_database_url) as s:
        agent = s.query(User).filter_by(login="agent").one()
        update_customer(s, world.customer_a, actor=agent, name=f"Ada {PAYLOAD}", memo=f"memo {PAYLOAD} {PROBE}")
        case = create_case(s, subject=f"Subject {PAYLOAD}", actor=agent, customer_id=world.customer_a,
                           body=f"first {PROBE}")
        add_case_message(s, case.id, body=f"note {PAYLOAD}", kind="note", actor=agent)
        number = case.number
    with model_db.read_session(app_database_url) as s:
        stored_name = s.get(Customer, world.customer_a).name
        assert PAYLOAD in stored_name and s.get(Case, case.id).subject == f"Subject {PAYLOAD}"

    open_path(dash_duo, app, "/")
    sign_in(dash_duo, "agent", PASSWORDS["agent"])
    dash_duo.wait_for_contains_text("#home-grid", f"Subject {PAYLOAD}", timeout=20)
    no_script_ran(dash_duo)

    visit(dash_duo, f"/cases/{number}", "#case-thread .case-message-note")
    thread = dash_duo.find_element("#case-thread").text
    assert f"note {PAYLOAD}" in thread and f"first {PROBE}" in thread
    assert f"Subject {PAYLOAD}" in dash_duo.find_element("#case-page").text
    assert stored_name in dash_duo.find_element("#case-page").text
    no_script_ran(dash_duo)

    visit(dash_duo, f"/customers/{world.customer_a}", "#customer-memo")
    assert dash_duo.find_element("#customer-memo").get_attribute("value") == f"memo {PAYLOAD} {PROBE}"
    assert dash_duo.find_element("#customer-name").get_attribute("value") == stored_name
    assert stored_name in dash_duo.find_element("#customer-page").text
    no_script_ran(dash_duo)

    visit(dash_duo, "/customers?q=Ada", "#customers-grid .ag-row")
    # The grid's rows come from the server after its first (loading) rows appear.
    dash_duo.wait_for_contains_text("#customers-grid", stored_name, timeout=20)
    no_script_ran(dash_duo)

    visit(dash_duo, f"/orders/{world.order_a_number}", "#order-sections")
    no_script_ran(dash_duo)
    assert csp_errors(dash_duo) == []


def test_given_an_admin_when_disabling_an_agent_then_the_agents_open_session_is_refused(dash_duo, app,
                                                                                     app_database_url):
    with model_db.transaction(app_database_url) as s:
        create_user(s, **ADMIN)
    open_path(dash_duo, app, "/")
    agent = requests.Session()
    page = agent.get(dash_duo.server.url + "/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    agent.post(dash_duo.server.url + "/login", data={"login": "agent", "password": PASSWORDS["agent"],
                                                     "csrf_token": token}, allow_redirects=False)
    assert agent.get(dash_duo.server.url + "/_dash-layout").status_code == 200

    sign_in(dash_duo, ADMIN["login"], ADMIN["password"])
    dash_duo.wait_for_element("#home-grid", timeout=20)  # signed in: leaving sooner would cancel the form's post
    visit(dash_duo, "/admin", "#admin-user-agent")
    button = dash_duo.find_element("#admin-user-agent button")
    assert button.text == "Disable"
    button.click()

    dash_duo.wait_for_contains_text("#admin-toast", "agent is disabled; their sessions are closed.")
    dash_duo.wait_for_text_to_equal("#admin-user-agent button", "Enable")
    assert agent.get(dash_duo.server.url + "/_dash-layout").status_code == 401
    visit(dash_duo, "/admin", "#admin-audit-table")
    assert "user.disable" in dash_duo.find_element("#admin-audit-table").text
    assert csp_errors(dash_duo) == []


def test_given_five_wrong_passwords_when_signing_in_again_then_the_form_says_to_wait(dash_duo, app):
    open_path(dash_duo, app, "/login")
    for _attempt in range(5):
        sign_in(dash_duo, "agent", "not-the-password")
        dash_duo.wait_for_text_to_equal("#login-error", "Wrong login or password.")
        dash_duo.find_element("#login-login").clear()

    sign_in(dash_duo, "agent", PASSWORDS["agent"])

    dash_duo.wait_for_contains_text("#login-error", "Too many failed sign-ins. Try again in")
    assert "/login" in dash_duo.driver.current_url
