"""The case workspace in a real browser: thread, composer, unknown numbers."""
from __future__ import annotations

from model import db as model_db
from model.actions import create_case, create_customer
from model.entities import User
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")


def make_case(url: str) -> str:
    with model_db.transaction(url) as s:
        actor = s.query(User).filter_by(login="manager").one()
        customer = create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=actor)
        return create_case(s, subject="Parcel never arrived", body="It has been two weeks.",
                           customer_id=customer.id, actor=actor).number


def send(dash_duo, kind_label: str, text: str):
    radio = dash_duo.find_element(f"#case-compose-kind input[value='{kind_label}']")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", radio)
    box = dash_duo.find_element("#case-compose-body")
    box.clear()
    box.send_keys(text)
    button = dash_duo.wait_for_element_by_css_selector("#case-send:not([disabled])")
    # A DOM click, like the radio's: under load a fixed toast can cover the button's point.
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", button)


def test_given_a_case_when_an_agent_writes_a_note_and_a_reply_then_the_thread_shows_them_styled_apart(
        dash_duo, app, app_database_url):
    number = make_case(app_database_url)
    open_path(dash_duo, app, f"/cases/{number}")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#case-number", number)
    dash_duo.wait_for_text_to_equal("#case-customer-name", "Ada Lovelace")
    assert dash_duo.find_element("#case-customer-link").get_attribute("href").endswith("/customers/1")

    send(dash_duo, "note", "<script>alert('x')</script> check the carrier")
    dash_duo.wait_for_element("#case-thread .case-message-note")
    send(dash_duo, "reply", "We are on it.")
    dash_duo.wait_for_element("#case-thread .case-message-reply")

    dash_duo.wait_for_element("#case-thread .case-message:nth-child(3)")
    kinds = dash_duo.driver.execute_script(
        "return [...document.querySelectorAll('#case-thread .case-message')].map(m => m.classList[1])")
    assert kinds == [
        "case-message-customer", "case-message-note", "case-message-reply"]
    note = dash_duo.find_element("#case-thread .case-message-note .case-message-body")
    assert note.text == "<script>alert('x')</script> check the carrier"  # shown as text, not run
    note_colour = dash_duo.find_element("#case-thread .case-message-note").value_of_css_property("background-color")
    reply_colour = dash_duo.find_element("#case-thread .case-message-reply").value_of_css_property("background-color")
    assert note_colour != reply_colour
    assert dash_duo.find_element("#case-compose-body").get_attribute("value") == ""
    assert dash_duo.get_logs() == []


def test_given_an_empty_reply_when_sending_then_it_is_refused_on_the_field(dash_duo, app, app_database_url):
    number = make_case(app_database_url)
    open_path(dash_duo, app, f"/cases/{number}")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#case-number", number)

    send(dash_duo, "reply", "   ")

    dash_duo.wait_for_text_to_equal("#case-compose-error", "Write a message; it cannot be empty.")
    assert len(dash_duo.find_elements("#case-thread .case-message")) == 1


def test_given_an_unknown_case_number_then_a_not_found_message_shows(dash_duo, app):
    open_path(dash_duo, app, "/cases/CS-99999999")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#case-not-found h1", "Case not found")


def make_japanese_case_without_order(url: str) -> tuple[str, list[str]]:
    """A case of a Japanese customer who has two orders, neither named in the case."""
    from decimal import Decimal

    from model.actions import create_product, place_order

    with model_db.transaction(url) as s:
        actor = s.query(User).filter_by(login="manager").one()
        create_product(s, sku="MUG", name="Mug", category="kitchen", price=Decimal("1500"))
        customer = create_customer(s, name="佐藤 翔太", email="sato@example.jp", language="ja", actor=actor)
        numbers = [place_order(s, customer_id=customer.id, lines=[("MUG", 1, Decimal("1500"))], currency="JPY",
                               tax_rate=Decimal("0.1"), shipping=Decimal("0"), actor=actor).number for _ in range(2)]
        case = create_case(s, subject="荷物がまだ届きません", body="数日前に注文しましたが、発送完了のメールが届いていません。",
                           customer_id=customer.id, actor=actor)
        return case.number, numbers


def test_given_no_order_was_associated_when_the_agent_links_one_of_the_customers_orders_then_it_shows(
        dash_duo, app, app_database_url):
    """The composer also says the customer's language, and the times panel what is recorded for the SLA."""
    number, orders = make_japanese_case_without_order(app_database_url)
    open_path(dash_duo, app, f"/cases/{number}")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])
    dash_duo.wait_for_text_to_equal("#case-order-none", "No order linked.")
    assert dash_duo.find_element("#case-compose-language").text == "Customer's language: 日本語"
    assert dash_duo.find_element("#case-sla-first-response").text.endswith("not yet")

    # A DOM click, as in send(): the side panel sits below the fold of the test window.
    trigger = dash_duo.find_element("#case-order-choice .dash-dropdown-trigger, #case-order-choice button")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", trigger)
    dash_duo.wait_for_element(".dash-dropdown-options .dash-dropdown-option")
    choices = dash_duo.find_elements(".dash-dropdown-options .dash-dropdown-option")
    assert [choice.text.split(" · ")[0] for choice in choices] == orders[::-1]  # hers only, newest first
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();",
                                   choices[1])
    dash_duo.wait_for_contains_text("#case-order-choice", orders[0])
    save = dash_duo.find_element("#case-order-save")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", save)

    dash_duo.wait_for_text_to_equal("#case-order-link", orders[0])
    dash_duo.wait_for_contains_text("#case-history", "changed the linked order")
    send(dash_duo, "reply", "佐藤様、確認いたします。")
    dash_duo.wait_for_contains_text("#case-sla-first-response", "after it came in")
    assert dash_duo.find_element("#case-order-save").text == "Change order"
