"""create_customer and create_product."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from zoneinfo import available_timezones

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import (
    Customer, CustomerAddress, CustomerEmail, CustomerPhone, CustomerTag, Product, User,
)
from ..money import round_money
from ._common import ActionError, record, require_actor
from .users import LANGUAGES

EMAIL_PATTERN = re.compile(r"^[^@\s<>\"']{1,64}@[^@\s<>\"']+\.[^@\s<>\"']{2,}$")
PHONE_PATTERN = re.compile(r"^\+?[0-9][0-9 ()./-]{5,30}$")
CURRENCIES = ("USD", "EUR", "JPY")
_TIME_ZONES: set[str] | None = None


def known_time_zone(name: str) -> bool:
    global _TIME_ZONES
    if _TIME_ZONES is None:
        _TIME_ZONES = available_timezones() | {"UTC"}
    return name in _TIME_ZONES


def validate_email(email) -> str:
    if not isinstance(email, str) or len(email) > 254 or not EMAIL_PATTERN.match(email.strip()):
        raise ActionError(f"{str(email)[:80]!r} is not an email address.")
    return email.strip().lower()


def validate_phone(number) -> str:
    if not isinstance(number, str) or not PHONE_PATTERN.match(number.strip()):
        raise ActionError(f"{str(number)[:40]!r} is not a phone number.")
    return number.strip()


def create_customer(s: Session, *, name: str, email: str, actor: User, language: str = "en",
                    time_zone: str = "UTC", currency: str = "USD", birthday: date | None = None,
                    memo: str | None = None, phones: list[str] = (), tags: list[str] = (),
                    addresses: list[dict] = (), newsletter: bool = False,
                    other_emails: list[str] = ()) -> Customer:
    require_actor(actor)
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise ActionError("Enter the customer's name (up to 200 characters).")
    primary = validate_email(email)
    others = [validate_email(e) for e in other_emails]
    if language not in LANGUAGES:
        raise ActionError(f"Choose a language: {', '.join(LANGUAGES)}.")
    if not isinstance(time_zone, str) or not known_time_zone(time_zone):
        raise ActionError(f"{str(time_zone)[:64]!r} is not a known time zone.")
    if currency not in CURRENCIES:
        raise ActionError(f"Choose a currency: {', '.join(CURRENCIES)}.")
    if birthday is not None and (not isinstance(birthday, date) or birthday > date.today()):
        raise ActionError("The birthday must be a date in the past.")
    customer = Customer(name=name.strip(), language=language, time_zone=time_zone, currency=currency,
                        birthday=birthday, memo=memo)
    customer.emails = [CustomerEmail(email=primary, is_primary=True, newsletter=bool(newsletter))] + [
        CustomerEmail(email=e, is_primary=False) for e in others if e != primary]
    customer.phones = [CustomerPhone(number=validate_phone(p)) for p in phones]
    customer.tag_rows = [CustomerTag(tag=t) for t in sorted({str(t).strip().lower() for t in tags if str(t).strip()})]
    for address in addresses:
        try:
            customer.addresses.append(CustomerAddress(**address))
        except TypeError as e:
            raise ActionError(f"The address has an unknown field: {e}") from None
    s.add(customer)
    s.flush()
    record(s, actor, "customer.create", customer_id=customer.id, name=customer.name)
    return customer


def create_product(s: Session, *, sku: str, name: str, category: str, price) -> Product:
    if not isinstance(sku, str) or not sku.strip() or len(sku) > 64:
        raise ActionError("Enter a SKU (up to 64 characters).")
    if not isinstance(name, str) or not name.strip():
        raise ActionError("Enter the product's name.")
    if not isinstance(category, str) or not category.strip():
        raise ActionError("Enter the product's category.")
    try:
        amount = Decimal(str(price))
    except InvalidOperation:
        raise ActionError(f"{price!r} is not a price.") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ActionError("A price is a non-negative amount.")
    if s.execute(select(Product.id).where(Product.sku == sku.strip())).first():
        raise ActionError(f"The SKU {sku} already exists.")
    product = Product(sku=sku.strip(), name=name.strip(), category=category.strip(),
                      price=round_money(amount, "USD"))
    s.add(product)
    s.flush()
    return product
