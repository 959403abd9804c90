"""Languages in a real browser: a Japanese agent works in Japanese, then switches to Spanish."""
from __future__ import annotations

from decimal import Decimal

from selenium.webdriver.support.ui import Select
from sqlalchemy import select

from components.formatting import format_money
from model import db as model_db
from model.actions import create_customer, create_product, create_user, fulfill, place_order
from model.entities import User
from tests.browser.order_helpers import choose_reason, confirm, open_action, open_order, set_quantity
from tests.browser.test_login import open_path, sign_in

TANAKA = {"login": "tanaka", "password": "tanaka-demo", "role": "agent", "display_name": "田中 葵",
          "language": "ja"}
D = Decimal


def add_japanese_agent_and_yen_order(url: str) -> tuple[str, int]:
    """Tanaka (ja) and a shipped JPY order: 2 × ¥1,500 at 10 % tax, ¥500 shipping = ¥3,800."""
    with model_db.transaction(url) as s:
        agent = create_user(s, **TANAKA)
        create_product(s, sku="TEA-01", name="抹茶セット", category="kitchen", price=D("1500"))
        customer = create_customer(s, name="佐藤 花子", email="hanako@example.jp", actor=agent, language="ja")
        order = place_order(s, customer_id=customer.id, lines=[("TEA-01", 2, D("1500"))], tax_rate=D("0.10"),
                            shipping=D("500"), currency="JPY", actor=agent)
        fulfill(s, order.id, actor=agent)
        return order.number, order.lines[0].id


def saved_language(url: str) -> str:
    with model_db.read_session(url) as s:
        return s.scalar(select(User.language).where(User.login == TANAKA["login"]))


def switch_language(dash_duo, language: str) -> None:
    Select(dash_duo.find_element("#app-language")).select_by_value(language)


def test_given_a_japanese_agent_when_signing_in_then_the_navbar_and_queue_are_in_japanese_and_spanish_after_switching(
        dash_duo, app, app_database_url):
    add_japanese_agent_and_yen_order(app_database_url)
    open_path(dash_duo, app, "/")

    sign_in(dash_duo, TANAKA["login"], TANAKA["password"])

    dash_duo.wait_for_text_to_equal("#app-user-name", TANAKA["display_name"])
    dash_duo.wait_for_text_to_equal("#app-user-role", "担当者")
    dash_duo.wait_for_text_to_equal("#home-title", "ケースキュー")
    assert [link.text for link in dash_duo.find_elements("#app-nav .nav-link")][0] == "キュー"
    assert dash_duo.find_element("#app-logout").text == "ログアウト"

    switch_language(dash_duo, "es")

    dash_duo.wait_for_text_to_equal("#home-title", "Cola de casos")
    dash_duo.wait_for_text_to_equal("#app-user-role", "Agente")
    assert [link.text for link in dash_duo.find_elements("#app-nav .nav-link")][0] == "Cola"
    assert dash_duo.find_element("#app-logout").text == "Cerrar sesión"
    assert dash_duo.driver.current_url.rstrip("/") == dash_duo.server.url.rstrip("/")  # same page, still signed in
    assert saved_language(app_database_url) == "es"


def test_given_a_japanese_agent_when_returning_a_unit_then_toast_and_amounts_read_in_japanese_then_in_spanish(
        dash_duo, app, app_database_url):
    number, line_id = add_japanese_agent_and_yen_order(app_database_url)
    open_order(dash_duo, app, number, TANAKA)
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "￥3,800")

    open_action(dash_duo, "return")
    set_quantity(dash_duo, line_id, "1")
    choose_reason(dash_duo, "damaged")
    dash_duo.wait_for_text_to_equal("#order-preview-refund", "￥1,650")
    confirm(dash_duo)

    dash_duo.wait_for_contains_text("#order-toast-message", "￥1,650 を返金しました — クレジットメモ CM-")
    dash_duo.wait_for_text_to_equal("#order-total-refunded", "￥1,650")
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "￥2,150")

    switch_language(dash_duo, "es")

    # CLDR es writes JPY by its code after a no-break space (the browser reports it as a space).
    assert format_money(D("2150"), "JPY", "es") == "2.150\u00a0JPY"
    dash_duo.wait_for_text_to_equal("#order-total-grand-total", "2.150 JPY")
    dash_duo.wait_for_text_to_equal("#order-number", number)
    assert dash_duo.find_element("#app-logout").text == "Cerrar sesión"
    dash_duo.wait_for_contains_text("#order-actions", "Acciones y recomendaciones")
