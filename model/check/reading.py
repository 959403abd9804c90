"""Reading one snapshot: the record shapes, money rounded as read, orders in chunks with what
hangs off them."""
from __future__ import annotations

from collections import defaultdict, namedtuple
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat
from types import SimpleNamespace

from sqlalchemy import Numeric, and_, case, func, select, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.types import NullType

from ..db import get_engine
from ..entities import (
    ChangeOrder, ChangeOrderLine, CreditMemo, FulfillmentOrder, FulfillmentOrderLine, OrderItemSummary,
    OrderPaymentSummary, OrderSummary, PendingApproval, ReturnOrder, ReturnOrderLine,
)
from ..money import ZERO, round_money

CHUNK = 20_000
CHANGE_KINDS = ("cancel", "discount", "return", "rma", "shipping_credit")
O, P, L = OrderSummary.__table__.c, OrderPaymentSummary.__table__.c, OrderItemSummary.__table__.c
CO, COL, CM = ChangeOrder.__table__.c, ChangeOrderLine.__table__.c, CreditMemo.__table__.c
FO, FOL = FulfillmentOrder.__table__.c, FulfillmentOrderLine.__table__.c
RO, ROL, PA = ReturnOrder.__table__.c, ReturnOrderLine.__table__.c, PendingApproval.__table__.c
ORDER_MONEY = ("subtotal", "discounts", "tax", "shipping", "grand_total", "original_subtotal", "original_tax",
               "original_shipping", "original_grand_total", "shipping_charged", "shipping_captured",
               "shipping_released", "shipping_refunded", "fees")
PAYMENT_MONEY = ("authorized", "captured", "refunded")
LINE_COUNTS = ("ordered", "canceled", "allocated", "fulfilled", "return_initiated", "returned")
LINE_MONEY = ("unit_price", "discount", "tax", "captured", "refunded")
# Rows as read, money rounded; columns are selected in field order.
Order = namedtuple("Order", ("id", "currency", "status", *ORDER_MONEY, "payment_id", *PAYMENT_MONEY))
Line = namedtuple("Line", ("id", "order_id", "tax_rate", *LINE_COUNTS, *LINE_MONEY))
Change = namedtuple("Change", ("id", "order_id", "kind", "amount", "released", "refunded"))
Memo = namedtuple("Memo", ("id", "order_id", "change_order_id", "amount"))
Part = namedtuple("Part", ("id", "order_id", "owner_id", "amount"))  # change-order line, pending approval
MONEY = {Order: ORDER_MONEY + PAYMENT_MONEY, Line: LINE_MONEY, Change: ("amount", "released", "refunded"),
         Memo: ("amount",), Part: ("amount",)}
RATE = Decimal(1).scaleb(-L.tax_rate.type.scale)
NO_LINE = Line._make([0] * len(Line._fields))  # the column sums of no lines
NO_SHIPMENT = (0, 0, 0, 0)


# --- reading --------------------------------------------------------------------------------
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


def _select(conn: Connection, columns):
    """Numeric columns as the driver hands them over (SQLite: floating values) for _Rounded:
    SQLAlchemy's own conversion to Decimal, value by value, would be a third of the run time."""
    return select(*[type_coerce(c, NullType()).label(c.name) if isinstance(c.type, Numeric) else c
                    for c in columns])


class _Rounded(dict):
    """Stored value -> round_money(value, currency), remembered: most money values repeat (zeros,
    prices, shipping charges) and a dict hit costs far less than a Decimal. No currency: a rate,
    rounded to the scale of its column."""

    def __init__(self, currency: str | None):
        super().__init__()
        self.currency = currency

    def __missing__(self, stored):
        rounded = self[stored] = (round_money(stored, self.currency) if self.currency
                                  else Decimal(stored).quantize(RATE, ROUND_HALF_UP))
        return rounded


def _rounders(rows) -> dict:
    return {currency: _Rounded(currency) for currency in {row.currency for row in rows}}


def _records(rows, record, rounders) -> list:
    """`record`s with each row's money rounded by its currency's _Rounded, column by column
    through map: millions of values, and no line of Python for most of them."""
    if not rows:
        return []
    columns = list(zip(*rows))
    for name in MONEY[record]:
        i = record._fields.index(name)
        columns[i] = map(dict.__getitem__, rounders, columns[i])
    if record is Line:
        columns[2] = map(dict.__getitem__, repeat(_Rounded(None)), columns[2])
    return list(map(tuple.__new__, repeat(record), zip(*columns)))  # record._make, minus a Python call


def _group(records, position: int = 1) -> dict:
    grouped = defaultdict(list)
    for row in records:
        grouped[row[position]].append(row)
    return grouped


def _chunks(conn: Connection):
    """(orders, extras) for each run of CHUNK orders, in id order."""
    columns = ([O[n] for n in Order._fields[:3] + ORDER_MONEY] + [P.id.label("payment_id")]
               + [func.coalesce(P[n], 0).label(n) for n in PAYMENT_MONEY])
    stmt = _select(conn, columns).select_from(OrderSummary.__table__.outerjoin(
        OrderPaymentSummary.__table__, P.order_id == O.id)).order_by(O.id).limit(CHUNK)
    after = 0
    while rows := conn.execute(stmt.where(O.id > after)).all():
        # Fresh per chunk, so that memory stays flat.
        rounders = _rounders(rows)
        orders = _records(rows, Order, [rounders[row.currency] for row in rows])
        after = orders[-1].id
        yield orders, _extras(conn, orders[0].id, after, {o.id: rounders[o.currency] for o in orders})


def _extras(conn: Connection, low: int, high: int, rounder_of: dict) -> SimpleNamespace:
    """What hangs off the orders low..high: records grouped by order, sums by change order or line."""
    def read(record, columns, order_id, join=None, where=()):
        stmt = _select(conn, columns).where(order_id.between(low, high), *where)
        # Sorted as the order_id index already is: no sort step.
        rows = conn.execute(stmt.order_by(order_id, columns[0]) if join is None else stmt.select_from(join)).all()
        return _records(rows, record, [rounder_of[row[1]] for row in rows])

    def units(condition, column):
        return func.coalesce(func.sum(case((condition, column), else_=0)), 0)

    found = SimpleNamespace(
        lines=_group(read(Line, [L[n] for n in Line._fields], L.order_id)),
        changes=_group(read(Change, [CO[n] for n in Change._fields], CO.order_id)),
        memos=_group(read(Memo, [CM[n] for n in Memo._fields], CM.order_id)),
        change_parts=defaultdict(lambda: ZERO), pending=defaultdict(lambda: ZERO))
    for part in read(Part, [COL.id, CO.order_id, COL.change_order_id, COL.amount], CO.order_id,
                     join=ChangeOrder.__table__.join(ChangeOrderLine.__table__)):
        found.change_parts[part.owner_id] += part.amount
    for part in read(Part, [PA.id, PA.order_id, PA.order_id, PA.amount], PA.order_id, where=(PA.status == "pending",)):
        found.pending[part.order_id] += part.amount
    # Unit counts per line, added up in SQL: allocated and shipped first shipments, reshipped
    # units, units sent again from lost shipments (rules 17, 18); open returns (rule 19).
    first = ~FO.is_reship
    found.shipped = {row[0]: tuple(row[1:]) for row in conn.execute(
        select(FOL.line_id, units(and_(first, FO.status == "allocated"), FOL.quantity),
               units(and_(first, FO.status.in_(("fulfilled", "delivered", "lost"))), FOL.quantity),
               units(FO.is_reship, FOL.quantity), units(FO.status == "lost", FOL.reshipped))
        .select_from(FulfillmentOrder.__table__.join(FulfillmentOrderLine.__table__))
        .where(FO.order_id.between(low, high)).group_by(FOL.line_id)).all()}
    returns = ReturnOrder.__table__.join(ReturnOrderLine.__table__)
    found.initiated = dict(conn.execute(
        select(ROL.line_id, units(RO.status.in_(("submitted", "received")), ROL.expected)).select_from(returns)
        .where(RO.order_id.between(low, high)).group_by(ROL.line_id)).all())
    found.bad_receipts = conn.execute(select(ROL.id, ROL.expected, ROL.received).select_from(returns).where(
        RO.order_id.between(low, high), ~ROL.received.between(0, ROL.expected)).order_by(ROL.id)).all()
    return found
