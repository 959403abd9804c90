"""Refunds waiting for a manager (DESIGN: Approval): the read side of /approvals."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..entities import ApprovalStatus, OrderItemSummary, OrderSummary, PendingApproval, ReturnOrder, User
from ..ids import valid_id

LIST_LIMIT = 200


@dataclass(frozen=True)
class PendingRow:
    """One request as the approvals list shows it."""

    id: int
    order_id: int
    order_number: str
    action: str                 # the action's function name, e.g. "return_items"
    amount: Decimal             # the refund it would make, in `currency`
    currency: str
    requested_by: str
    requested_at: datetime
    reason: str | None          # reason code of the requested action
    note: str | None
    details: tuple              # ((sku, quantity or amount as text), …); a return order number for RMA close


@dataclass(frozen=True)
class PendingList:
    rows: list[PendingRow]
    total: int                  # all pending requests (rows holds at most `limit`, oldest first)


def _arguments(raw: str | None) -> dict:
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _line_ids(arguments: dict) -> set[int]:
    chosen = arguments.get("lines") or arguments.get("amounts") or {}
    ids = set()
    for key in chosen if isinstance(chosen, dict) else ():
        try:
            ids.add(int(key))
        except (TypeError, ValueError):
            continue
    return ids


def _details(action: str, arguments: dict, skus: dict[int, str], return_orders: dict[int, str]) -> tuple:
    if action == "credit_shipping":
        return (("shipping", str(arguments.get("amount", ""))),)
    if action == "close_return_order":
        number = return_orders.get(arguments.get("return_order_id"))
        return (("return_order", number),) if number else ()
    chosen = arguments.get("lines") or arguments.get("amounts") or {}
    if not isinstance(chosen, dict):
        return ()
    out = []
    for key, value in chosen.items():
        try:
            sku = skus.get(int(key), str(key))
        except (TypeError, ValueError):
            sku = str(key)
        out.append((sku, "" if value is None else str(value)))
    return tuple(out)


def pending_approvals(s: Session, *, limit: int = LIST_LIMIT) -> PendingList:
    """Pending requests, oldest first, with the order, requester and what was asked for."""
    limit = max(1, min(int(limit), LIST_LIMIT))
    total = s.scalar(select(func.count()).select_from(PendingApproval)
                     .where(PendingApproval.status == ApprovalStatus.PENDING)) or 0
    return PendingList(rows=_rows(s, PendingApproval.status == ApprovalStatus.PENDING, limit), total=int(total))


def pending_request(s: Session, request_id) -> PendingRow | None:
    """One request if it is still pending, else None (decided meanwhile, or no such id)."""
    if valid_id(request_id) is None:
        return None
    rows = _rows(s, (PendingApproval.id == request_id) & (PendingApproval.status == ApprovalStatus.PENDING), 1)
    return rows[0] if rows else None


def _rows(s: Session, condition, limit: int) -> list[PendingRow]:
    rows = s.execute(
        select(PendingApproval.id, PendingApproval.order_id, OrderSummary.number, PendingApproval.action,
               PendingApproval.amount, PendingApproval.currency, User.display_name, PendingApproval.created_at,
               PendingApproval.arguments)
        .join(OrderSummary, OrderSummary.id == PendingApproval.order_id)
        .join(User, User.id == PendingApproval.requested_by_id)
        .where(condition).order_by(PendingApproval.created_at, PendingApproval.id).limit(limit)).all()
    parsed = [_arguments(row.arguments) for row in rows]
    line_ids = set().union(*(_line_ids(a) for a in parsed)) if parsed else set()
    skus = dict(s.execute(select(OrderItemSummary.id, OrderItemSummary.sku)
                          .where(OrderItemSummary.id.in_(line_ids))).all()) if line_ids else {}
    ro_ids = {a["return_order_id"] for a in parsed if isinstance(a.get("return_order_id"), int)}
    return_orders = dict(s.execute(select(ReturnOrder.id, ReturnOrder.number)
                                   .where(ReturnOrder.id.in_(ro_ids))).all()) if ro_ids else {}
    return [PendingRow(id=row.id, order_id=row.order_id, order_number=row.number, action=row.action,
                       amount=row.amount, currency=row.currency, requested_by=row.display_name,
                       requested_at=row.created_at, reason=arguments.get("reason"), note=arguments.get("note"),
                       details=_details(row.action, arguments, skus, return_orders))
            for row, arguments in zip(rows, parsed)]
