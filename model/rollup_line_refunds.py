"""The refunded money of each change-order line, filled by replaying each order line's history."""
from __future__ import annotations

from collections import defaultdict
from datetime import timezone
from decimal import Decimal

from sqlalchemy import Numeric, bindparam, text
from sqlalchemy.engine import Connection

from .money import discount_share, line_tax, round_money
from .rollup_sql import RETURN_KINDS


# --- change-order lines: the refunded money of each line ---------------------------------------------
def _target(price: Decimal, rate: Decimal, currency: str, ordered: int, canceled: int, fulfilled: int,
            returned: int, discount: Decimal) -> Decimal:
    """INVARIANTS rule 4: what a line has captured net of refunds (OrderItemSummary.captured_target)."""
    active, open_units = ordered - canceled - returned, ordered - canceled - fulfilled
    carried = discount - discount_share(discount, active, open_units, currency) if discount else discount
    net = price * (active - open_units) - carried
    return net + line_tax(net, rate, currency)


def _sortable(moment) -> str:
    """A timestamp as UTC text that sorts in time order (SQLite hands over text, PostgreSQL datetimes)."""
    if isinstance(moment, str):
        return moment
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


# Events at the same instant: changes to open units first, then shipments, then returns of shipped units.
_KIND_ORDER = {"cancel": 0, "discount": 0, "fulfilled": 1, "return": 2, "rma": 2}


def _replayed_line_refunds(conn: Connection) -> dict[int, Decimal]:
    """{change-order line id: refund} for every line of a change order, by replaying each order
    line's history in time order: refund = captured target before the change − after it."""
    changed = "EXISTS (SELECT 1 FROM change_order_lines c WHERE c.line_id = l.id)"
    lines = conn.execute(text(
        f"SELECT l.id, l.unit_price, l.tax_rate, l.ordered, o.currency FROM order_item_summaries l "
        f"JOIN order_summaries o ON o.id = l.order_id WHERE {changed} ORDER BY l.id")).all()
    events = defaultdict(list)
    for line_id, at, kind, ident, quantity, discount_change in conn.execute(text(
            "SELECT col.line_id, co.created_at, co.kind, col.id, col.quantity, col.discount_change "
            "FROM change_order_lines col JOIN change_orders co ON co.id = col.change_order_id "
            "WHERE col.line_id IS NOT NULL")):
        events[line_id].append((_sortable(at), _KIND_ORDER.get(kind, 0), ident, kind, quantity, discount_change))
    for line_id, at, ident, quantity in conn.execute(text(
            "SELECT fl.line_id, f.fulfilled_at, fl.id, fl.quantity FROM fulfillment_order_lines fl "
            "JOIN fulfillment_orders f ON f.id = fl.fulfillment_order_id JOIN order_item_summaries l "
            f"ON l.id = fl.line_id WHERE NOT f.is_reship AND f.fulfilled_at IS NOT NULL AND {changed}")):
        events[line_id].append((_sortable(at), 1, ident, "fulfilled", quantity, None))
    refunds: dict[int, Decimal] = {}
    for line_id, price, rate, ordered, currency in lines:
        price, rate = round_money(Decimal(str(price)), currency), Decimal(str(rate)).quantize(Decimal("0.0001"))
        canceled = fulfilled = returned = 0
        discount = round_money(0, currency)
        for _at, _rank, ident, kind, quantity, discount_change in sorted(events[line_id]):
            if kind == "fulfilled":
                fulfilled += quantity
                continue
            before = _target(price, rate, currency, ordered, canceled, fulfilled, returned, discount)
            if kind == "cancel":
                canceled += quantity
            elif kind in RETURN_KINDS:
                returned += quantity
            discount += round_money(Decimal(str(discount_change)), currency)
            after = _target(price, rate, currency, ordered, canceled, fulfilled, returned, discount)
            refunds[ident] = before - after
    return refunds


def fill_line_refunds(conn: Connection) -> tuple[int, int]:
    """Set change_order_lines.refunded where it is NULL, from a replay of each line's history.

    A change order is filled only when its lines add up to its `refunded` (the shipping/fee row,
    if any, taking the rest within its bounds); otherwise its lines stay NULL for model.check to
    report. Returns (change orders filled, change orders left unfilled).
    """
    pending = conn.execute(text(
        "SELECT co.id, co.refunded, o.currency FROM change_orders co JOIN order_summaries o ON o.id = co.order_id "
        "WHERE EXISTS (SELECT 1 FROM change_order_lines c WHERE c.change_order_id = co.id AND c.refunded IS NULL)"
    )).all()
    if not pending:
        return 0, 0
    refunds = _replayed_line_refunds(conn)
    parts = defaultdict(list)
    for ident, change_id, line_id, shipping_change, amount in conn.execute(text(
            "SELECT id, change_order_id, line_id, shipping_change, amount FROM change_order_lines")):
        parts[change_id].append((ident, line_id, shipping_change, amount))
    values, unfilled = [], 0
    for change_id, refunded, currency in pending:
        refunded = round_money(Decimal(str(refunded)), currency)
        rows = parts[change_id]
        known = {ident: refunds[ident] for ident, line_id, _, _ in rows if line_id is not None and ident in refunds}
        rest = refunded - sum(known.values(), Decimal(0))
        shipping_rows = [row for row in rows if row[1] is None]
        if len(known) != len(rows) - len(shipping_rows):
            unfilled += 1
            continue
        if shipping_rows:
            ident, _, shipping_change, amount = shipping_rows[0]
            shipping = round_money(Decimal(str(shipping_change)), currency)
            fees = shipping - round_money(Decimal(str(amount)), currency)
            if len(shipping_rows) > 1 or not -fees <= rest <= shipping:
                unfilled += 1
                continue
            known[ident] = rest
        elif rest != 0:
            unfilled += 1
            continue
        values += [{"ident": ident, "refunded": value} for ident, value in known.items()]
    if values:
        conn.execute(text("UPDATE change_order_lines SET refunded = :refunded WHERE id = :ident")
                     .bindparams(bindparam("refunded", type_=Numeric(12, 2))), values)
    return len(pending) - unfilled, unfilled
