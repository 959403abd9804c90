"""Customer search: by name, any email or phone, or the number of an order or case they own.

Names sort by code point on both databases (PostgreSQL is told `COLLATE "C"`): the same order on
SQLite and PostgreSQL whatever the server's locale, with Japanese names grouped by their first
character. The search text is NFKC-normalised first, as names are when saved (model.actions.customers
.validate_name), so full-width letters, digits and spaces typed with a Japanese IME and half-width
katakana match; a Japanese name typed without its space ("中村陽一") finds "中村 陽一".
"""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from ..entities import Case, Customer, CustomerEmail, CustomerPhone, OrderSummary
from .customer_grid import GridPage, _block, grid_order_by

MAX_SEARCH_TEXT = 200
MIN_SEARCH_ASCII = 2
NUMBER_PATTERN = re.compile(r"^(?P<prefix>SO|CS)-?(?P<digits>[0-9]{1,12})$")
PHONE_TEXT = re.compile(r"^\+?[0-9 ()./-]+$")


def typed_text(text) -> str:
    """What a person typed, as stored text compares: NFKC (full-width → plain), trimmed, at most 200."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()[:MAX_SEARCH_TEXT]


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _digits_only(column):
    """The phone number without the punctuation people type (PHONE_PATTERN allows these)."""
    for char in " ()./-+":
        column = func.replace(column, char, "")
    return column


def name_sort_key(s: Session):
    """Customer.name in code-point order on both databases (see the module's docstring)."""
    return Customer.name.collate("C") if s.get_bind().dialect.name == "postgresql" else Customer.name


def _primary_email():
    return (select(CustomerEmail.email).where(CustomerEmail.customer_id == Customer.id,
                                              CustomerEmail.is_primary.is_(True))
            .limit(1).correlate(Customer).scalar_subquery())


def searchable(text: str) -> bool:
    """Long enough to search for: one Latin letter matches nearly everyone (a scan of every name and
    email for nothing useful), one kanji is a surname (林)."""
    return len(text) >= (MIN_SEARCH_ASCII if text.isascii() else 1)


def _search_ids(s: Session, text: str) -> list:
    """What `text` may be, each as a SELECT of customer ids (the caller takes their union).

    Every infix match scans its table, so each is asked only where it can match: an order or case
    number is looked up alone (by its index); a text with "@" is no name, one with spaces no email,
    and a text in other letters than ASCII no email either unless it has an "@" (hosts can be
    internationalised); phones only for a text made of phone characters with 4 digits or more.

    One `id IN (… UNION ALL …)` rather than `name LIKE … OR id IN (…) OR …`: both databases then
    join the id sets once, where an OR makes PostgreSQL test each customer against each set (and
    re-scan a set too big to hash).
    """
    number = NUMBER_PATTERN.match(text.upper())
    if number:
        wanted = f"{number['prefix']}-{int(number['digits']):08d}"
        owner = OrderSummary if number["prefix"] == "SO" else Case
        return [select(owner.customer_id).where(owner.number == wanted)]
    found = []
    if "@" not in text:
        found.append(select(Customer.id).where(_name_matches(s, text)))
    if not any(ch.isspace() for ch in text) and (text.isascii() or "@" in text):
        found.append(select(CustomerEmail.customer_id).where(
            CustomerEmail.email.like(_like(text.lower()), escape="\\")))
    digits = "".join(ch for ch in text if ch.isdigit())
    if PHONE_TEXT.match(text) and len(digits) >= 4:
        found.append(select(CustomerPhone.customer_id).where(_digits_only(CustomerPhone.number).like(f"%{digits}%")))
    return found


def _name_matches(s: Session, text: str):
    """Names containing `text`, ignoring case; a text without spaces in other letters than ASCII
    (Japanese) also matches across the space between family and given name."""
    words = " ".join(text.split())
    name = Customer.name
    if " " not in words and not words.isascii():
        name = func.replace(name, " ", "")
    if s.get_bind().dialect.name == "postgresql":
        return name.ilike(_like(words), escape="\\")
    return name.like(_like(words), escape="\\")  # SQLite's LIKE ignores ASCII case itself


def search_customers(s: Session, text: str | None, *, start_row: int = 0, end_row: int = 100,
                     sort_model=None) -> GridPage:
    """Customers whose name, any email or phone contains `text`, or who own the order or case numbered `text`.

    Not counted (a count would scan every name once more): `total` is known on the last block only.
    Two steps: the block's ids in order, then their primary emails, so the email subquery runs for
    the rows shown rather than for every match.
    """
    offset, limit = _block(start_row, end_row)
    text = typed_text(text)
    if not searchable(text):
        return GridPage([], 0)
    name = name_sort_key(s)
    columns = {"name": name, "email": _primary_email(), "language": Customer.language,
               "currency": Customer.currency}
    order_by = grid_order_by(sort_model, columns, [name.asc(), Customer.id.asc()], Customer.id,
                             blanks=frozenset({"email"}))
    found = s.execute(select(Customer.id, Customer.name, Customer.language, Customer.currency)
                      .where(Customer.id.in_(union_all(*_search_ids(s, text)))).order_by(*order_by)
                      .offset(offset).limit(limit + 1)).all()
    rows = [dict(r._mapping) for r in found[:limit]]
    emails = dict(s.execute(select(CustomerEmail.customer_id, CustomerEmail.email).where(
        CustomerEmail.customer_id.in_([r["id"] for r in rows]), CustomerEmail.is_primary.is_(True))).all())
    for row in rows:
        row["email"] = emails.get(row["id"])
    more = len(found) > limit
    return GridPage(rows, None if more else offset + len(rows))
