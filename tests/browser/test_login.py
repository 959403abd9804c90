"""Signing in and out in a real browser (headless Chromium through dash_duo)."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from tests.app_helpers import USERS, add_cases

AGENT = next(user for user in USERS if user["role"] == "agent")


def open_path(dash_duo, app, path="/"):
    dash_duo.start_server(app, navigate=False)
    dash_duo.driver.get(dash_duo.server.url + path)


def sign_in(dash_duo, login, password):
    """Type like a person: login, password, Enter."""
    dash_duo.wait_for_element("#login-form")
    dash_duo.find_element("#login-login").send_keys(login)
    dash_duo.find_element("#login-password").send_keys(password + Keys.ENTER)


def test_given_nobody_signed_in_when_opening_the_app_then_the_login_form_has_focus(dash_duo, app):
    open_path(dash_duo, app, "/")

    dash_duo.wait_for_element("#login-form")
    assert dash_duo.driver.current_url.endswith("/login?next=/")
    assert dash_duo.driver.switch_to.active_element.get_attribute("id") == "login-login"
    assert dash_duo.find_element("#login-submit").text == "Sign in"


def test_given_a_wrong_password_when_signing_in_then_a_neutral_error_shows(dash_duo, app):
    open_path(dash_duo, app, "/")

    sign_in(dash_duo, AGENT["login"], "not-the-password")

    dash_duo.wait_for_text_to_equal("#login-error", "Wrong login or password.")
    assert dash_duo.find_element("#login-login").get_attribute("value") == AGENT["login"]
    assert dash_duo.find_element("#login-password").get_attribute("value") == ""


def test_given_the_demo_agent_when_signing_in_then_the_navbar_shows_them_and_the_queue(
        dash_duo, app, app_database_url):
    add_cases(app_database_url, ["Parcel never arrived", "Refund for a broken mug"],
                   assignee_login=AGENT["login"])
    open_path(dash_duo, app, "/")

    sign_in(dash_duo, AGENT["login"], AGENT["password"])

    dash_duo.wait_for_text_to_equal("#app-user-name", AGENT["display_name"])
    dash_duo.wait_for_text_to_equal("#app-user-role", "Agent")
    assert [link.text for link in dash_duo.find_elements("#app-nav .nav-link")] == ["Queue", "Customers"]
    dash_duo.wait_for_text_to_equal("#home-grid .ag-row[row-index='0'] [col-id='subject']",
                                    "Refund for a broken mug")
    assert dash_duo.get_logs() == []


def test_given_no_open_cases_when_signed_in_then_the_queue_says_so(dash_duo, app):
    open_path(dash_duo, app, "/")

    sign_in(dash_duo, AGENT["login"], AGENT["password"])

    dash_duo.wait_for_text_to_equal("#home-empty .lead", "No open cases")


def test_given_a_deep_link_when_signing_in_then_the_person_lands_there(dash_duo, app):
    open_path(dash_duo, app, "/no-such-page?tab=2")

    sign_in(dash_duo, AGENT["login"], AGENT["password"])

    dash_duo.wait_for_text_to_equal("#not-found h1", "Page not found")
    assert dash_duo.driver.current_url.endswith("/no-such-page?tab=2")


def test_given_a_signed_in_agent_when_logging_out_then_the_login_page_returns(dash_duo, app):
    open_path(dash_duo, app, "/")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#app-user-name", AGENT["display_name"])

    dash_duo.find_element("#app-logout").click()

    dash_duo.wait_for_element("#login-form")
    dash_duo.driver.get(dash_duo.server.url + "/")
    dash_duo.wait_for_element("#login-form")
    assert "/login" in dash_duo.driver.current_url
