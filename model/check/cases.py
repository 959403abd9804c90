"""Rules 21–23: cases against their order and their messages."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.engine import Connection

from ..entities import Case, CaseMessage, OrderSummary
from .reading import O
from .report import Report


# --- rules 21–23: cases ------------------------------------------------------------------------
def _check_cases(conn: Connection, r: Report) -> None:
    c, m = Case.__table__.c, CaseMessage.__table__.c
    r.cases = conn.execute(select(func.count()).select_from(Case.__table__)).scalar_one()
    linked = Case.__table__.join(OrderSummary.__table__, O.id == c.order_id)
    for row in conn.execute(select(c.id, c.customer_id, O.customer_id.label("order_customer")).select_from(linked)
                            .where(or_(c.customer_id.is_(None), c.customer_id != O.customer_id)).order_by(c.id)):
        r.fail(21, "cases", row.id, f"customer_id: expected {row.order_customer} (the linked order's customer), "
                                    f"found {row.customer_id}")
    replied = exists().where(m.case_id == c.id, m.kind == "reply")
    for row in conn.execute(select(c.id, c.first_response_at).where(or_(
            and_(c.first_response_at.is_(None), replied), and_(c.first_response_at.is_not(None), ~replied)))
            .order_by(c.id)):
        r.fail(22, "cases", row.id, "first_response_at: expected a time (the case has a reply), found none"
               if row.first_response_at is None else
               f"first_response_at: expected none (no reply), found {row.first_response_at}")
    for row in conn.execute(select(c.id, c.status).where(c.status.in_(("resolved", "closed")),
                                                         c.resolved_at.is_(None)).order_by(c.id)):
        r.fail(23, "cases", row.id, f"resolved_at: expected a time (status {row.status}), found none")
