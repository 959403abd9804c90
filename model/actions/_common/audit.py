"""Audit events and idempotency keys."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...entities import (
    AuditEvent, Case, ChangeOrder, CreditMemo, FulfillmentOrder, IdempotencyKey, OrderSummary,
    PendingApproval, ReturnOrder, User, utcnow,
)
from .base import ActionError


# --- audit --------------------------------------------------------------------
def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(value) -> str:
    return json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False)


def _audit_values(actor: User | None, action: str, order: OrderSummary | None, case: Case | None,
                  customer_id: int | None, before: Decimal | None, after: Decimal | None, detail: dict,
                  case_id: int | None = None) -> dict:
    return dict(
        actor_id=actor.id if actor is not None else None, action=action,
        order_id=order.id if order is not None else (case.order_id if case is not None else None),
        case_id=case.id if case is not None else case_id,
        customer_id=customer_id if customer_id is not None else (
            order.customer_id if order is not None else (case.customer_id if case is not None else None)),
        before_amount=before, after_amount=after, detail=to_json(detail) if detail else None,
    )


def record(s: Session, actor: User | None, action: str, *, order: OrderSummary | None = None,
           case: Case | None = None, customer_id: int | None = None, case_id: int | None = None,
           before: Decimal | None = None, after: Decimal | None = None, **detail) -> AuditEvent:
    """An audit event, written with the session's next flush (`case_id`: the case it was done for)."""
    event = AuditEvent(**_audit_values(actor, action, order, case, customer_id, before, after, detail, case_id))
    s.add(event)
    return event


_INSERT_AUDIT = insert(AuditEvent.__table__)


def record_now(s: Session, actor: User | None, action: str, *, order: OrderSummary | None = None,
               case: Case | None = None, customer_id: int | None = None, case_id: int | None = None,
               before: Decimal | None = None, after: Decimal | None = None, **detail) -> None:
    """The same audit event as `record`, inserted at once on the session's connection
    (for the money flow, whose other rows are written the same way)."""
    s.connection().execute(_INSERT_AUDIT, dict(
        _audit_values(actor, action, order, case, customer_id, before, after, detail, case_id), at=utcnow()))


# --- idempotency --------------------------------------------------------------
RESULT_TYPES = {cls.__name__: cls for cls in (ChangeOrder, CreditMemo, FulfillmentOrder,
                                              ReturnOrder, PendingApproval, OrderSummary)}


def _dialect_insert(s: Session, table):
    name = s.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def arguments_digest(action: str, arguments: dict) -> str:
    return hashlib.sha256(to_json({"action": action, **arguments}).encode()).hexdigest()


class _NoResult:
    """Marker: the key was used and the action produced no row (e.g. nothing to refund)."""


NO_RESULT = _NoResult()


def claim_key(s: Session, key: str | None, action: str, arguments: dict):
    """None if the caller owns `key` now (or no key); else the first result.

    The key row is inserted before the action runs: a concurrent caller with
    the same key waits on it (PostgreSQL) or on the write lock (SQLite) and
    then sees the committed first result.
    """
    if key is None:
        return None
    if not isinstance(key, str) or not key.strip() or len(key) > 128:
        raise ActionError("The idempotency key must be 1 to 128 characters.")
    digest = arguments_digest(action, arguments)
    stmt = _dialect_insert(s, IdempotencyKey.__table__).values(
        key=key, action=action, arguments_digest=digest, created_at=utcnow()
    ).on_conflict_do_nothing(index_elements=["key"]).returning(IdempotencyKey.__table__.c.key)
    # RETURNING, not rowcount: the ORM session reports rowcount -1 for this statement on psycopg.
    if s.execute(stmt).first() is not None:
        return None
    row = s.execute(select(IdempotencyKey).where(IdempotencyKey.key == key)
                    .execution_options(populate_existing=True)).scalar_one()
    if row.action != action or row.arguments_digest != digest:
        raise ActionError("This request key was already used for a different action; start again.")
    if row.result_type is None:
        return NO_RESULT
    return s.get(RESULT_TYPES[row.result_type], row.result_id)


def remember_result(s: Session, key: str | None, result) -> None:
    if key is None or result is None:
        return
    s.flush()
    row = s.get(IdempotencyKey, key)
    row.result_type = type(result).__name__
    row.result_id = result.id
