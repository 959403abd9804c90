"""Case service: link the order."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..entities import Case, CaseStatus, Customer, User, utcnow
from ._common import ActionError, lock_case, record, require_actor
from .case_rules import _closed_error, _given_order


def link_case_order(s: Session, case_id: int, order_id: int | None, *, actor: User) -> Case:
    """Link one of the case's customer's orders to the case, change it, or unlink it (None).

    For the cases where no order was associated from the customer's words, or the
    wrong one: only that customer's own orders, never on a closed case; audited
    with the order before and after.
    """
    require_actor(actor, "take")
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    order = None
    if order_id is not None:
        if case.customer_id is None:
            raise ActionError(f"Case {case.number} has no customer; only a customer's own orders can be linked.")
        order = _given_order(s, order_id, s.get(Customer, case.customer_id))
    if (order.id if order else None) == case.order_id:
        return case
    before = case.order_id
    case.order_id = order.id if order else None
    case.updated_at = utcnow()
    record(s, actor, "case.order", case=case, order=order, before_order_id=before, order_id=case.order_id)
    s.flush()
    return case
