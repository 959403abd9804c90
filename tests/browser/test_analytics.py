"""Analytics in a real browser: a manager sees KPIs and the refund chart, changes the range and
drills into a bar, filters by category and converts currencies; an agent is refused. Plus the
streaming CSV route through Flask's test client."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from sqlalchemy import select

import app as app_module
from model import db as model_db
from model.actions import create_customer, create_product, discount_items, fulfill, place_order, return_items
from model.rates import set_rate
from model.entities import User
from pages._analytics_export import register_export_route
from tests.app_helpers import USERS, build_app, reset_dash_pages
from tests.browser.test_login import open_path, sign_in

D = Decimal
MANAGER = next(user for user in USERS if user["role"] == "manager")
AGENT = next(user for user in USERS if user["role"] == "agent")


@pytest.fixture
def app(app_database_url, monkeypatch):
    """The app with the export route (until create_app registers it itself) and refunds made today."""
    init_auth = app_module._init_auth
    monkeypatch.setattr(app_module, "_init_auth", lambda server: (init_auth(server), register_export_route(server)))
    built = build_app(app_database_url)
    with model_db.transaction(app_database_url) as s:
        manager = s.scalars(select(User).where(User.login == MANAGER["login"])).one()
        create_product(s, sku="MUG", name="Mug", category="kitchen", price=D("15.00"))
        create_product(s, sku="LAMP", name="Lamp", category="home", price=D("40.00"))
        customer = create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=manager)
        order = place_order(s, customer_id=customer.id, lines=[("MUG", 2, D("15.00")), ("LAMP", 1, D("40.00"))],
                            tax_rate=D("0.08"), shipping=D("6.00"), actor=manager)
        fulfill(s, order.id, actor=manager)
        mug, lamp = order.lines
        return_items(s, order.id, {mug.id: 1}, actor=manager, reason="damaged")        # 16.20
        discount_items(s, order.id, {lamp.id: D("5.00")}, actor=manager, reason="goodwill")  # 5.40
        yen = place_order(s, customer_id=customer.id, lines=[("MUG", 1, D("2000")), ("LAMP", 1, D("6000"))],
                          tax_rate=D("0.10"), shipping=D("0"), currency="JPY", actor=manager)
        fulfill(s, yen.id, actor=manager)
        return_items(s, yen.id, None, actor=manager, reason="defective")  # 2200 + 6600 = 8800 yen
        euro = place_order(s, customer_id=customer.id, lines=[("MUG", 25, D("15.00"))], tax_rate=D("0.08"),
                           shipping=D("0"), currency="EUR", actor=manager)
        fulfill(s, euro.id, actor=manager)
        return_items(s, euro.id, {euro.lines[0].id: 5}, actor=manager, reason="defective")  # 81.00 euros
        since = datetime.now(timezone.utc).date() - timedelta(days=400)
        set_rate(s, "JPY", "USD", D("0.0065"), since)
        set_rate(s, "EUR", "USD", D("1.10"), since)
    yield built
    reset_dash_pages()


def test_given_a_manager_when_opening_analytics_then_kpis_and_the_refund_chart_show_and_a_bar_drills_down(
        dash_duo, app):
    open_path(dash_duo, app, "/analytics")
    sign_in(dash_duo, MANAGER["login"], MANAGER["password"])

    # The first load asks for the KPI cards and ten charts at once: generous on a busy machine.
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "$21.60", timeout=30)
    dash_duo.wait_for_contains_text("#analytics-card-refunds .gtitle", "Refund totals (USD)", timeout=30)
    assert dash_duo.find_element("#analytics-kpi-cancellations").text == "0"
    assert dash_duo.find_element("#analytics-kpi-return-rate").text == "33.3 %"

    bars = dash_duo.find_elements("#analytics-card-refunds .trace.bars .point path")
    assert len(bars) == 2  # discount and return, stacked on today's bar
    # Plotly listens on its drag layer above the bars: hover, then click where the bar is.
    ActionChains(dash_duo.driver).move_to_element(bars[0]).pause(0.2).click().perform()
    dash_duo.wait_for_element("#analytics-drill-grid .ag-row")
    total = dash_duo.find_element("#analytics-drill-total").text
    rows = dash_duo.find_elements("#analytics-drill-grid .ag-center-cols-container .ag-row")
    assert (total, len(rows)) in {("1 credit memos, total $5.40", 1), ("1 credit memos, total $16.20", 1)}
    link = dash_duo.find_element("#analytics-drill-grid [col-id='order_number'] a")
    assert link.get_attribute("href").endswith("/orders/SO-00000001")


def test_given_a_range_change_and_a_category_when_clicking_a_bar_then_the_lines_add_up_to_it(dash_duo, app):
    """The yen return covers two categories in one credit memo: by category, the grid lists lines."""
    open_path(dash_duo, app, "/analytics")
    sign_in(dash_duo, MANAGER["login"], MANAGER["password"])
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "$21.60", timeout=30)

    dash_duo.select_dcc_dropdown("#analytics-preset", value="7 days")
    dash_duo.select_dcc_dropdown("#analytics-currency", value="JPY")
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "¥8,800")
    dash_duo.select_dcc_dropdown("#analytics-category", value="Home")
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "¥6,600")

    bar = dash_duo.wait_for_element("#analytics-card-refunds .trace.bars .point path")
    ActionChains(dash_duo.driver).move_to_element(bar).pause(0.2).click().perform()
    dash_duo.wait_for_text_to_equal("#analytics-drill-total", "1 change-order lines, total ¥6,600")
    assert dash_duo.find_element("#analytics-drill-grid .ag-center-cols-container .ag-row [col-id='category']"
                                 ).text == "home"

    dash_duo.select_dcc_dropdown("#analytics-category", value="All categories")
    dash_duo.select_dcc_dropdown("#analytics-currency", value="USD")
    dash_duo.select_dcc_dropdown("#analytics-channel", value="Phone")   # every order here is web
    dash_duo.wait_for_contains_text("#analytics-card-refunds .annotation-text", "Nothing matches these filters")
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "$0.00")


def test_given_the_conversion_when_ticked_then_yen_count_in_dollars_and_the_rates_show(dash_duo, app):
    open_path(dash_duo, app, "/analytics")
    sign_in(dash_duo, MANAGER["login"], MANAGER["password"])
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "$21.60", timeout=30)

    dash_duo.find_element("#analytics-convert").click()

    # 21.60 + 8,800 yen × 0.0065 + 81.00 euros × 1.10 = 21.60 + 57.20 + 89.10
    dash_duo.wait_for_text_to_equal("#analytics-kpi-refund-total", "$167.90")
    dash_duo.wait_for_contains_text("#analytics-rates-table", "1 JPY")
    assert "0.0065 USD" in dash_duo.find_element("#analytics-rates-table").text
    # Units of every currency: 28 mugs shipped, 7 back — the only product with 20 units shipped.
    bars = dash_duo.wait_for_element("#analytics-card-product-rate .trace.bars .point path")
    ActionChains(dash_duo.driver).move_to_element(bars).pause(0.2).click().perform()
    dash_duo.wait_for_text_to_equal("#analytics-drill-total", "3 lines, 7 units")


def test_given_an_agent_when_opening_analytics_then_not_allowed(dash_duo, app):
    open_path(dash_duo, app, "/analytics")
    sign_in(dash_duo, AGENT["login"], AGENT["password"])

    dash_duo.wait_for_text_to_equal("#analytics-forbidden h1", "Not allowed")
    assert "Analytics" not in [link.text for link in dash_duo.find_elements("#app-nav .nav-link")]
    assert not dash_duo.driver.find_elements(By.CSS_SELECTOR, "#analytics-page")


def _client_signed_in(app, user):
    from tests.unit.test_app_auth import sign_in as client_sign_in
    client = app.server.test_client()
    client_sign_in(client, user["login"], user["password"])
    return client


def test_the_export_route_streams_csv_to_managers_and_refuses_agents(app):
    from datetime import datetime, timezone
    today = datetime.now(timezone.utc).date().isoformat()
    query = f"/analytics/export.csv?start={today}&end={today}&currency=USD&chart=refunds"
    manager = _client_signed_in(app, MANAGER)
    response = manager.get(query)
    assert response.status_code == 200 and response.mimetype == "text/csv" and response.is_streamed
    lines = response.get_data(as_text=True).strip().splitlines()
    assert lines[0].startswith("credit_memo,order_number") and len(lines) == 3
    assert sum(D(line.split(",")[-2]) for line in lines[1:]) == D("21.60")
    assert manager.get(query.replace("USD", "XXX")).status_code == 400
    converted = manager.get(query + "&convert=1").get_data(as_text=True).strip().splitlines()
    assert converted[0].endswith(",day,rate,converted") and len(converted) == 5   # a memo per change order
    assert sum(D(line.rsplit(",", 1)[1]) for line in converted[1:]) == D("167.90")
    assert manager.get(query + "&convert=maybe").status_code == 400
    assert _client_signed_in(app, AGENT).get(query).status_code == 403
    assert app.server.test_client().get(query).status_code in (302, 401)
