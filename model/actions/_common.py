"""What every action shares: errors, locks, audit, idempotency, rollups, numbers."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..entities import (
    AuditEvent, Case, ChangeOrder, CreditMemo, FulfillmentOrder, IdempotencyKey, OrderRollup,
    OrderSummary, PendingApproval, ReturnOrder, Role, User, utcnow,
)
from ..policy import current_policy


class ActionError(Exception):
    """Bad input or a refused action; the message is a sentence for a person."""


# --- numbers ------------------------------------------------------------------
NUMBER_PREFIX = {"order": "SO-", "case": "CS-", "credit_memo": "CM-", "return_order": "RMA-"}


def format_number(kind: str, ident: int) -> str:
    """Human numbers derived from the primary key: unique without a sequence table."""
    return f"{NUMBER_PREFIX[kind]}{ident:08d}"


def temporary_number() -> str:
    import uuid
    return "tmp-" + uuid.uuid4().hex[:24]


def assign_number(s: Session, obj, kind: str) -> None:
    obj.number = temporary_number()
    s.add(obj)
    s.flush()
    obj.number = format_number(kind, obj.id)


# --- actors -------------------------------------------------------------------
def require_actor(actor: User | None, *roles: str) -> User:
    if actor is None:
        raise ActionError("Sign in to do this.")
    if not getattr(actor, "active", True):
        raise ActionError("This user account is disabled.")
    if roles and actor.role not in roles:
        raise ActionError(f"Your role ({actor.role}) may not do this.")
    return actor


def is_approver(actor: User) -> bool:
    return actor.role in current_policy().approver_roles


def check_reason(action: str, reason: str | None) -> str:
    allowed = current_policy().reasons_for(action)
    if reason not in allowed:
        raise ActionError(f"Choose a reason for this action: {', '.join(allowed)}.")
    return reason


# --- loading under a lock -----------------------------------------------------
def lock_order(s: Session, order_id) -> OrderSummary:
    """The order row under FOR UPDATE (PostgreSQL); SQLite holds the write lock already."""
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        raise ActionError("Choose an order.")
    order = s.execute(
        select(OrderSummary).where(OrderSummary.id == order_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if order is None:
        raise ActionError(f"Order {order_id} does not exist.")
    s.refresh(order.payment, with_for_update=True)
    return order


def lock_case(s: Session, case_id) -> Case:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ActionError("Choose a case.")
    case = s.execute(
        select(Case).where(Case.id == case_id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if case is None:
        raise ActionError(f"Case {case_id} does not exist.")
    return case


def normalize_lines(order: OrderSummary, lines, *, available, what: str) -> dict[int, int]:
    """{line_id: qty} validated against the order; None means all that is `available`."""
    if lines is None:
        chosen = {ln.id: available(ln) for ln in order.lines if available(ln) > 0}
        if not chosen:
            raise ActionError(f"Nothing on order {order.number} can be {what}.")
        return chosen
    if not isinstance(lines, dict) or not lines:
        raise ActionError("Choose at least one line and a quantity.")
    chosen: dict[int, int] = {}
    for raw_id, raw_qty in lines.items():
        try:
            line_id = int(raw_id)
        except (TypeError, ValueError):
            raise ActionError(f"Line {raw_id!r} is not a line of order {order.number}.") from None
        line = order.line(line_id)
        if line is None:
            raise ActionError(f"Line {raw_id} is not a line of order {order.number}.")
        if raw_qty is None:
            qty = available(line)
        elif isinstance(raw_qty, bool) or not isinstance(raw_qty, (int, Decimal, str, float)):
            raise ActionError(f"Enter a whole number of units for {line.sku}.")
        else:
            try:
                qty_decimal = Decimal(str(raw_qty))
            except Exception:  # noqa: BLE001
                raise ActionError(f"Enter a whole number of units for {line.sku}.") from None
            if not qty_decimal.is_finite() or qty_decimal != qty_decimal.to_integral_value():
                raise ActionError(f"Enter a whole number of units for {line.sku}.")
            qty = int(qty_decimal)
        if qty <= 0:
            if raw_qty is None:
                raise ActionError(f"No unit of {line.sku} can be {what}.")
            raise ActionError(f"Enter a quantity of at least 1 for {line.sku}.")
        chosen[line_id] = chosen.get(line_id, 0) + qty
    return chosen


# --- sentences ---------------------------------------------------------------
def count_phrase(count: int, state: str) -> str:
    """'1 is already returned', '2 are not yet shipped'."""
    return f"{count} {'is' if count == 1 else 'are'} {state}"


def quantity_refusal(verb: str, sku: str, can: int, of: int, asked: int, reasons: list[str]) -> str:
    """'Only 1 of 3 units of A can be returned: 2 are already returned; you asked for 2.'"""
    why = f": {', '.join(reasons)}" if reasons else ""
    if can <= 0:
        return f"No unit of {sku} can be {verb}{why}."
    return f"Only {can} of {of} units of {sku} can be {verb}{why}; you asked for {asked}."


# --- audit --------------------------------------------------------------------
def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def to_json(value) -> str:
    return json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False)


def record(s: Session, actor: User | None, action: str, *, order: OrderSummary | None = None,
           case: Case | None = None, customer_id: int | None = None,
           before: Decimal | None = None, after: Decimal | None = None, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, action=action,
        order_id=order.id if order is not None else (case.order_id if case is not None else None),
        case_id=case.id if case is not None else None,
        customer_id=customer_id if customer_id is not None else (
            order.customer_id if order is not None else (case.customer_id if case is not None else None)),
        before_amount=before, after_amount=after, detail=to_json(detail) if detail else None,
    )
    s.add(event)
    return event


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


# --- rollups ------------------------------------------------------------------
def add_rollup(s: Session, *, day: date, kind: str, channel: str, currency: str, reason: str = "",
               category: str = "", events: int = 0, units: int = 0,
               amount: Decimal = Decimal("0"), refunded: Decimal = Decimal("0")) -> None:
    """Add to one rollup cell with an upsert, safe when two actions hit the same cell."""
    table = OrderRollup.__table__
    stmt = _dialect_insert(s, table).values(
        day=day, kind=kind, reason=reason, category=category, channel=channel, currency=currency,
        events=events, units=units, amount=amount, refunded=refunded)
    stmt = stmt.on_conflict_do_update(
        index_elements=["day", "kind", "reason", "category", "channel", "currency"],
        set_={"events": table.c.events + stmt.excluded.events,
              "units": table.c.units + stmt.excluded.units,
              "amount": table.c.amount + stmt.excluded.amount,
              "refunded": table.c.refunded + stmt.excluded.refunded})
    s.execute(stmt)


def today() -> date:
    return utcnow().date()


def bulk_insert(s: Session, model, rows: list[dict]) -> None:
    if rows:
        s.execute(insert(model), rows)


def role_values() -> tuple[str, ...]:
    return tuple(r.value for r in Role)
