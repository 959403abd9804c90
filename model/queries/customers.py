"""Customer search and the 360 view: profile, KPIs, order and case history, activity over time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from ..entities import (
    Case, CaseStatus, CreditMemo, Customer, CustomerEmail, CustomerPhone, OrderItemSummary,
    OrderPaymentSummary, OrderSummary,
)
from ..money import ZERO

SEARCH_LIMIT = 100
HISTORY_LIMIT = 500
OPEN_CASE_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)


@dataclass(frozen=True)
class SearchResult:
    rows: list[dict]
    more: bool          # more than `limit` matched: ask the person to refine


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _digits_only(column):
    """The phone number without the punctuation people type (PHONE_PATTERN allows these)."""
    for char in " ()./-+":
        column = func.replace(column, char, "")
    return column


def search_customers(s: Session, text: str | None, *, limit: int = SEARCH_LIMIT) -> SearchResult:
    """Customers whose name, any email or phone contains `text`, or who own the order or case numbered `text`."""
    text = (text or "").strip()[:200]
    if not text:
        return SearchResult([], False)
    pattern = _like(text.lower())
    number = text.upper()
    digits = "".join(ch for ch in text if ch.isdigit())
    matches = [
        func.lower(Customer.name).like(pattern, escape="\\"),
        Customer.id.in_(select(CustomerEmail.customer_id).where(CustomerEmail.email.like(pattern, escape="\\"))),
        Customer.id.in_(select(OrderSummary.customer_id).where(OrderSummary.number == number)),
        Customer.id.in_(select(Case.customer_id).where(Case.number == number)),
    ]
    if len(digits) >= 4:
        matches.append(Customer.id.in_(select(CustomerPhone.customer_id).where(
            _digits_only(CustomerPhone.number).like(f"%{digits}%"))))
    primary = (select(CustomerEmail.email).where(CustomerEmail.customer_id == Customer.id,
                                                 CustomerEmail.is_primary.is_(True))
               .limit(1).correlate(Customer).scalar_subquery())
    stmt = (select(Customer.id, Customer.name, primary.label("email"), Customer.language, Customer.currency)
            .where(or_(*matches)).order_by(Customer.name, Customer.id).limit(limit + 1))
    rows = [dict(r._mapping) for r in s.execute(stmt)]
    return SearchResult(rows[:limit], len(rows) > limit)


def load_customer(s: Session, customer_id) -> Customer | None:
    """The customer with emails, phones, addresses and tags loaded, or None."""
    try:
        key = int(customer_id)
    except (TypeError, ValueError):
        return None
    return s.execute(select(Customer).where(Customer.id == key).options(
        selectinload(Customer.emails), selectinload(Customer.phones), selectinload(Customer.addresses),
        selectinload(Customer.tag_rows))).scalar_one_or_none()


@dataclass(frozen=True)
class CustomerKpis:
    currency: str
    lifetime_value: Decimal     # grand totals of orders in the customer's currency
    orders: int
    items_returned: int
    items_fulfilled: int
    refunds_total: Decimal      # refunded on orders in the customer's currency
    open_cases: int
    last_contact: datetime | None

    @property
    def return_rate(self) -> float | None:
        """Returned units over shipped units; None before anything shipped."""
        return self.items_returned / self.items_fulfilled if self.items_fulfilled else None


def customer_kpis(s: Session, customer: Customer) -> CustomerKpis:
    in_currency = (OrderSummary.customer_id == customer.id) & (OrderSummary.currency == customer.currency)
    value, refunded = s.execute(
        select(func.coalesce(func.sum(OrderSummary.grand_total), 0),
               func.coalesce(func.sum(OrderPaymentSummary.refunded), 0))
        .join(OrderPaymentSummary, OrderPaymentSummary.order_id == OrderSummary.id).where(in_currency)).one()
    orders = s.scalar(select(func.count()).select_from(OrderSummary)
                      .where(OrderSummary.customer_id == customer.id))
    returned, fulfilled = s.execute(
        select(func.coalesce(func.sum(OrderItemSummary.returned), 0),
               func.coalesce(func.sum(OrderItemSummary.fulfilled), 0))
        .join(OrderSummary, OrderSummary.id == OrderItemSummary.order_id)
        .where(OrderSummary.customer_id == customer.id)).one()
    open_cases, last_contact = s.execute(
        select(func.count().filter(Case.status.in_(OPEN_CASE_STATUSES)),
               func.max(func.coalesce(Case.last_message_at, Case.created_at)))
        .where(Case.customer_id == customer.id)).one()
    if isinstance(last_contact, str):  # SQLite hands back text from an aggregate over a typed column
        last_contact = datetime.fromisoformat(last_contact)
    return CustomerKpis(currency=customer.currency, lifetime_value=Decimal(str(value)), orders=orders or 0,
                        items_returned=int(returned), items_fulfilled=int(fulfilled),
                        refunds_total=Decimal(str(refunded)), open_cases=open_cases or 0,
                        last_contact=last_contact)


def order_history(s: Session, customer_id: int, *, limit: int = HISTORY_LIMIT) -> list[dict]:
    """The customer's newest orders, one dict per order (grid rows)."""
    stmt = (select(OrderSummary.number, OrderSummary.placed_at, OrderSummary.channel, OrderSummary.status,
                   OrderSummary.currency, OrderSummary.grand_total, OrderPaymentSummary.refunded)
            .join(OrderPaymentSummary, OrderPaymentSummary.order_id == OrderSummary.id)
            .where(OrderSummary.customer_id == customer_id)
            .order_by(OrderSummary.placed_at.desc(), OrderSummary.id.desc()).limit(limit))
    return [dict(r._mapping) for r in s.execute(stmt)]


def case_history(s: Session, customer_id: int, *, limit: int = HISTORY_LIMIT) -> list[dict]:
    stmt = (select(Case.number, Case.subject, Case.status, Case.type, Case.priority, Case.created_at,
                   OrderSummary.number.label("order_number"))
            .outerjoin(OrderSummary, OrderSummary.id == Case.order_id)
            .where(Case.customer_id == customer_id).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))
    return [dict(r._mapping) for r in s.execute(stmt)]


def activity_by_month(s: Session, customer: Customer) -> list[dict]:
    """[{month: 'YYYY-MM', orders: n, refunds: Decimal}] in the customer's currency, oldest first."""
    placed = s.execute(select(OrderSummary.placed_at).where(
        OrderSummary.customer_id == customer.id).order_by(OrderSummary.placed_at).limit(HISTORY_LIMIT)).scalars()
    memos = s.execute(select(CreditMemo.created_at, CreditMemo.amount)
                      .join(OrderSummary, OrderSummary.id == CreditMemo.order_id)
                      .where(OrderSummary.customer_id == customer.id,
                             OrderSummary.currency == customer.currency).limit(HISTORY_LIMIT * 4)).all()
    months: dict[str, dict] = {}

    def bucket(moment: datetime) -> dict:
        key = moment.strftime("%Y-%m")
        return months.setdefault(key, {"month": key, "orders": 0, "refunds": ZERO})

    for moment in placed:
        bucket(moment)["orders"] += 1
    for moment, amount in memos:
        bucket(moment)["refunds"] += amount
    return [months[key] for key in sorted(months)]
