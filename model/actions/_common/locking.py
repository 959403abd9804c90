"""Loading an order or a case under a lock, and the opening of an order action."""
from __future__ import annotations

from functools import lru_cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ...entities import Case, FulfillmentOrder, OrderSummary, User
from ...ids import valid_id
from ...permissions import service_capability
from .audit import claim_key
from .base import ActionError, check_reason, require_actor


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
