"""Customer search and the 360 view: profile, KPIs, order and case history, activity over time.

The 360 view lives here; the search is in `customer_search` and the server-side grid blocks (one
block of rows in the order AG Grid's `sortModel` asks for) in `customer_grid`. Their names are
re-exported, so `model.queries.customers` stays the one place pages import from.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session, joinedload

from ..entities import Case, CaseStatus, CreditMemo, Customer, OrderItemSummary, OrderPaymentSummary, OrderSummary
from ..money import ZERO, round_money
# Grid blocks and the search live in their own modules; their names stay importable from here.
from .customer_grid import MAX_PAGE, GridPage, GridRequestError, _block, grid_order_by  # noqa: F401
from .customer_search import (  # noqa: F401
    MAX_SEARCH_TEXT, MIN_SEARCH_ASCII, NUMBER_PATTERN, PHONE_TEXT, _digits_only, _like, _name_matches,
    _primary_email, _search_ids, name_sort_key, search_customers, searchable, typed_text,
)

MAX_ID = 2**31 - 1      # the largest INTEGER key
OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)


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
