"""What the order browser tests share: orders to work on, and a person's way through the action modal."""
from __future__ import annotations

from decimal import Decimal

from selenium.common.exceptions import ElementClickInterceptedException
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select
from sqlalchemy import func, select

from model import db as model_db
from model.actions import create_customer, create_product, fulfill, place_order, report_lost
from model.entities import ChangeOrder, CreditMemo, OrderSummary, PendingApproval, Product, User
from tests.app_helpers import USERS
from tests.browser.test_login import open_path, sign_in

AGENT = next(user for user in USERS if user["role"] == "agent")
MANAGER = next(user for user in USERS if user["role"] == "manager")
D = Decimal


def make_order(url: str, lines=(("A", 2, "15.00"), ("B", 1, "40.00")), *, ship: bool,
               lost: bool = False) -> tuple[str, list[int]]:
    """An order for a new customer (tax 8 %, shipping 6.00), shipped in full when `ship`; `lost`: reported lost."""
    with model_db.transaction(url) as s:
        agent = s.scalars(select(User).where(User.login == AGENT["login"])).one()
        for sku, _qty, price in lines:
            if not s.scalars(select(Product.id).where(Product.sku == sku)).first():
                create_product(s, sku=sku, name=f"Product {sku}", category="kitchen", price=D(price))
        customer = create_customer(s, name="Grace Hopper", email="grace@example.com", actor=agent)
        order = place_order(s, customer_id=customer.id, lines=[(sku, q, D(p)) for sku, q, p in lines],
                            tax_rate=D("0.08"), shipping=D("6.00"), actor=agent)
        if ship:
            for shipment in fulfill(s, order.id, actor=agent):
                if lost:
                    report_lost(s, shipment.id, actor=agent, reason="lost_in_transit")
        return order.number, [line.id for line in order.lines]


def order_facts(url: str, number: str) -> dict:
    with model_db.read_session(url) as s:
        order = s.scalars(select(OrderSummary).where(OrderSummary.number == number)).one()
        return {"grand_total": order.grand_total, "refunded": order.payment.refunded,
                "discounts": order.discounts, "shipping": order.shipping,
                "canceled": [ln.canceled for ln in order.lines], "returned": [ln.returned for ln in order.lines],
                "return_initiated": [ln.return_initiated for ln in order.lines],
                "shipments": [(fo.is_reship, fo.status, [fl.quantity for fl in fo.lines])
                              for fo in order.fulfillment_orders],
                "memos": s.scalar(select(func.count()).select_from(CreditMemo)),
                "changes": s.scalar(select(func.count()).select_from(ChangeOrder)),
                "pending": s.scalar(select(func.count()).select_from(PendingApproval)),
                "approvals": [p.status for p in s.scalars(select(PendingApproval).order_by(PendingApproval.id))]}


def sign_in_at(dash_duo, app, path: str, user=AGENT) -> None:
    open_path(dash_duo, app, path)
    sign_in(dash_duo, user["login"], user["password"])


def open_order(dash_duo, app, number: str, user=AGENT) -> None:
    sign_in_at(dash_duo, app, f"/orders/{number}", user)
    dash_duo.wait_for_text_to_equal("#order-number", number)


def scroll_to(dash_duo, element) -> None:
    """Into the middle of the window at once (Bootstrap's smooth scrolling would still be moving at the click)."""
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)


def click(dash_duo, selector: str) -> None:
    """Scroll the element to the middle of the window first: a toast or the navbar may cover its top."""
    element = dash_duo.find_element(selector)
    scroll_to(dash_duo, element)
    try:
        element.click()
    except ElementClickInterceptedException:  # a toast over it: close the toasts as a person would
        close_toasts(dash_duo)
        element.click()


def close_toasts(dash_duo) -> None:
    """Click the close button of every toast still on screen and wait until none covers the page."""
    dash_duo.driver.execute_script(
        "document.querySelectorAll('.toast.show .btn-close').forEach(b => b.click());")
    dash_duo.wait_for_no_elements(".toast.show")


def open_action(dash_duo, action: str, where: str = "#order-actions") -> None:
    """Click the action's button (in the Actions panel, or e.g. a return order's row) and wait for its form."""
    dash_duo.wait_for_no_elements(".modal-backdrop")  # the last action's modal has faded out
    click(dash_duo, f"{where} .order-action-{action.replace('_', '-')}")
    dash_duo.wait_for_element("#order-action-form")


def type_into(dash_duo, selector: str, value: str) -> None:
    """Replace what the box holds, keystroke by keystroke."""
    box = dash_duo.find_element(selector)
    scroll_to(dash_duo, box)
    try:
        box.click()
    except ElementClickInterceptedException:
        close_toasts(dash_duo)
        box.click()
    box.send_keys(Keys.END, *[Keys.BACKSPACE] * 10, value)


def set_quantity(dash_duo, line_id: int, value: str) -> None:
    type_into(dash_duo, f".order-qty-line-{line_id}", value)


def set_amount(dash_duo, line_id: int, value: str) -> None:
    type_into(dash_duo, f".order-amount-line-{line_id}", value)


def set_shipping_credit(dash_duo, value: str) -> None:
    type_into(dash_duo, "#order-action-form .order-field-amount", value)


def choose_reason(dash_duo, code: str) -> None:
    Select(dash_duo.find_element("#order-action-form .order-field-reason")).select_by_value(code)


def confirm(dash_duo) -> None:
    """Click Confirm once the dry run has enabled it."""
    dash_duo.wait_for_element("#order-action-confirm:not([disabled])")
    dash_duo.find_element("#order-action-confirm").click()


def run_action(dash_duo, action: str, *, quantities: dict | None = None, amounts: dict | None = None,
               shipping: str | None = None, reason: str | None = None, preview: dict | None = None,
               where: str = "#order-actions") -> None:
    """Open the action's modal, fill it in like a person, check the dry run's figures, confirm."""
    open_action(dash_duo, action, where)
    for line_id, value in (quantities or {}).items():
        set_quantity(dash_duo, line_id, value)
    for line_id, value in (amounts or {}).items():
        set_amount(dash_duo, line_id, value)
    if shipping is not None:
        set_shipping_credit(dash_duo, shipping)
    if reason is not None:
        choose_reason(dash_duo, reason)
    for selector, text in (preview or {}).items():
        dash_duo.wait_for_text_to_equal(selector, text)
    confirm(dash_duo)


def wait_for_toast(dash_duo, text: str, selector: str = "#order-toast-message") -> None:
    dash_duo.wait_for_contains_text(selector, text)


def line_cells(dash_duo, row: int) -> list[str]:
    """The texts of one row of the Lines table (Product, Unit price, Ordered, Canceled, Allocated, Fulfilled,
    Return initiated, Returned, Discount, Tax, Total)."""
    return [cell.text for cell in dash_duo.find_elements(f"#order-lines-table tbody tr:nth-child({row}) td")]
