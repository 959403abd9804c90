"""Customer search and the 360 view in a real browser."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from model import db as model_db
from model.entities import AuditEvent, Customer
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in
from tests.browser.test_order_actions_ui import make_order

AGENT = next(user for user in USERS if user["role"] == "agent")


def signed_in_at(dash_duo, app, path: str) -> None:
    open_path(dash_duo, app, path)
    sign_in(dash_duo, AGENT["login"], AGENT["password"])


def click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window first (the window is only 900 px high)."""
    element = dash_duo.find_element(selector)
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def search(dash_duo, text: str) -> None:
    box = dash_duo.find_element("#customers-search")
    box.send_keys(Keys.END, *[Keys.BACKSPACE] * 40, text, Keys.ENTER)


def test_given_a_customer_when_searching_by_email_or_order_number_then_the_row_links_to_the_360_view(
        dash_duo, app, app_database_url):
    number, _lines = make_order(app_database_url, ship=True)
    signed_in_at(dash_duo, app, "/customers")
    dash_duo.wait_for_element("#customers-search")

    search(dash_duo, "grace@example")
    dash_duo.wait_for_text_to_equal("#customers-grid .ag-row[row-index='0'] [col-id='name']", "Grace Hopper")
    search(dash_duo, "nobody-here")
    dash_duo.wait_for_element("#customers-none")
    search(dash_duo, number.lower())
    dash_duo.wait_for_text_to_equal("#customers-grid .ag-row[row-index='0'] [col-id='name']", "Grace Hopper")

    dash_duo.find_element("#customers-grid .ag-row[row-index='0'] [col-id='name'] a").click()
    dash_duo.wait_for_text_to_equal("#customer-title", "Grace Hopper")
    dash_duo.wait_for_text_to_equal("#customer-kpi-orders", "1")
    dash_duo.wait_for_text_to_equal("#customer-kpi-lifetime-value", "$81.60")
    dash_duo.find_element("#customer-orders-grid .ag-row[row-index='0'] [col-id='number'] a").click()
    dash_duo.wait_for_text_to_equal("#order-number", number)


def test_given_a_bad_email_when_saving_the_profile_then_the_field_says_why_and_nothing_is_saved(
        dash_duo, app, app_database_url):
    make_order(app_database_url, ship=False)
    with model_db.read_session(app_database_url) as s:
        customer_id = s.scalars(select(Customer.id)).one()
    signed_in_at(dash_duo, app, f"/customers/{customer_id}")
    dash_duo.wait_for_text_to_equal("#customer-title", "Grace Hopper")

    email = dash_duo.find_element("#customer-profile .customer-email-new")
    email.send_keys("not-an-email")
    dash_duo.find_element("#customer-memo").send_keys("Should not be saved")
    click(dash_duo, "#customer-save")

    dash_duo.wait_for_contains_text("#customer-error-emails", "'not-an-email' is not an email address.")
    dash_duo.wait_for_contains_text("#customer-toast-message", "Nothing was saved")
    with model_db.read_session(app_database_url) as s:
        assert s.get(Customer, customer_id).memo is None
        assert not s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")).all()

    email.send_keys(Keys.END, *[Keys.BACKSPACE] * 20, "grace@navy.example")
    click(dash_duo, "#customer-save")
    dash_duo.wait_for_contains_text("#customer-toast-message", "Profile saved.")
    dash_duo.wait_for_text_to_equal("#customer-error-emails", "")
    with model_db.read_session(app_database_url) as s:
        customer = s.get(Customer, customer_id)
        assert customer.memo == "Should not be saved" and len(customer.emails) == 2
