"""The read side of /admin: users with their state, and the audit log with filters."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, aliased

from ..entities import AuditEvent, Case, Customer, OrderSummary, User, UserSession, utcnow

AUDIT_LIMIT = 200
MAX_RANGE_DAYS = 3660


class AuditFilterError(ValueError):
    """A filter the audit list does not accept; the message is for a person."""


@dataclass(frozen=True)
class UserRow:
    id: int
    login: str
    display_name: str
    role: str
    language: str
    active: bool
    created_at: datetime
    open_sessions: int


def list_users(s: Session, *, now: datetime | None = None) -> list[UserRow]:
    """Every user, by login, with the number of sessions open now."""
    now = now or utcnow()
    sessions = (select(UserSession.user_id, func.count().label("n")).where(UserSession.expires_at > now)
                .group_by(UserSession.user_id).subquery())
    rows = s.execute(
        select(User.id, User.login, User.display_name, User.role, User.language, User.active, User.created_at,
               func.coalesce(sessions.c.n, 0))
        .outerjoin(sessions, sessions.c.user_id == User.id).order_by(User.login)).all()
    return [UserRow(*row) for row in rows]


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None      # None: anyone; 0: the system (no actor)
    action: str | None = None        # exact action ("order.cancel") or a family ("order.")
    start: date | None = None        # days in UTC, both included
    end: date | None = None

    @classmethod
    def build(cls, *, actor=None, action=None, start=None, end=None) -> "AuditFilter":
        """From the admin page's controls; AuditFilterError with a sentence for anything else."""
        actor_id = None
        if actor not in (None, ""):
            try:
                actor_id = int(str(actor))
            except ValueError:
                raise AuditFilterError("Choose a person from the list.") from None
            if actor_id < 0:
                raise AuditFilterError("Choose a person from the list.")
        if action in ("", None):
            action = None
        elif not isinstance(action, str) or len(action) > 48 or not all(c.isalnum() or c in "._" for c in action):
            raise AuditFilterError("Choose a kind of event from the list.")
        start_day = _day(start, "The start date is not a date (YYYY-MM-DD).")
        end_day = _day(end, "The end date is not a date (YYYY-MM-DD).")
        if start_day and end_day and start_day > end_day:
            raise AuditFilterError("The start date is after the end date.")
        if start_day and end_day and (end_day - start_day).days > MAX_RANGE_DAYS:
            raise AuditFilterError("Choose at most ten years.")
        return cls(actor_id=actor_id, action=action, start=start_day, end=end_day)


def _day(value, refusal: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise AuditFilterError(refusal) from None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor: str | None                # login; None for the system
    action: str
    order_number: str | None
    case_number: str | None
    customer_name: str | None
    before_amount: Decimal | None
    after_amount: Decimal | None
    detail: dict


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    more: bool                       # more events match than `rows` holds (newest first)


def _detail(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def audit_events(s: Session, flt: AuditFilter, *, limit: int = AUDIT_LIMIT) -> AuditPage:
    """The newest events matching `flt`, at most `limit` (one indexed scan: id descending)."""
    actor = aliased(User)
    stmt = (select(AuditEvent.id, AuditEvent.at, actor.login, AuditEvent.action, OrderSummary.number, Case.number,
                   Customer.name, AuditEvent.before_amount, AuditEvent.after_amount, AuditEvent.detail)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .outerjoin(OrderSummary, OrderSummary.id == AuditEvent.order_id)
            .outerjoin(Case, Case.id == AuditEvent.case_id)
            .outerjoin(Customer, Customer.id == AuditEvent.customer_id))
    if flt.actor_id == 0:
        stmt = stmt.where(AuditEvent.actor_id.is_(None))
    elif flt.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == flt.actor_id)
    if flt.action and flt.action.endswith("."):
        stmt = stmt.where(AuditEvent.action.startswith(flt.action, autoescape=True))
    elif flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.start:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(flt.start, time.min, tzinfo=timezone.utc))
    if flt.end:
        stmt = stmt.where(AuditEvent.at < datetime.combine(flt.end + timedelta(days=1), time.min,
                                                           tzinfo=timezone.utc))
    rows = s.execute(stmt.order_by(AuditEvent.id.desc()).limit(limit + 1)).all()
    return AuditPage(rows=[AuditRow(*row[:-1], detail=_detail(row[-1])) for row in rows[:limit]],
                     more=len(rows) > limit)


# A skip scan over ix_audit_events_action: one index probe per kind, not a pass over every event.
_KINDS = text("""
WITH RECURSIVE kinds(action) AS (
    SELECT MIN(action) FROM audit_events
    UNION ALL
    SELECT (SELECT MIN(e.action) FROM audit_events e WHERE e.action > kinds.action)
    FROM kinds WHERE kinds.action IS NOT NULL
)
SELECT action FROM kinds WHERE action IS NOT NULL ORDER BY action
""")


def audit_actions(s: Session) -> list[str]:
    """The kinds of event recorded so far, for the filter's list."""
    return list(s.execute(_KINDS).scalars())
