"""Customer search and the 360 view: profile, KPIs, order and case history, activity over time.

The search results and both histories are server-side grids: each call answers one block of rows
(`start_row`..`end_row`) in the order AG Grid's `sortModel` asks for, always ending with the id so
pages never overlap.

Names sort by code point on both databases (PostgreSQL is told `COLLATE "C"`): the same order on
SQLite and PostgreSQL whatever the server's locale, with Japanese names grouped by their first
character. The search text is NFKC-normalised first, as names are when saved (model.actions.customers
.validate_name), so full-width letters, digits and spaces typed with a Japanese IME and half-width
katakana match; a Japanese name typed without its space ("中村陽一") finds "中村 陽一".
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from ..entities import (
    Case, CaseStatus, CreditMemo, Customer, CustomerEmail, CustomerPhone, OrderItemSummary,
    OrderPaymentSummary, OrderSummary,
)
from ..money import ZERO, round_money

MAX_SEARCH_TEXT = 200
MIN_SEARCH_ASCII = 2
MAX_PAGE = 500          # rows per block, whatever the grid asks for
MAX_ID = 2**31 - 1      # the largest INTEGER key
OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)
NUMBER_PATTERN = re.compile(r"^(?P<prefix>SO|CS)-?(?P<digits>[0-9]{1,12})$")
PHONE_TEXT = re.compile(r"^\+?[0-9 ()./-]+$")


class GridRequestError(ValueError):
    """A block or sort the grid cannot have; the message is a sentence for a person."""


@dataclass(frozen=True)
class GridPage:
    rows: list[dict]
    total: int | None   # None: not counted, more rows may follow (the grid keeps asking)


def _block(start_row, end_row) -> tuple[int, int]:
    """(offset, limit) of a block the grid asks for."""
    if (not isinstance(start_row, int) or not isinstance(end_row, int) or isinstance(start_row, bool)
            or isinstance(end_row, bool) or start_row < 0 or end_row <= start_row):
        raise GridRequestError("Ask for a block of rows.")
    return start_row, min(end_row - start_row, MAX_PAGE)


def grid_order_by(sort_model, columns: Mapping, default: list, key, *, blanks: frozenset = frozenset()) -> list:
    """ORDER BY for AG Grid's sortModel over an allow-list {column id: expression}, ending with `key`.

    Columns in `blanks` may be NULL: blanks come last either way, on both databases (they disagree
    on where NULL goes by default).
    """
    if not sort_model:
        return default
    if not isinstance(sort_model, list) or len(sort_model) > 3:
        raise GridRequestError("Sort by at most three columns.")
    order = []
    for item in sort_model:
        column = columns.get(item.get("colId")) if isinstance(item, Mapping) else None
        if column is None or item.get("sort") not in ("asc", "desc"):
            raise GridRequestError("This column cannot be sorted.")
        term = column.asc() if item["sort"] == "asc" else column.desc()
        order.append(term.nulls_last() if item["colId"] in blanks else term)
    return [*order, key.asc() if sort_model[-1]["sort"] == "asc" else key.desc()]


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


def customer_key(value) -> int | None:
    """A customer id from the address bar or a form ("42"), or None when it cannot be one."""
    try:
        key = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return key if 0 < key <= MAX_ID else None


def load_customer(s: Session, customer_id) -> Customer | None:
    """The customer with emails, phones, addresses and tags loaded, or None.

    One query: a person has a few of each, so joining all four costs less than a query for each.
    """
    key = customer_key(customer_id)
    if key is None:
        return None
    return s.execute(select(Customer).where(Customer.id == key).options(
        joinedload(Customer.emails), joinedload(Customer.phones), joinedload(Customer.addresses),
        joinedload(Customer.tag_rows))).unique().scalar_one_or_none()


@dataclass(frozen=True)
class CustomerKpis:
    currency: str
    lifetime_value: Decimal     # grand totals of orders in the customer's currency
    orders: int
    cases: int
    items_returned: int
    items_fulfilled: int
    refunds_total: Decimal      # refunded on orders in the customer's currency
    open_cases: int
    last_contact: datetime | None

    @property
    def return_rate(self) -> float | None:
        """Returned units over shipped units; None before anything shipped."""
        return self.items_returned / self.items_fulfilled if self.items_fulfilled else None


def _money(total, currency: str) -> Decimal:
    """A SUM as exact money: SQLite sums NUMERIC columns as binary floats, so round to the minor unit."""
    return round_money(Decimal(str(total or 0)), currency)


def customer_kpis(s: Session, customer: Customer) -> CustomerKpis:
    """The header's figures, in one round trip (a scalar subquery each)."""
    mine = OrderSummary.customer_id == customer.id
    in_currency = mine & (OrderSummary.currency == customer.currency)
    with_payment = select(OrderSummary.grand_total, OrderPaymentSummary.refunded).join(
        OrderPaymentSummary, OrderPaymentSummary.order_id == OrderSummary.id).where(in_currency).subquery()
    lines = select(OrderItemSummary.returned, OrderItemSummary.fulfilled).join(
        OrderSummary, OrderSummary.id == OrderItemSummary.order_id).where(mine).subquery()
    cases = Case.customer_id == customer.id
    figures = s.execute(select(
        select(func.coalesce(func.sum(with_payment.c.grand_total), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(with_payment.c.refunded), 0)).scalar_subquery(),
        select(func.count()).select_from(OrderSummary).where(mine).scalar_subquery(),
        select(func.coalesce(func.sum(lines.c.returned), 0)).scalar_subquery(),
        select(func.coalesce(func.sum(lines.c.fulfilled), 0)).scalar_subquery(),
        select(func.count()).select_from(Case).where(cases).scalar_subquery(),
        select(func.count()).select_from(Case).where(cases, Case.status.in_(OPEN_CASE_STATUSES)).scalar_subquery(),
        select(func.max(func.coalesce(Case.last_message_at, Case.created_at))).where(cases).scalar_subquery(),
    )).one()
    value, refunded, orders, returned, fulfilled, case_count, open_cases, last_contact = figures
    if isinstance(last_contact, str):  # SQLite hands back text from an aggregate over a typed column
        last_contact = datetime.fromisoformat(last_contact)
    if last_contact is not None and last_contact.tzinfo is None:
        last_contact = last_contact.replace(tzinfo=timezone.utc)
    return CustomerKpis(currency=customer.currency, lifetime_value=_money(value, customer.currency),
                        orders=orders or 0, cases=case_count or 0, items_returned=int(returned),
                        items_fulfilled=int(fulfilled), refunds_total=_money(refunded, customer.currency),
                        open_cases=open_cases or 0, last_contact=last_contact)


ORDER_COLUMNS = {"number": OrderSummary.number, "placed": OrderSummary.placed_at,
                 "status": OrderSummary.status, "channel": OrderSummary.channel,
                 "total": OrderSummary.grand_total, "refunded": OrderPaymentSummary.refunded}
CASE_COLUMNS = {"number": Case.number, "subject": Case.subject, "status": Case.status, "type": Case.type,
                "order": OrderSummary.number, "created": Case.created_at}


def order_history(s: Session, customer_id: int, *, start_row: int = 0, end_row: int = 100,
                  sort_model=None) -> GridPage:
    """One block of the customer's orders (newest first unless sorted), and how many there are."""
    offset, limit = _block(start_row, end_row)
    order_by = grid_order_by(sort_model, ORDER_COLUMNS,
                             [OrderSummary.placed_at.desc(), OrderSummary.id.desc()], OrderSummary.id)
    stmt = (select(OrderSummary.number, OrderSummary.placed_at, OrderSummary.channel, OrderSummary.status,
                   OrderSummary.currency, OrderSummary.grand_total, OrderPaymentSummary.refunded)
            .join(OrderPaymentSummary, OrderPaymentSummary.order_id == OrderSummary.id)
            .where(OrderSummary.customer_id == customer_id).order_by(*order_by).offset(offset).limit(limit))
    rows = [dict(r._mapping) for r in s.execute(stmt)]
    total = s.scalar(select(func.count()).select_from(OrderSummary).where(OrderSummary.customer_id == customer_id))
    return GridPage(rows, total)


def case_history(s: Session, customer_id: int, *, start_row: int = 0, end_row: int = 100,
                 sort_model=None) -> GridPage:
    """One block of the customer's cases (newest first unless sorted), and how many there are."""
    offset, limit = _block(start_row, end_row)
    order_by = grid_order_by(sort_model, CASE_COLUMNS, [Case.created_at.desc(), Case.id.desc()], Case.id,
                             blanks=frozenset({"order"}))
    stmt = (select(Case.number, Case.subject, Case.status, Case.type, Case.priority, Case.created_at,
                   OrderSummary.number.label("order_number"))
            .outerjoin(OrderSummary, OrderSummary.id == Case.order_id)
            .where(Case.customer_id == customer_id).order_by(*order_by).offset(offset).limit(limit))
    rows = [dict(r._mapping) for r in s.execute(stmt)]
    total = s.scalar(select(func.count()).select_from(Case).where(Case.customer_id == customer_id))
    return GridPage(rows, total)


def _month(s: Session, column):
    """'YYYY-MM' of a UTC timestamp column, in SQL."""
    if s.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def activity_by_month(s: Session, customer: Customer) -> list[dict]:
    """[{month: 'YYYY-MM', orders: n, refunds: Decimal}] for the whole history, oldest first.

    Orders of every currency count; refunds are those of orders in the customer's currency (the
    chart's axis is in that currency). Months are UTC months.
    """
    placed_month = _month(s, OrderSummary.placed_at)
    memo_month = _month(s, CreditMemo.created_at)
    placed = (select(placed_month.label("month"), func.count().label("orders"), literal(0).label("refunds"))
              .where(OrderSummary.customer_id == customer.id).group_by(placed_month))
    refunded = (select(memo_month, literal(0), func.sum(CreditMemo.amount))
                .join(OrderSummary, OrderSummary.id == CreditMemo.order_id)
                .where(OrderSummary.customer_id == customer.id, OrderSummary.currency == customer.currency)
                .group_by(memo_month))
    rows = s.execute(union_all(placed, refunded)).all()
    months: dict[str, dict] = {}
    for key, orders, refunds in rows:
        month = months.setdefault(key, {"month": key, "orders": 0, "refunds": ZERO})
        month["orders"] += int(orders)
        month["refunds"] += _money(refunds, customer.currency)
    return [months[key] for key in sorted(months)]
