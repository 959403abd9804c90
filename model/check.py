"""Verify every numbered rule of model/INVARIANTS.md on a database.

    python -m model.check [--database-url URL] [--limit N]

Prints one line per violation ("rule 5: order_summaries 42: grand_total: expected
81.60, found 81.61"), then a summary line; exits 1 if a rule is broken, 0 if none
is, 2 if the database cannot be read.

Orders are read in id-ordered chunks with what hangs off them (Core selects of
the needed columns, `order_id BETWEEN` the chunk's first and last id), so memory
stays flat on millions of orders. Every money value is read as stored (SQLite
keeps Numeric as floating values) and goes through `round_money`, half-up to the
currency's minor unit, before any comparison; all money arithmetic is Decimal in
Python and no money is added up in SQL, which only adds up unit counts. The
rollup rules (24–27) add the rollup cells up in Python, each cell rounded first,
and compare them with the facts summed during the pass over the orders. The
check reads one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on
SQLite) and never takes SQLite's write lock.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict, namedtuple
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import repeat
from types import SimpleNamespace

from sqlalchemy import Numeric, and_, case, exists, func, literal, or_, select, text, type_coerce
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import NullType

from .db import get_engine
from .entities import (
    Case, CaseMessage, ChangeOrder, ChangeOrderLine, CreditMemo, FulfillmentOrder, FulfillmentOrderLine,
    OrderItemSummary, OrderPaymentSummary, OrderRollup, OrderRollupTotal, OrderSummary, PendingApproval, RefundRollup,
    RefundSizeRollup, ReturnOrder, ReturnOrderLine,
)
from . import rollup_rebuild
from .money import ZERO, discount_share, line_tax, round_money, to_minor

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


class _Enough(Exception):
    """The violation limit is reached."""


@dataclass
class Report:
    found: list[tuple[int, str]] = field(default_factory=list)  # (rule, violation)
    limit: int | None = None
    stopped: bool = False
    orders: int = 0
    lines: int = 0
    cases: int = 0
    # currency -> (kind, measure) -> what the rollups must add up to
    facts: dict = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    @property
    def violations(self) -> list[str]:
        return [line for _, line in self.found]

    @property
    def rules(self) -> list[int]:
        return sorted({rule for rule, _ in self.found})

    def expect(self, rule: int, table: str, ident, what: str, expected, found) -> None:
        if expected != found:
            self.fail(rule, table, ident, f"{what}: expected {expected}, found {found}")

    def expect_each(self, table: str, ident, checks: tuple, expected: tuple, found: tuple) -> None:
        """checks: ((rule, what), …) for the values of `expected` and `found`; a single tuple
        comparison when all agree, as they should: this runs for every line and order."""
        if expected != found:
            for (rule, what), want, have in zip(checks, expected, found):
                self.expect(rule, table, ident, what, want, have)

    def fail(self, rule: int, table: str, ident, message: str) -> None:
        self.found.append((rule, f"rule {rule}: {table} {ident}: {message}"))
        if self.limit is not None and len(self.found) >= self.limit:
            self.stopped = True
            raise _Enough


# Lines and orders repeat the same few figures: the same net at the same rate, the same
# quantities; remembering the answers of line_tax and derive_status halves their cost.
_line_tax = lru_cache(maxsize=1 << 16)(line_tax)


@lru_cache(maxsize=1 << 12)
def _status(ordered: int, canceled: int, allocated: int, fulfilled: int, returned: int) -> str:
    """OrderSummary.derive_status, which only adds up the lines' quantities, from their sums."""
    line = SimpleNamespace(ordered=ordered, canceled=canceled, allocated=allocated, fulfilled=fulfilled,
                           returned=returned)
    return OrderSummary.derive_status(SimpleNamespace(lines=[line]))


def captured_target(unit_price: Decimal, tax_rate: Decimal, ordered: int, canceled: int, fulfilled: int,
                    returned: int, discount: Decimal, currency: str) -> Decimal:
    """Rule 4: net + tax of the fulfilled, kept units; open units take their discount share."""
    active = ordered - canceled - returned
    open_units = ordered - canceled - fulfilled
    carried = discount - discount_share(discount, active, open_units, currency) if discount else discount
    net = unit_price * (active - open_units) - carried
    return net + _line_tax(net, tax_rate, currency) if net else net


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


# --- rules 1–20, one order at a time -----------------------------------------------------------
LINE_CHECKS = ((3, "tax"), (4, "captured - refunded"), (17, "allocated (Σ allocated fulfillment-order lines)"),
               (17, "fulfilled (Σ fulfilled, delivered or lost fulfillment-order lines)"),
               (18, "Σ reshipped on lost shipments (Σ reship fulfillment-order lines)"),
               (19, "return_initiated (Σ expected on submitted or received return orders)"))


def _check_line(r: Report, ln: Line, currency: str, extras) -> None:
    t, ident, gross = "order_item_summaries", ln.id, ln.unit_price * (ln.ordered - ln.canceled - ln.returned)
    if ln.ordered <= 0 or min(ln[4:9]) < 0:
        r.fail(1, t, ident, f"quantities: expected ordered > 0 and none negative, "
                            f"found {dict(zip(LINE_COUNTS, ln[3:9]))}")
    if ln.canceled + ln.allocated + ln.fulfilled > ln.ordered:
        r.fail(1, t, ident, f"canceled + allocated + fulfilled: expected at most ordered ({ln.ordered}), "
                            f"found {ln.canceled + ln.allocated + ln.fulfilled}")
    if ln.returned + ln.return_initiated > ln.fulfilled:
        r.fail(1, t, ident, f"returned + return_initiated: expected at most fulfilled ({ln.fulfilled}), "
                            f"found {ln.returned + ln.return_initiated}")
    if not ZERO <= ln.discount <= gross:
        r.fail(2, t, ident, f"discount: expected 0 to {gross}, found {ln.discount}")
    net = gross - ln.discount
    tax = _line_tax(net, ln.tax_rate, currency)
    if ln.ordered - ln.canceled == ln.fulfilled:  # nothing open: the target is the whole line
        target = net + tax
    else:
        target = captured_target(ln.unit_price, ln.tax_rate, ln.ordered, ln.canceled, ln.fulfilled, ln.returned,
                                 ln.discount, currency)
    allocated, fulfilled, reships, reshipped = extras.shipped.get(ident, NO_SHIPMENT)
    r.expect_each(t, ident, LINE_CHECKS, (tax, target, allocated, fulfilled, reships, extras.initiated.get(ident, 0)),
                  (ln.tax, ln.captured - ln.refunded, ln.allocated, ln.fulfilled, reshipped, ln.return_initiated))


ORDER_CHECKS = ((5, "subtotal"), (5, "discounts"), (5, "tax"), (5, "shipping"), (5, "grand_total"), (7, "status"),
                (8, "original_grand_total (original subtotal + tax + shipping)"),
                (13, "original_grand_total - grand_total (Σ change_orders.amount)"))


def _check_totals(r: Report, o: Order, lines: list[Line], total: Line, changes: list[Change]) -> None:
    """Rules 5–8 and the order's side of rule 13."""
    t = "order_summaries"
    subtotal = sum([ln.unit_price * (ln.ordered - ln.canceled - ln.returned) for ln in lines], ZERO)
    status = _status(total.ordered, total.canceled, total.allocated, total.fulfilled, total.returned)
    r.expect_each(t, o.id, ORDER_CHECKS, (
        subtotal, total.discount, total.tax, o.shipping_charged - o.shipping_released - o.shipping_refunded,
        o.subtotal - o.discounts + o.tax + o.shipping + o.fees, status,
        o.original_subtotal + o.original_tax + o.original_shipping, sum([co.amount for co in changes], ZERO)),
        (o.subtotal, o.discounts, o.tax, o.shipping, o.grand_total, o.status, o.original_grand_total,
         o.original_grand_total - o.grand_total))
    shipping = (o.shipping_charged, o.shipping_captured, o.shipping_released, o.shipping_refunded, o.fees)
    if (o.shipping_released + o.shipping_captured > o.shipping_charged or o.shipping_refunded > o.shipping_captured
            or min(shipping) < 0):
        r.fail(6, t, o.id, "shipping: expected released + captured <= charged, refunded <= captured, none "
                           f"negative; found charged, captured, released, refunded, fees = {shipping}")


def _check_changes(r: Report, o: Order, changes: list[Change], memos: list[Memo], extras) -> None:
    """Rules 13, 14 and 16: each change order, its lines and its credit memo."""
    by_change = _group(memos, 2)
    for co in changes:
        r.expect(13, "change_orders", co.id, "released (amount - refunded)", co.amount - co.refunded, co.released)
        if co.refunded < 0:
            r.fail(13, "change_orders", co.id, f"refunded: expected at least 0, found {co.refunded}")
        own = by_change.pop(co.id, [])
        r.expect(14, "change_orders", co.id, "credit memos", 1 if co.refunded > 0 else 0, len(own))
        for memo in own:
            r.expect(14, "credit_memos", memo.id, "amount (change order refunded)", co.refunded, memo.amount)
        r.expect(16, "change_orders", co.id, "amount (Σ change-order lines)",
                 extras.change_parts.get(co.id, ZERO), co.amount)
    for memo in (m for rest in by_change.values() for m in rest):
        r.fail(14, "credit_memos", memo.id, f"change_order_id: expected a change order of order {o.id}, "
                                            f"found {memo.change_order_id}")


PAYMENT_CHECKS = ((10, "authorized (grand_total + refunded)"), (11, "captured (Σ line.captured + shipping_captured)"),
                  (11, "refunded (Σ line.refunded + shipping_refunded - fees)"),
                  (12, "authorized (original_grand_total - Σ change_orders.released)"),
                  (15, "refunded (Σ credit memos)"))


def _check_payment(r: Report, o: Order, total: Line, changes, memos, pending: Decimal) -> None:
    """Rules 9–12, 15 and 20: the payment against lines, change orders and credit memos."""
    t, pid = "order_payment_summaries", o.payment_id
    if pid is None:
        r.fail(9, t, f"of order {o.id}", "payment summary: expected one, found none")
        return
    if not ZERO <= o.refunded <= o.captured <= o.authorized:
        r.fail(9, t, pid, "expected 0 <= refunded <= captured <= authorized, found "
                          f"{o.refunded}, {o.captured}, {o.authorized}")
    r.expect_each(t, pid, PAYMENT_CHECKS, (
        o.grand_total + o.refunded, total.captured + o.shipping_captured,
        total.refunded + o.shipping_refunded - o.fees,
        o.original_grand_total - sum([co.released for co in changes], ZERO), sum([m.amount for m in memos], ZERO)),
        (o.authorized, o.captured, o.refunded, o.authorized, o.refunded))
    if pending > o.captured - o.refunded:
        r.fail(20, "order_summaries", o.id, f"pending approvals: expected at most captured - refunded "
                                            f"({o.captured - o.refunded}), found {pending}")


def _count_facts(r: Report, o: Order, total: Line, changes: list[Change]) -> None:
    """What the rollups of the order's currency must add up to (rules 24–27)."""
    facts = r.facts[o.currency]
    facts["placed", "amount"] += o.original_grand_total
    facts["placed", "events"] += 1
    facts["placed", "units"] += total.ordered
    facts["fulfilled", "amount"] += o.captured
    facts["fulfilled", "units"] += total.fulfilled
    facts["cancel", "units"] += total.canceled
    facts["returned", "units"] += total.returned
    for co in changes:
        facts[co.kind, "amount"] += co.amount
        facts[co.kind, "refunded"] += co.refunded
        facts[co.kind, "events"] += 1
        if co.refunded > 0:  # rules 29, 30: refund_rollups and refund_size_rollups
            facts["refunds", co.kind] += 1
            facts["refunded", co.kind] += co.refunded


def _column_sums(lines: list[Line]) -> Line:
    """The order's quantities and money: its lines added up column by column (ids aside)."""
    if len(lines) == 1:
        return lines[0]
    return tuple.__new__(Line, map(sum, zip(*lines))) if lines else NO_LINE


def _check_orders(conn: Connection, r: Report) -> None:
    for orders, extras in _chunks(conn):
        for ident, expected, received in extras.bad_receipts:
            r.fail(19, "return_order_lines", ident, f"received: expected 0 to {expected}, found {received}")
        lines_of, changes_of, memos_of, pending_of = extras.lines, extras.changes, extras.memos, extras.pending
        for o in orders:
            lines, changes, memos = lines_of.get(o.id, ()), changes_of.get(o.id, ()), memos_of.get(o.id, ())
            total = _column_sums(lines)
            r.orders, r.lines = r.orders + 1, r.lines + len(lines)
            for ln in lines:
                _check_line(r, ln, o.currency, extras)
            _check_totals(r, o, lines, total, changes)
            if changes or memos:
                _check_changes(r, o, changes, memos, extras)
            _check_payment(r, o, total, changes, memos, pending_of.get(o.id, ZERO))
            _count_facts(r, o, total, changes)


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


# --- rules 24–27: rollups ----------------------------------------------------------------------
ROLLUP_RULES = [(24, "placed", "amount", "Σ original_grand_total"), (24, "placed", "units", "Σ ordered"),
                (24, "placed", "events", "orders"), (25, "fulfilled", "amount", "Σ payment.captured"),
                (25, "fulfilled", "units", "Σ line.fulfilled")] + [
                (26, kind, measure, f"{kind} change orders") for kind in CHANGE_KINDS
                for measure in ("amount", "refunded", "events")]


def _check_rollups(conn: Connection, r: Report) -> None:
    """Each cell is rounded, then added in Python: no floating sum of SQLite's is trusted."""
    cells: dict = defaultdict(lambda: defaultdict(int))
    ru = OrderRollup.__table__.c
    rows = conn.execute(_select(conn, [ru.kind, ru.currency, ru.events, ru.units, ru.amount, ru.refunded])).all()
    rounders = _rounders(rows)
    for kind, currency, events, units, amount, refunded in rows:
        cell, rounded = cells[currency], rounders[currency]
        cell[kind, "events"] += events
        cell[kind, "units"] += units
        cell[kind, "amount"] += rounded[amount]
        cell[kind, "refunded"] += rounded[refunded]
    for currency in sorted(set(r.facts) | set(cells)):
        want, have = r.facts[currency], cells[currency]
        for rule, kind, measure, source in ROLLUP_RULES:
            r.expect(rule, "order_rollups", f"{kind}/{currency}", f"Σ {measure} ({source})",
                     want[kind, measure], have[kind, measure])
        r.expect(27, "order_rollups", f"cancel/{currency}", "Σ units (Σ line.canceled)",
                 want["cancel", "units"], have["cancel", "units"])
        r.expect(27, "order_rollups", f"return+rma/{currency}", "Σ units (Σ line.returned)",
                 want["returned", "units"], have["return", "units"] + have["rma", "units"])


# --- rules 28–33: analytics rollups ------------------------------------------------------------
def _differences(conn: Connection, first: str, second: str) -> list:
    """Rows of query `first` that `second` lacks (at most 20)."""
    return conn.execute(text(f"SELECT * FROM (SELECT * FROM ({first}) AS a EXCEPT SELECT * FROM ({second}) AS b) "
                             "AS missing LIMIT 20")).all()


def _check_table_equals(conn: Connection, r: Report, rule: int, table: str, stored: str, expected: str) -> None:
    """Unit counts only (no money is added up in SQL): `stored` rows must be exactly `expected` rows."""
    for row in _differences(conn, stored, expected):
        r.fail(rule, table, tuple(row[:-2]) if len(row) > 2 else row[0], f"stored {tuple(row)} differs from the facts")
    for row in _differences(conn, expected, stored):
        r.fail(rule, table, tuple(row[:-2]) if len(row) > 2 else row[0], f"facts {tuple(row)} are not stored")


def _check_product_rollups(conn: Connection, r: Report) -> None:
    """Rule 28: per product, channel and currency, each grain adds up to the lines' fulfilled and
    returned units; each month cell is the sum of its day cells."""
    dialect = conn.dialect.name
    facts = ("SELECT o.currency, l.product_id, l.category, o.channel, SUM(l.fulfilled), SUM(l.returned) "
             "FROM order_item_summaries l JOIN order_summaries o ON o.id = l.order_id "
             "GROUP BY o.currency, l.product_id, l.category, o.channel HAVING SUM(l.fulfilled) + SUM(l.returned) > 0")
    for grain in ("day", "month"):
        stored = ("SELECT currency, product_id, category, channel, SUM(fulfilled_units), SUM(returned_units) "
                  f"FROM product_rollups WHERE grain = '{grain}' GROUP BY currency, product_id, category, channel "
                  "HAVING SUM(fulfilled_units) + SUM(returned_units) <> 0")
        _check_table_equals(conn, r, 28, f"product_rollups ({grain})", stored, facts)
    month = rollup_rebuild.month_start(dialect, "day")
    days = (f"SELECT currency, {month}, channel, reason, category, product_id, SUM(fulfilled_units), "
            f"SUM(returned_units) FROM product_rollups WHERE grain = 'day' "
            f"GROUP BY currency, {month}, channel, reason, category, product_id")
    months = ("SELECT currency, day, channel, reason, category, product_id, fulfilled_units, returned_units "
              "FROM product_rollups WHERE grain = 'month'")
    _check_table_equals(conn, r, 28, "product_rollups (month = Σ days)", months, days)


def _check_refund_rollups(conn: Connection, r: Report) -> None:
    """Rules 29, 30: refunds per person and per amount add up to the change orders that refunded."""
    a, z = RefundRollup.__table__.c, RefundSizeRollup.__table__.c
    people = conn.execute(_select(conn, [a.currency, a.level, a.day, a.actor_id, a.kind, a.refunds,
                                         a.refunded])).all()
    rounders = _rounders(people)
    have = defaultdict(lambda: defaultdict(int))
    per_person = [defaultdict(lambda: [0, ZERO]), defaultdict(lambda: [0, ZERO])]   # by level
    for currency, level, day, actor, kind, refunds, refunded in people:
        amount = rounders[currency][refunded]
        if level == 0:
            have[currency]["refunds", kind] += refunds
            have[currency]["refunded", kind] += amount
        cell = per_person[min(level, 1)][currency, str(day), actor]
        cell[0] += refunds
        cell[1] += amount
    for key in sorted(set(per_person[0]) | set(per_person[1])):
        r.expect(29, "refund_rollups", "/".join(map(str, key)), "level 1 (Σ level 0 of the day and person)",
                 tuple(per_person[0].get(key, (0, ZERO))), tuple(per_person[1].get(key, (0, ZERO))))
    sizes = defaultdict(lambda: [0, 0])
    for currency, refunds, minor in conn.execute(select(z.currency, z.refunds, z.refunded_minor)):
        sizes[currency][0] += refunds
        sizes[currency][1] += refunds * minor
    for currency in sorted(set(r.facts) | set(have) | set(sizes)):
        want = r.facts[currency]
        for kind in CHANGE_KINDS:
            for measure in ("refunds", "refunded"):
                r.expect(29, "refund_rollups", f"{kind}/{currency}", f"Σ {measure} (change orders that refunded)",
                         want[measure, kind], have[currency][measure, kind])
        count = sum(want["refunds", kind] for kind in CHANGE_KINDS)
        total = sum((want["refunded", kind] for kind in CHANGE_KINDS), ZERO)
        r.expect(30, "refund_size_rollups", currency, "Σ refunds, Σ refunds × amount (change orders that refunded)",
                 (count, to_minor(total, currency) if count else 0), tuple(sizes[currency]))


def _check_line_refunds(conn: Connection, r: Report) -> None:
    """Rule 31: each change-order line's refunded is set; they add up to their change order's
    refunded, and per currency × kind × category to the order rollups' refunded."""
    line = OrderItemSummary.__table__.c
    rows = conn.execute(_select(conn, [COL.id, COL.change_order_id, COL.refunded, CO.refunded.label("whole"),
                                       CO.kind, O.currency, func.coalesce(line.category, "").label("category")])
                        .select_from(ChangeOrderLine.__table__.join(ChangeOrder.__table__)
                                     .join(OrderSummary.__table__, O.id == CO.order_id)
                                     .outerjoin(OrderItemSummary.__table__, line.id == COL.line_id))
                        .order_by(COL.change_order_id, COL.id)).all()
    rounders = _rounders(rows)
    by_change: dict = {}
    by_category = defaultdict(lambda: ZERO)
    for ident, change_id, refunded, whole, kind, currency, category in rows:
        if refunded is None:
            r.fail(31, "change_order_lines", ident, "refunded: expected an amount, found none")
            continue
        amount = rounders[currency][refunded]
        cell = by_change.setdefault(change_id, [rounders[currency][whole], ZERO])
        cell[1] += amount
        by_category[currency, kind, category] += amount
    for change_id, (whole, parts) in by_change.items():
        r.expect(31, "change_orders", change_id, "refunded (Σ change_order_lines.refunded)", whole, parts)
    ru = OrderRollup.__table__.c
    cells = conn.execute(_select(conn, [ru.currency, ru.kind, ru.category, ru.refunded])
                         .where(ru.kind.in_(CHANGE_KINDS))).all()
    rounders = _rounders(cells)
    stored = defaultdict(lambda: ZERO)
    for currency, kind, category, refunded in cells:
        stored[currency, kind, category] += rounders[currency][refunded]
    for key in sorted(set(stored) | set(by_category)):
        if stored[key] != by_category[key]:
            r.fail(31, "order_rollups", "/".join(key), f"Σ refunded: expected {by_category[key]} "
                                                       f"(Σ change_order_lines.refunded), found {stored[key]}")


def _check_case_rollups(conn: Connection, r: Report) -> None:
    """Rule 32: case_rollups, case_timings and case_open_counts are what `cases` says."""
    dialect = conn.dialect.name
    _check_table_equals(conn, r, 32, "case_rollups",
                        "SELECT day, created, resolved, resolved_late, open_due, responded, resolutions "
                        "FROM case_rollups WHERE created <> 0 OR resolved <> 0 OR resolved_late <> 0 OR open_due <> 0 "
                        "OR responded <> 0 OR resolutions <> 0", rollup_rebuild.case_rollup_select(dialect))
    _check_table_equals(conn, r, 32, "case_timings",
                        "SELECT case_id, created_day, first_response_seconds, resolution_seconds FROM case_timings",
                        rollup_rebuild.case_timing_select(dialect))
    _check_table_equals(conn, r, 32, "case_open_counts",
                        "SELECT assignee_id, open_cases FROM case_open_counts WHERE open_cases <> 0",
                        rollup_rebuild.OPEN_COUNT_SELECT)
    _check_table_equals(conn, r, 32, "case_duration_buckets",
                        "SELECT measure, created_day, bucket, cases FROM case_duration_buckets WHERE cases <> 0",
                        rollup_rebuild.duration_bucket_select(dialect))


def _check_rollup_totals(conn: Connection, r: Report) -> None:
    """Rule 33: each order_rollup_totals cell is the sum of the order_rollups cells of its key
    over categories, reason and channel "*" standing for all (money added up in Python, each
    cell rounded first)."""
    key = ("currency", "kind", "day", "reason", "channel")
    levels = {(False, False): 0, (False, True): 1, (True, False): 2, (True, True): 3}
    sums = []
    for table, totals in ((OrderRollup.__table__.c, False), (OrderRollupTotal.__table__.c, True)):
        level = table.level if totals else literal(0).label("level")
        rows = conn.execute(_select(conn, [*(table[k] for k in key), level, table.events, table.units,
                                           table.amount, table.refunded])).all()
        rounders = _rounders(rows)
        cells = defaultdict(lambda: [0, 0, ZERO, ZERO])
        for row in rows:
            currency, kind, day, reason, channel = (str(v) for v in row[:5])
            rounded = rounders[row.currency]
            amount, refunded = rounded[row.amount], rounded[row.refunded]
            # order_rollups cells count under their reason and channel and under "*" (all);
            # order_rollup_totals cells are already those.
            keys = [(currency, str(row.level), kind, day, reason, channel)] if totals else [
                (currency, str(levels[r == "*", c == "*"]), kind, day, r, c)
                for r in (reason, "*") for c in (channel, "*")]
            for ident in keys:
                cell = cells[ident]
                cell[0] += row.events
                cell[1] += row.units
                cell[2] += amount
                cell[3] += refunded
        sums.append({k: tuple(v) for k, v in cells.items() if any(v)})
    expected, stored = sums
    for cell in sorted(set(expected) | set(stored)):
        r.expect(33, "order_rollup_totals", "/".join(cell), "events, units, amount, refunded (Σ order_rollups)",
                 expected.get(cell, (0, 0, ZERO, ZERO)), stored.get(cell, (0, 0, ZERO, ZERO)))


def _check_analytics_rollups(conn: Connection, r: Report) -> None:
    _check_product_rollups(conn, r)
    _check_refund_rollups(conn, r)
    _check_line_refunds(conn, r)
    _check_case_rollups(conn, r)
    _check_rollup_totals(conn, r)


# --- entry points ------------------------------------------------------------------------------
def run(database_url: str | None = None, *, limit: int | None = None) -> Report:
    report = Report(limit=limit)
    with _snapshot(database_url) as conn:
        try:
            _check_orders(conn, report)
            _check_cases(conn, report)
            _check_rollups(conn, report)
            _check_analytics_rollups(conn, report)
        except _Enough:
            pass
    return report


def check(database_url: str | None = None, *, limit: int | None = None) -> list[str]:
    """One line per broken invariant (at most `limit`); [] when every rule holds."""
    return run(database_url, limit=limit).violations


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.check", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the SQLite file under data/")
    parser.add_argument("--limit", type=int, help="stop after this many violations")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        report = run(args.database_url, limit=args.limit)
    except SQLAlchemyError as error:
        print(f"model.check: cannot read the database: {error}", file=sys.stderr)
        return 2
    for line in report.violations:
        print(line)
    scope = (f"{report.orders:,} orders, {report.lines:,} lines, {report.cases:,} cases, "
             f"{time.monotonic() - started:.1f} s")
    if not report.violations:
        print(f"model.check: all rules hold ({scope})")
        return 0
    stopped = f"; stopped at --limit {report.limit}" if report.stopped else ""
    print(f"model.check: {len(report.violations):,} violations of rules "
          f"{', '.join(map(str, report.rules))} ({scope}{stopped})")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
