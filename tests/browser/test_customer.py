"""Customer search and the 360 view in a real browser."""
from __future__ import annotations

import json
from decimal import Decimal

from selenium.webdriver.common.keys import Keys
from dash.testing.wait import until
from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from model import db as model_db
from model.actions import create_customer, create_user, place_order
from model.entities import AuditEvent, Customer, CustomerAddress, User
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in
from tests.browser.order_helpers import make_order

AGENT = next(user for user in USERS if user["role"] == "agent")


def signed_in_at(dash_duo, app, path: str) -> None:
    open_path(dash_duo, app, path)
    sign_in(dash_duo, AGENT["login"], AGENT["password"])


def click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window first (the window is only 900 px high)."""
    element = dash_duo.find_element(selector)
    # "instant": Bootstrap makes scrolling smooth, and a click during the animation lands elsewhere.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
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


def only_customer_id(url: str) -> int:
    with model_db.read_session(url) as s:
        return s.scalars(select(Customer.id)).one()


def address_input(dash_duo, row: int, field: str):
    """The `field` input of the row-th address card (1-based) of the profile form."""
    return dash_duo.find_element(f"#customer-address-rows .customer-address:nth-of-type({row}) "
                                 f".customer-address-{field.replace('_', '-')}")


def type_address(dash_duo, row: int, **fields) -> None:
    for field, value in fields.items():
        box = address_input(dash_duo, row, field)
        box.send_keys(Keys.END, *[Keys.BACKSPACE] * 60, value, Keys.TAB)


def stored_addresses(url: str, customer_id: int) -> list[tuple]:
    with model_db.read_session(url) as s:
        return [(a.kind, a.line1, a.city, a.country, a.is_default) for a in
                s.scalars(select(CustomerAddress).where(CustomerAddress.customer_id == customer_id)
                          .order_by(CustomerAddress.id))]


def audited_address_changes(url: str) -> list:
    with model_db.read_session(url) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")
                           .order_by(AuditEvent.id)).all()
        return [json.loads(e.detail)["changes"].get("addresses") for e in events]


def test_given_a_customer_when_adding_editing_and_removing_addresses_then_errors_stand_on_the_fields_until_valid(
        dash_duo, app, app_database_url):
    make_order(app_database_url, ship=False)
    customer_id = only_customer_id(app_database_url)
    signed_in_at(dash_duo, app, f"/customers/{customer_id}")
    dash_duo.wait_for_text_to_equal("#customer-title", "Grace Hopper")
    dash_duo.wait_for_element("#customer-no-address")

    # Given a new address with only its city, when saving, then the missing fields say why and nothing is saved.
    click(dash_duo, "#customer-address-add")
    dash_duo.wait_for_element("#customer-address-rows .customer-address:nth-of-type(1)")
    type_address(dash_duo, 1, city="Arlington", country="USA")
    click(dash_duo, "#customer-save")
    dash_duo.wait_for_text_to_equal(".customer-address:nth-of-type(1) .customer-address-error-line1",
                                    "Enter the street address.")
    dash_duo.wait_for_text_to_equal(".customer-address:nth-of-type(1) .customer-address-error-country",
                                    "The country is a two-letter code, like US, ES or JP.")
    assert dash_duo.find_element(".customer-address:nth-of-type(1) .customer-address-error-city").text == ""
    dash_duo.wait_for_contains_text("#customer-toast-message", "Nothing was saved")
    assert stored_addresses(app_database_url, customer_id) == [] and audited_address_changes(app_database_url) == []

    # When fixed, it is saved and audited.
    type_address(dash_duo, 1, line1="1 Navy Yard", country="us")
    click(dash_duo, "#customer-save")
    dash_duo.wait_for_contains_text("#customer-toast-message", "Profile saved.")
    dash_duo.wait_for_text_to_equal(".customer-address:nth-of-type(1) .customer-address-error-line1", "")
    assert stored_addresses(app_database_url, customer_id) == [("shipping", "1 Navy Yard", "Arlington", "US", False)]

    # A second one for billing, then the first removed: only the billing address stays.
    click(dash_duo, "#customer-address-add")
    dash_duo.wait_for_element("#customer-address-rows .customer-address:nth-of-type(2)")
    Select(address_input(dash_duo, 2, "kind")).select_by_value("billing")
    type_address(dash_duo, 2, line1="2 Pentagon Row", city="Arlington", country="US")
    click(dash_duo, "#customer-address-rows .customer-address:nth-of-type(1) .customer-address-remove")
    dash_duo.wait_for_text_to_equal("#customer-address-rows .customer-address:nth-of-type(1) .small.fw-semibold",
                                    "Address 1")
    assert address_input(dash_duo, 1, "line1").get_attribute("value") == "2 Pentagon Row"
    assert len(dash_duo.find_elements("#customer-address-rows .customer-address")) == 1
    click(dash_duo, "#customer-save")
    dash_duo.wait_for_contains_text("#customer-toast-message", "Profile saved.")
    assert stored_addresses(app_database_url, customer_id) == [("billing", "2 Pentagon Row", "Arlington", "US", False)]
    first, second = audited_address_changes(app_database_url)
    assert first["before"] == [] and [a["line1"] for a in first["after"]] == ["1 Navy Yard"]
    assert [a["kind"] for a in second["after"]] == ["billing"]


def test_given_two_orders_when_sorting_the_history_by_grand_total_then_the_server_orders_them(
        dash_duo, app, app_database_url):
    number, _lines = make_order(app_database_url, ship=False)
    with model_db.transaction(app_database_url) as s:
        agent = s.scalars(select(User).where(User.login == AGENT["login"])).one()
        bigger = place_order(s, customer_id=s.scalars(select(Customer.id)).one(), lines=[("B", 3, Decimal("40.00"))],
                             tax_rate=Decimal("0.08"), shipping=Decimal("6.00"), actor=agent).number
    signed_in_at(dash_duo, app, f"/customers/{only_customer_id(app_database_url)}")
    cell = "#customer-orders-grid .ag-row[row-index='{row}'] [col-id='number']"
    dash_duo.wait_for_text_to_equal(cell.format(row=0), bigger)  # newest first
    header = "#customer-orders-grid .ag-header-cell[col-id='total']"

    click(dash_duo, header)
    dash_duo.wait_for_text_to_equal(cell.format(row=0), number)  # $81.60 before $135.60
    dash_duo.wait_for_text_to_equal(cell.format(row=1), bigger)
    click(dash_duo, header)
    dash_duo.wait_for_text_to_equal(cell.format(row=0), bigger)


JAPANESE_AGENT = {"login": "tanaka", "password": "tanaka-demo", "role": "agent", "display_name": "田中 葵",
                  "language": "ja"}


def test_given_a_japanese_agent_when_opening_a_customer_then_the_tab_title_is_japanese_and_a_name_fragment_finds_them(
        dash_duo, app, app_database_url):
    with model_db.transaction(app_database_url) as s:
        agent = create_user(s, **JAPANESE_AGENT)
        customer_id = create_customer(s, name="中村 陽一", email="yoichi@example.jp", actor=agent, language="ja").id
        create_customer(s, name="中島 洋介", email="yosuke@example.jp", actor=agent, language="ja")
    open_path(dash_duo, app, "/customers")
    sign_in(dash_duo, JAPANESE_AGENT["login"], JAPANESE_AGENT["password"])
    dash_duo.wait_for_element("#customers-search")
    until(lambda: dash_duo.driver.title == "顧客 · Service Desk Ops", timeout=10)

    search(dash_duo, "村陽")  # the middle of the name, without its space
    dash_duo.wait_for_text_to_equal("#customers-grid .ag-row[row-index='0'] [col-id='name']", "中村 陽一")
    assert len(dash_duo.find_elements("#customers-grid .ag-row")) == 1
    dash_duo.find_element("#customers-grid .ag-row[row-index='0'] [col-id='name'] a").click()
    dash_duo.wait_for_text_to_equal("#customer-title", "中村 陽一")
    until(lambda: dash_duo.driver.title == "顧客 · Service Desk Ops", timeout=10)
    assert dash_duo.driver.current_url.endswith(f"/customers/{customer_id}")
