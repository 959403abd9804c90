"""Verify every numbered rule of model/INVARIANTS.md on a database.

    python -m model.check [--database-url URL] [--limit N]

Prints one line per violation ("rule 5: order_summaries 42: grand_total: expected
81.60, found 81.61"), then a summary line; exits 1 if anything is broken.

Orders are read in id-ordered chunks together with their lines, payments,
change orders, credit memos, shipments, returns and pending approvals (Core
selects of the needed columns only), so memory stays flat on millions of
orders. Every money value read is quantized to the order's currency with
`round_money` and all arithmetic is Decimal in Python: SQLite keeps Numeric
as floating values, so no money is summed in SQL. The rollup rules (24–27)
compare the rollup cells, each quantized and summed in Python per kind and
currency, with the facts summed during the same pass over the orders. The
whole check reads one snapshot (REPEATABLE READ on PostgreSQL, one read
transaction on SQLite) and never takes SQLite's write lock.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.engine import Connection

from .db import get_engine
from .entities import (
    Case, CaseMessage, ChangeOrder, ChangeOrderLine, CreditMemo, FulfillmentOrder, FulfillmentOrderLine,
    OrderItemSummary, OrderPaymentSummary, OrderRollup, OrderSummary, PendingApproval, ReturnOrder,
    ReturnOrderLine,
)
from .money import ZERO, discount_share, line_tax, round_money

CHUNK = 20_000
CHANGE_KINDS = ("cancel", "discount", "return", "rma", "shipping_credit")
O, P, L = OrderSummary.__table__.c, OrderPaymentSummary.__table__.c, OrderItemSummary.__table__.c
ORDER_MONEY = ("subtotal", "discounts", "tax", "shipping", "grand_total", "original_subtotal", "original_tax",
               "original_shipping", "original_grand_total", "shipping_charged", "shipping_captured",
               "shipping_released", "shipping_refunded", "fees", "authorized", "captured", "refunded")
LINE_MONEY = ("unit_price", "discount", "tax", "captured", "refunded")
LINE_COUNTS = ("ordered", "canceled", "allocated", "fulfilled", "return_initiated", "returned")


class _Enough(Exception):
    """The violation limit is reached."""


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    limit: int | None = None
    orders: int = 0
    lines: int = 0
    cases: int = 0

    def expect(self, rule: int, table: str, ident, what: str, expected, found) -> None:
        if expected != found:
            self.fail(rule, table, ident, f"{what}: expected {expected}, found {found}")

    def fail(self, rule: int, table: str, ident, message: str) -> None:
        self.violations.append(f"rule {rule}: {table} {ident}: {message}")
        if self.limit is not None and len(self.violations) >= self.limit:
            raise _Enough


def captured_target(unit_price: Decimal, tax_rate: Decimal, ordered: int, canceled: int, fulfilled: int,
                    returned: int, discount: Decimal, currency: str) -> Decimal:
    """Rule 4: net + tax of the fulfilled, kept units; open units take their discount share."""
    active = ordered - canceled - returned
    open_units = ordered - canceled - fulfilled
    carried = discount - discount_share(discount, active, open_units, currency)
    net = unit_price * (active - open_units) - carried
    return net + line_tax(net, tax_rate, currency)


def _quantized(row, names, currency: str) -> SimpleNamespace:
    values = row._asdict()
    for name in names:
        values[name] = round_money(values[name] if values[name] is not None else ZERO, currency)
    return SimpleNamespace(**values)


def _group(rows, key: str) -> dict:
    grouped = defaultdict(list)
    for row in rows:
        grouped[getattr(row, key)].append(row)
    return grouped


# --- reading --------------------------------------------------------------------------
@contextmanager
def _snapshot(database_url: str | None):
    engine = get_engine(database_url)
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        else:
            conn = conn.execution_options(readonly=True)  # plain BEGIN, not BEGIN IMMEDIATE (model.db)
        with conn.begin():
            yield conn


def _chunks(conn: Connection):
    """(orders, extras) per chunk of CHUNK orders in id order."""
    order_columns = [O.id, O.currency, O.status, *(O[n] for n in ORDER_MONEY[:14]),
                     P.id.label("payment_id"), P.authorized, P.captured, P.refunded]
    line_columns = [L.id, L.order_id, L.tax_rate, *(L[n] for n in LINE_COUNTS + LINE_MONEY)]
    after = 0
    while True:
        orders = conn.execute(select(*order_columns).select_from(OrderSummary.__table__.outerjoin(
            OrderPaymentSummary.__table__, P.order_id == O.id)).where(O.id > after)
            .order_by(O.id).limit(CHUNK)).all()
        if not orders:
            return
        low, high = orders[0].id, orders[-1].id
        after = high
        yield orders, _extras(conn, low, high, line_columns)


def _extras(conn: Connection, low: int, high: int, line_columns) -> SimpleNamespace:
    co, col, cm = ChangeOrder.__table__.c, ChangeOrderLine.__table__.c, CreditMemo.__table__.c
    fo, fol = FulfillmentOrder.__table__.c, FulfillmentOrderLine.__table__.c
    ro, rol, pa = ReturnOrder.__table__.c, ReturnOrderLine.__table__.c, PendingApproval.__table__.c

    def rows(*columns, where, join=None, order=None):
        stmt = select(*columns).where(where.between(low, high))
        stmt = stmt.select_from(join) if join is not None else stmt
        return conn.execute(stmt.order_by(order if order is not None else columns[0])).all()

    return SimpleNamespace(
        lines=_group(rows(*line_columns, where=L.order_id), "order_id"),
        changes=_group(rows(co.id, co.order_id, co.kind, co.amount, co.released, co.refunded,
                            where=co.order_id), "order_id"),
        change_lines=_group(rows(col.change_order_id, col.amount, where=co.order_id, order=col.id,
                                 join=ChangeOrder.__table__.join(ChangeOrderLine.__table__)),
                            "change_order_id"),
        memos=_group(rows(cm.id, cm.order_id, cm.change_order_id, cm.amount, where=cm.order_id), "order_id"),
        shipments=_group(rows(fol.line_id, fol.quantity, fol.reshipped, fo.status, fo.is_reship,
                              where=fo.order_id, order=fol.id,
                              join=FulfillmentOrder.__table__.join(FulfillmentOrderLine.__table__)), "line_id"),
        returns=_group(rows(rol.id, rol.line_id, rol.expected, rol.received, ro.status, where=ro.order_id,
                            join=ReturnOrder.__table__.join(ReturnOrderLine.__table__)), "line_id"),
        pending=_group(rows(pa.id, pa.order_id, pa.amount, where=and_(pa.status == "pending", pa.order_id)
                            .clauses[1] if False else pa.order_id), "order_id"),
    )
