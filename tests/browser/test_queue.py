"""The queue in a real browser: filter, Take (and losing a race for it), a lead's bulk assign."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from model import db as model_db
from model.actions import create_case, create_user, take_case
from model.entities import User
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
LEAD = next(user for user in USERS if user["role"] == "lead")
ROW = "#home-grid .ag-center-cols-container .ag-row[row-index='{index}'] [col-id='{column}']"


def make_cases(url: str, subjects: list[str]) -> dict[str, int]:
    with model_db.transaction(url) as s:
        actor = s.query(User).filter_by(login="manager").one()
        return {subject: create_case(s, subject=subject, actor=actor).id for subject in subjects}


def cell(dash_duo, index: int, column: str):
    return dash_duo.find_element(ROW.format(index=index, column=column))


def select_row(dash_duo, index: int):
    boxes = dash_duo.find_elements(f"#home-grid .ag-row[row-index='{index}'] .ag-selection-checkbox")
    next(box for box in boxes if box.is_displayed()).click()


def test_given_unassigned_cases_when_an_agent_searches_and_takes_one_then_it_is_theirs_under_my_open_cases(
        dash_duo, app, app_database_url):
    make_cases(app_database_url, ["Parcel never arrived", "Refund for a broken mug", "Wrong size shoes"])
    open_path(dash_duo, app, "/?assignee=unassigned")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="subject"), "Wrong size shoes")

    search = dash_duo.find_element("#home-filter-search")
    search.send_keys("refund" + Keys.ENTER)
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="subject"), "Refund for a broken mug")
    assert "q=refund" in dash_duo.driver.current_url and "assignee=unassigned" in dash_duo.driver.current_url
    assert len(dash_duo.find_elements("#home-grid .ag-center-cols-container .ag-row")) == 1

    select_row(dash_duo, 0)
    dash_duo.wait_for_element("#home-take:not([disabled])").click()

    dash_duo.wait_for_contains_text("#home-toast", "is yours now")
    dash_duo.select_dcc_dropdown("#home-view", value="My open cases")
    dash_duo.wait_for_text_to_equal("#home-filter-search", "")  # the view's own filter, search cleared
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="subject"), "Refund for a broken mug")
    assert dash_duo.driver.current_url.endswith("/?assignee=me")
    assert cell(dash_duo, 0, "assignee").text == AGENT["display_name"]
    assert len(dash_duo.find_elements("#home-grid .ag-center-cols-container .ag-row")) == 1


def test_given_another_agent_took_the_case_first_when_taking_it_then_a_clear_message_shows(
        dash_duo, app, app_database_url):
    ids = make_cases(app_database_url, ["Parcel never arrived"])
    with model_db.transaction(app_database_url) as s:
        rival = create_user(s, login="rival", role="agent", password="rival-demo", display_name="Robin Rival")
    open_path(dash_duo, app, "/")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="subject"), "Parcel never arrived")
    select_row(dash_duo, 0)
    take = dash_duo.wait_for_element("#home-take:not([disabled])")
    with model_db.transaction(app_database_url) as s:  # the rival is quicker
        take_case(s, ids["Parcel never arrived"], actor=s.get(User, rival.id))

    take.click()

    dash_duo.wait_for_contains_text("#home-toast", "already assigned to Robin Rival")
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="assignee"), "Robin Rival")


def test_given_a_lead_when_bulk_assigning_three_cases_then_all_three_show_the_agent(
        dash_duo, app, app_database_url):
    make_cases(app_database_url, ["First", "Second", "Third", "Fourth"])
    open_path(dash_duo, app, "/")
    sign_in(dash_duo, LEAD["login"], LEAD["password"])
    dash_duo.wait_for_text_to_equal(ROW.format(index=0, column="subject"), "Fourth")
    dash_duo.wait_for_element("#home-kpi-open")

    for index in range(3):
        select_row(dash_duo, index)
    dash_duo.wait_for_text_to_equal("#home-selection", "3 selected")
    Select(dash_duo.find_element("#home-bulk-assignee")).select_by_visible_text(AGENT["display_name"])
    dash_duo.find_element("#home-bulk-apply").click()

    dash_duo.wait_for_contains_text("#home-toast", "3 cases updated.")
    for index in range(3):
        dash_duo.wait_for_text_to_equal(ROW.format(index=index, column="assignee"), AGENT["display_name"])
    assert cell(dash_duo, 3, "assignee").text == "Unassigned"


def test_given_an_agent_the_bulk_bar_is_hidden_and_a_bad_filter_in_the_address_is_explained(dash_duo, app):
    open_path(dash_duo, app, "/?status=bogus")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_contains_text("#home-url-error", "'bogus' is not a status")
    assert not dash_duo.find_element("#home-bulk-bar").is_displayed()
    assert dash_duo.find_elements("#home-kpis") == []


def make_customers_with_orders(url: str) -> dict[str, list[str]]:
    """Ada with two orders, Grace with one: {name: order numbers, newest first}."""
    from decimal import Decimal

    from model.actions import create_customer, create_product, place_order

    with model_db.transaction(url) as s:
        actor = s.query(User).filter_by(login="manager").one()
        create_product(s, sku="MUG", name="Mug", category="kitchen", price=Decimal("15.00"))
        found = {}
        for name, email, count in (("Ada Lovelace", "ada@example.com", 2), ("Grace Hopper", "grace@example.com", 1)):
            customer = create_customer(s, name=name, email=email, actor=actor)
            numbers = [place_order(s, customer_id=customer.id, lines=[("MUG", 1, Decimal("15.00"))],
                                   tax_rate=Decimal("0.1"), shipping=Decimal("0"), actor=actor).number
                       for _ in range(count)]
            found[name] = numbers[::-1]
        return found


def dropdown_options(dash_duo, selector: str) -> list:
    """Open a dcc.Dropdown; its option elements (rendered apart from the dropdown itself)."""
    dash_duo.find_element(selector).click()
    dash_duo.wait_for_element(".dash-dropdown-options .dash-dropdown-option")
    return dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option")


def test_given_the_new_case_form_when_an_agent_fills_it_then_errors_show_on_the_fields_and_the_case_opens(
        dash_duo, app, app_database_url):
    """Customer search, an order from that customer only, a refused empty subject, then the case itself."""
    orders = make_customers_with_orders(app_database_url)
    open_path(dash_duo, app, "/")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_element("#home-new-case").click()
    dash_duo.wait_for_element("#home-new-modal #home-new-submit").click()
    dash_duo.wait_for_text_to_equal("#home-new-subject-error", "Enter a subject.")
    assert dash_duo.find_element("#home-new-modal").is_displayed()

    dash_duo.find_element("#home-new-customer").click()
    dash_duo.wait_for_element(".dash-dropdown-search").send_keys("ada")
    dash_duo.wait_for_contains_text(".dash-dropdown-options", "Ada Lovelace <ada@example.com>")
    options = dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option")
    assert [o.text for o in options] == ["Ada Lovelace <ada@example.com>"]  # not Grace
    options[0].click()
    dash_duo.wait_for_contains_text("#home-new-customer", "Ada Lovelace")

    choices = dropdown_options(dash_duo, "#home-new-order")
    assert [choice.text for choice in choices] == orders["Ada Lovelace"]  # only hers, newest first
    choices[1].click()
    dash_duo.find_element("#home-new-subject").send_keys("Mug arrived broken")
    dash_duo.find_element("#home-new-body").send_keys("The handle came off in the box.")
    dash_duo.find_element("#home-new-submit").click()

    dash_duo.wait_for_text_to_equal("#case-subject", "Mug arrived broken")
    assert "/cases/CS-" in dash_duo.driver.current_url
    assert dash_duo.find_element("#case-customer-name").text == "Ada Lovelace"
    assert dash_duo.find_element("#case-order-link").text == orders["Ada Lovelace"][1]
    assert dash_duo.find_element("#case-thread .case-message-customer .case-message-body").text == \
        "The handle came off in the box."
