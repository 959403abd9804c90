"""Case workspace and queue header reads: one case with its thread, lead KPIs, pickers."""
from __future__ import annotations

import json
import statistics
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..entities import (
    AuditEvent, Case, CaseMessage, CaseTag, Customer, CustomerEmail, OrderSummary, User, utcnow,
)
from ..ids import valid_id
from .queue import FINISHED_STATUSES, OPEN_STATUSES

NUMBER_LENGTH = 32
HISTORY_LIMIT = 200


# --- one case ------------------------------------------------------------------------------
@dataclass(frozen=True)
class MessageView:
    id: int
    kind: str  # "reply" | "note" | "customer"
    body: str
    author: str | None
    created_at: datetime


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    actor: str | None
    action: str
    detail: dict


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    name: str
    email: str | None
    language: str
    open_cases: int
    orders: int


@dataclass(frozen=True)
class OrderFacts:
    id: int
    number: str
    status: str
    currency: str
    grand_total: Decimal
    placed_at: datetime


@dataclass(frozen=True)
class CaseView:
    id: int
    number: str
    subject: str
    status: str
    type: str
    priority: str
    channel: str
    assignee_id: int | None
    assignee: str | None
    tags: list[str]
    cc: str | None
    language: str  # the customer's (the case's own when it has no customer): replies are written in it
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    due_at: datetime | None
    resolved_at: datetime | None
    customer: CustomerFacts | None
    order: OrderFacts | None
    messages: list[MessageView]
    history: list[HistoryItem]


def normalize_case_number(number) -> str | None:
    if not isinstance(number, str):
        return None
    number = number.strip().upper()
    return number if 0 < len(number) <= NUMBER_LENGTH else None


def case_view(s: Session, number) -> CaseView | None:
    """Everything the workspace shows for the case with this number, or None."""
    number = normalize_case_number(number)
    if number is None:
        return None
    case = s.execute(select(Case).where(Case.number == number)).scalar_one_or_none()
    if case is None:
        return None
    names = dict(s.execute(select(User.id, User.display_name)).all())
    messages = [MessageView(m.id, m.kind, m.body, names.get(m.author_id), m.created_at)
                for m in s.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)
                                   .order_by(CaseMessage.created_at, CaseMessage.id))]
    history = [HistoryItem(e.at, names.get(e.actor_id), e.action, _detail(e.detail))
               for e in s.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id)
                                  .order_by(AuditEvent.id.desc()).limit(HISTORY_LIMIT))]
    customer = customer_facts(s, case.customer_id) if case.customer_id else None
    return CaseView(
        id=case.id, number=case.number, subject=case.subject, status=case.status, type=case.type,
        priority=case.priority, channel=case.channel, assignee_id=case.assignee_id,
        assignee=names.get(case.assignee_id), tags=list(s.scalars(
            select(CaseTag.tag).where(CaseTag.case_id == case.id).order_by(CaseTag.tag))),
        cc=case.cc, language=customer.language if customer else case.language, created_at=case.created_at,
        updated_at=case.updated_at, first_response_at=case.first_response_at, due_at=case.due_at,
        resolved_at=case.resolved_at, customer=customer,
        order=order_facts(s, case.order_id) if case.order_id else None,
        messages=messages, history=history,
    )


def _detail(raw: str | None) -> dict:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def customer_facts(s: Session, customer_id: int) -> CustomerFacts | None:
    customer = s.get(Customer, customer_id)
    if customer is None:
        return None
    email = s.scalar(select(CustomerEmail.email).where(CustomerEmail.customer_id == customer_id)
                     .order_by(CustomerEmail.is_primary.desc(), CustomerEmail.id).limit(1))
    open_cases = s.scalar(select(func.count()).select_from(Case).where(
        Case.customer_id == customer_id, Case.status.in_(OPEN_STATUSES)))
    orders = s.scalar(select(func.count()).select_from(OrderSummary).where(OrderSummary.customer_id == customer_id))
    return CustomerFacts(customer.id, customer.name, email, customer.language, open_cases, orders)


def order_facts(s: Session, order_id: int) -> OrderFacts | None:
    row = s.execute(select(OrderSummary.id, OrderSummary.number, OrderSummary.status, OrderSummary.currency,
                           OrderSummary.grand_total, OrderSummary.placed_at)
                    .where(OrderSummary.id == order_id)).first()
    return OrderFacts(*row) if row else None


# --- pickers ---------------------------------------------------------------------------------
def assignable_users(s: Session) -> list[tuple[int, str]]:
    """Active people who work cases, by name: (id, display name)."""
    return [tuple(row) for row in s.execute(
        select(User.id, User.display_name).where(User.active.is_(True))
        .order_by(User.display_name, User.id))]


def search_customers(s: Session, text: str, *, limit: int = 20) -> list[tuple[int, str, str | None]]:
    """Customers whose name or an email starts with the text: (id, name, primary email)."""
    text = " ".join(str(text or "").split())[:100]
    if len(text) < 2:
        return []
    by_email = select(CustomerEmail.customer_id).where(CustomerEmail.email.istartswith(text.lower(),
                                                                                      autoescape=True))
    primary = (select(CustomerEmail.email).where(CustomerEmail.customer_id == Customer.id)
               .order_by(CustomerEmail.is_primary.desc(), CustomerEmail.id).limit(1).scalar_subquery())
    rows = s.execute(select(Customer.id, Customer.name, primary)
                     .where(or_(Customer.name.istartswith(text, autoescape=True), Customer.id.in_(by_email)))
                     .order_by(Customer.name, Customer.id).limit(limit))
    return [tuple(row) for row in rows]


def customer_label(s: Session, customer_id) -> tuple[int, str, str | None] | None:
    """(id, name, primary email) of the customer, or None for anything that names no customer."""
    if valid_id(customer_id) is None:
        return None
    facts = customer_facts(s, customer_id)
    return (facts.id, facts.name, facts.email) if facts else None


def customer_orders(s: Session, customer_id, *, limit: int = 100) -> list[tuple[int, str, datetime]]:
    """This customer's newest orders: (id, number, placed at)."""
    if valid_id(customer_id) is None:
        return []
    return [tuple(row) for row in s.execute(
        select(OrderSummary.id, OrderSummary.number, OrderSummary.placed_at)
        .where(OrderSummary.customer_id == customer_id)
        .order_by(OrderSummary.placed_at.desc(), OrderSummary.id.desc()).limit(limit))]


# --- the lead's header ---------------------------------------------------------------------
FORECAST_HOURS = 4
HANDLING_WINDOW = timedelta(days=7)
HANDLING_SAMPLE = 2000
KPI_TTL_SECONDS = 10.0


@dataclass(frozen=True)
class QueueKpis:
    open: int
    unassigned: int
    breaching: int
    oldest_open_at: datetime | None
    created_today: int
    resolved_today: int
    agent_load: list[tuple[str, int]]  # (display name, open cases), busiest first
    median_handling: timedelta | None
    breach_forecast: int  # open cases expected to breach in the next FORECAST_HOURS


_kpi_cache: dict[tuple, tuple[float, QueueKpis]] = {}
_kpi_lock = threading.Lock()


def queue_kpis(s: Session, *, day_start: datetime, now: datetime | None = None) -> QueueKpis:
    """Queue health for leads; `day_start` is midnight in the reader's time zone. Cached briefly."""
    key = (str(s.get_bind().url), day_start)
    clock = time.monotonic()
    with _kpi_lock:
        hit = _kpi_cache.get(key)
    if hit is not None and hit[0] > clock and now is None:
        return hit[1]
    kpis = _compute_kpis(s, day_start=day_start, now=now or utcnow())
    with _kpi_lock:
        if len(_kpi_cache) > 200:
            _kpi_cache.clear()
        _kpi_cache[key] = (clock + KPI_TTL_SECONDS, kpis)
    return kpis


def _compute_kpis(s: Session, *, day_start: datetime, now: datetime) -> QueueKpis:
    is_open = Case.status.in_(OPEN_STATUSES)
    count = lambda *where: s.scalar(select(func.count()).select_from(Case).where(*where))  # noqa: E731
    load = s.execute(select(User.display_name, func.count()).select_from(Case)
                     .join(User, User.id == Case.assignee_id)
                     .where(is_open).group_by(User.id, User.display_name)
                     .order_by(func.count().desc(), User.display_name)).all()
    # Resolving sets updated_at, so "resolved today" can ride the updated_at index.
    resolved_today = count(Case.updated_at >= day_start, Case.resolved_at >= day_start,
                           Case.status.in_(FINISHED_STATUSES))
    handling = median_handling_time(s, now)
    return QueueKpis(
        open=count(is_open),
        unassigned=count(is_open, Case.assignee_id.is_(None)),
        breaching=count(is_open, Case.due_at < now),
        oldest_open_at=s.scalar(select(func.min(Case.created_at)).where(is_open)),
        created_today=count(Case.created_at >= day_start),
        resolved_today=resolved_today,
        agent_load=[(name, n) for name, n in load],
        median_handling=handling,
        breach_forecast=breach_forecast(s, now, handling),
    )


def median_handling_time(s: Session, now: datetime) -> timedelta | None:
    """Median created → resolved time of the cases created in the last week that are resolved."""
    rows = s.execute(select(Case.created_at, Case.resolved_at)
                     .where(Case.created_at >= now - HANDLING_WINDOW, Case.resolved_at.is_not(None))
                     .order_by(Case.created_at.desc()).limit(HANDLING_SAMPLE)).all()
    durations = [(resolved - created).total_seconds() for created, resolved in rows if resolved >= created]
    return timedelta(seconds=statistics.median(durations)) if durations else None


def breach_forecast(s: Session, now: datetime, handling: timedelta | None) -> int:
    """Open cases not yet breached whose SLA falls due within the next hours and that, at the
    recent median handling time measured from when they came in, will not be done in time.

    Without a handling time to go by, every case falling due in the window counts.
    """
    horizon = now + timedelta(hours=FORECAST_HOURS)
    rows = s.execute(select(Case.created_at, Case.due_at).where(
        Case.status.in_(OPEN_STATUSES), and_(Case.due_at >= now, Case.due_at < horizon))).all()
    if handling is None:
        return len(rows)
    return sum(1 for created, due in rows if max(created + handling, now) > due)
