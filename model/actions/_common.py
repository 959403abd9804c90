"""What every action shares: errors, locks, audit, idempotency, rollups, numbers."""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from datetime import date
from decimal import Decimal

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from ..entities import (
    AuditEvent, Case, ChangeOrder, CreditMemo, FulfillmentOrder, IdempotencyKey, OrderRollup,
    OrderSummary, PendingApproval, ReturnOrder, Role, User, utcnow,
)
from ..ids import valid_id
from ..permissions import can, capability as _capability, service_capability
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
def require_actor(actor: User | None, *capabilities: str) -> User:
    """The actor, if signed in, active and holding one of `capabilities` (model.permissions)."""
    if actor is None:
        raise ActionError("Sign in to do this.")
    if not getattr(actor, "active", True):
        raise ActionError("This user account is disabled.")
    if capabilities and not any(can(actor.role, _capability(name)) for name in capabilities):
        raise ActionError(f"Your role ({actor.role}) may not do this.")
    return actor


def is_approver(actor: User) -> bool:
    return can(actor.role, "approve")


def check_reason(action: str, reason: str | None) -> str:
    allowed = current_policy().reasons_for(action)
    if reason not in allowed:
        raise ActionError(f"Choose a reason for this action: {', '.join(allowed)}.")
    return reason


# --- loading under a lock -----------------------------------------------------
def lock_order(s: Session, order_id, *, fulfillment: bool = False) -> OrderSummary:
    """The order and its payment row, locked, with its lines and, with `fulfillment`,
    its fulfillment orders and their lines, all read fresh.

    PostgreSQL: SELECT … FOR UPDATE of the order and payment rows, then the lines
    in their own statements *after* the lock is held — a row joined into the
    locking statement would come from the snapshot taken before the wait.
    SQLite: the transaction holds the database's write lock from BEGIN IMMEDIATE,
    so one joined statement reads everything. Every writer of an order's rows
    locks the order first.
    """
    if not isinstance(order_id, int) or isinstance(order_id, bool):
        raise ActionError("Choose an order.")
    if valid_id(order_id) is None:
        raise ActionError(f"Order {order_id} does not exist.")
    statement = _lock_order_statement(s.get_bind().dialect.name == "postgresql", fulfillment)
    order = s.execute(statement, {"order_id": order_id}).unique().scalar_one_or_none()
    if order is None:
        raise ActionError(f"Order {order_id} does not exist.")
    return order


@lru_cache(maxsize=None)
def _lock_order_statement(on_postgresql: bool, fulfillment: bool):
    """lock_order's statement, built once: its loader options cost more to build than to run."""
    load = selectinload if on_postgresql else joinedload
    options = [joinedload(OrderSummary.payment, innerjoin=True), load(OrderSummary.lines)]
    if fulfillment:
        options.append(load(OrderSummary.fulfillment_orders).options(load(FulfillmentOrder.lines)))
    return (select(OrderSummary).where(OrderSummary.id == bindparam("order_id")).options(*options)
            .with_for_update().execution_options(populate_existing=True))


def start_order_action(s: Session, *, action: str, order_id, actor: User | None, reason: str | None,
                       reason_list: str, arguments: dict, idempotency_key: str | None,
                       fulfillment: bool = False, case_id: int | None = None):
    """The opening of an order action that is not a money flow (reship, RMA create):
    the actor, the reason code and the idempotency key are checked, then the order is locked.

    Returns (order, None), or (None, the first result) when the key was used before.
    `case_id`, when given, must be a case about this order or its customer.
    """
    require_actor(actor, service_capability(action))
    check_reason(reason_list, reason)
    arguments = {"order_id": order_id, **arguments, "reason": reason}
    if case_id is not None:
        arguments["case_id"] = case_id
    if (done := claim_key(s, idempotency_key, action, arguments)) is not None:
        return None, done
    order = lock_order(s, order_id, fulfillment=fulfillment)
    check_case(s, order, case_id)
    return order, None


def lock_case(s: Session, case_id) -> Case:
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ActionError("Choose a case.")
    if valid_id(case_id) is None:
        raise ActionError(f"Case {case_id} does not exist.")
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


def check_case(s: Session, order: OrderSummary, case_id) -> int | None:
    """The id of the case an order action is done for, if it is about this order or its customer."""
    if case_id is None:
        return None
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise ActionError("Choose a case.")
    if valid_id(case_id) is None:
        raise ActionError(f"Case {case_id} does not exist.")
    row = s.execute(select(Case.order_id, Case.customer_id, Case.number).where(Case.id == case_id)).first()
    if row is None:
        raise ActionError(f"Case {case_id} does not exist.")
    if row.order_id != order.id and row.customer_id != order.customer_id:
        raise ActionError(f"Case {row.number} is not about order {order.number} or its customer.")
    return case_id


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
    # Through the session's connection: the upsert touches no ORM object, so it
    # need not flush the action's pending changes first.
    connection = s.connection()
    connection.execute(_rollup_upsert(connection.dialect.name), {
        "day": day, "kind": kind, "reason": reason, "category": category, "channel": channel,
        "currency": currency, "events": events, "units": units, "amount": amount, "refunded": refunded})


_ROLLUP_UPSERTS: dict[str, object] = {}


def _rollup_upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE adding to a rollup cell, built once per dialect."""
    stmt = _ROLLUP_UPSERTS.get(dialect)
    if stmt is None:
        table = OrderRollup.__table__
        insert_ = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        stmt = insert_.on_conflict_do_update(
            index_elements=["day", "kind", "reason", "category", "channel", "currency"],
            set_={name: table.c[name] + insert_.excluded[name] for name in ("events", "units", "amount", "refunded")})
        _ROLLUP_UPSERTS[dialect] = stmt
    return stmt


# Analytics rollups beside the order rollups (model.entities.rollups): the product's units, the
# refunds per person and per amount, and each change-order line's refunded money.
_ANALYTICS_STATEMENTS: dict[tuple[str, str], object] = {}


def _additive_upsert(dialect: str, name: str):
    """INSERT … ON CONFLICT (primary key) DO UPDATE adding the measures, built once per dialect."""
    stmt = _ANALYTICS_STATEMENTS.get((dialect, name))
    if stmt is None:
        from ..entities import ProductRollup, RefundRollup, RefundSizeRollup
        table = {"product": ProductRollup, "refund": RefundRollup, "size": RefundSizeRollup}[name].__table__
        insert_ = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        keys = [c.name for c in table.primary_key.columns]
        stmt = _ANALYTICS_STATEMENTS[dialect, name] = insert_.on_conflict_do_update(
            index_elements=keys, set_={c.name: c + insert_.excluded[c.name] for c in table.c if c.name not in keys})
    return stmt


def add_product_rollup(s: Session, *, day: date, product_id: int, category: str, channel: str, currency: str,
                       reason: str = "", fulfilled_units: int = 0, returned_units: int = 0) -> None:
    """Add units to a product's rollup cells of `day` and of its month (one statement, two rows)."""
    connection = s.connection()
    cell = {"currency": currency, "channel": channel, "reason": reason, "category": category,
            "product_id": product_id, "fulfilled_units": fulfilled_units, "returned_units": returned_units}
    connection.execute(_additive_upsert(connection.dialect.name, "product"),
                       [dict(cell, grain="day", day=day), dict(cell, grain="month", day=day.replace(day=1))])


def add_refund_rollup(s: Session, *, day: date, actor_id: int | None, kind: str, reason: str, channel: str,
                      currency: str, refunded: Decimal) -> None:
    """Count a change order that refunded money: per person, and by its exact amount."""
    if refunded <= 0:
        return
    from ..money import to_minor
    connection = s.connection()
    dialect = connection.dialect.name
    cell = {"currency": currency, "day": day, "actor_id": actor_id or 0, "refunds": 1, "refunded": refunded}
    connection.execute(_additive_upsert(dialect, "refund"), [
        dict(cell, level=0, kind=kind, reason=reason, channel=channel),
        dict(cell, level=1, kind="*", reason="*", channel="*")])
    connection.execute(_additive_upsert(dialect, "size"), {
        "currency": currency, "day": day, "refunded_minor": to_minor(refunded, currency), "refunds": 1})


def today() -> date:
    return utcnow().date()


def bulk_insert(s: Session, model, rows: list[dict]) -> None:
    if rows:
        s.execute(insert(model), rows)


def role_values() -> tuple[str, ...]:
    return tuple(r.value for r in Role)
