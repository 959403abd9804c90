"""create_customer and create_product."""
from __future__ import annotations

import re
import unicodedata
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

# RFC 5322 dot-atoms: the local part's printable characters, dot-separated (no leading, trailing or
# double dot); host labels of letters, digits and inner hyphens; a top-level domain of letters (or
# punycode), so "x@example.comnot-an-email" is refused. An internationalised host is checked in its
# punycode form.
EMAIL_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
EMAIL_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = re.compile(rf"^(?={EMAIL_LOCAL}@)(?P<local>.{{1,64}})@(?P<host>(?:{EMAIL_LABEL}\.)+"
                           rf"(?:[A-Za-z]{{2,63}}|xn--[A-Za-z0-9-]{{1,59}}))$")
# Digits with single separators between them (space . / -), a leading + and area codes in
# parentheses: "+1 (555) 010-0200", "03-1234-5678", "+44 (0)20 7946 0958". E.164 caps a number at
# 15 digits; fewer than 7 is not a reachable number.
PHONE_PATTERN = re.compile(r"^\+?(?:\([0-9]{1,5}\)|[0-9])(?:[ ./-]?(?:\([0-9]{1,5}\)|[0-9]))*$")
PHONE_DIGITS = (7, 15)
CURRENCIES = ("USD", "EUR", "JPY")
_TIME_ZONES: set[str] | None = None


def known_time_zone(name: str) -> bool:
    global _TIME_ZONES
    if _TIME_ZONES is None:
        _TIME_ZONES = available_timezones() | {"UTC"}
    return name in _TIME_ZONES


def _typed(text: str) -> str:
    """What a person meant: full-width letters, digits and @ (Japanese input) as plain ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def _ascii_host(host: str) -> str | None:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def validate_name(name) -> str:
    """A person's name as search and sort compare it: NFKC (full-width letters and spaces made plain,
    half-width katakana made full-width), one space between words."""
    text = " ".join(_typed(name).split()) if isinstance(name, str) else ""
    if not text or len(text) > 200:
        raise ActionError("Enter the customer's name (up to 200 characters).")
    return text


def validate_email(email) -> str:
    """The address, lowercased, or ActionError; an internationalised host is kept as typed."""
    address = _typed(email) if isinstance(email, str) and len(email) <= 320 else None
    if address and address.count("@") == 1 and len(address) <= 254:
        local, host = address.split("@")
        ascii_host = _ascii_host(host)
        if ascii_host and len(ascii_host) <= 253 and EMAIL_PATTERN.match(f"{local}@{ascii_host}"):
            return address.lower()
    raise ActionError(f"{str(email)[:80]!r} is not an email address.")


def validate_phone(number) -> str:
    """The number as typed (full-width digits made plain), or ActionError."""
    text = _typed(number) if isinstance(number, str) and len(number) <= 80 else ""
    digits = sum(ch.isdigit() for ch in text)
    if len(text) > 40 or not PHONE_PATTERN.match(text) or not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        raise ActionError(f"{str(number)[:40]!r} is not a phone number.")
    return text


def create_customer(s: Session, *, name: str, email: str, actor: User, language: str = "en",
                    time_zone: str = "UTC", currency: str = "USD", birthday: date | None = None,
                    memo: str | None = None, phones: list[str] = (), tags: list[str] = (),
                    addresses: list[dict] = (), newsletter: bool = False,
                    other_emails: list[str] = ()) -> Customer:
    require_actor(actor)
    name = validate_name(name)
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
    customer = Customer(name=name, language=language, time_zone=time_zone, currency=currency,
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
    record(s, None, "product.create", sku=product.sku, product_id=product.id, price=product.price)
    return product
