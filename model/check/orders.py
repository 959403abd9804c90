"""Rules 1–20, one order at a time: lines, totals, change orders and credit memos, payment."""
from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy.engine import Connection

from ..entities import OrderSummary
from ..money import ZERO, discount_share, line_tax
from .reading import LINE_COUNTS, NO_LINE, NO_SHIPMENT, Change, Line, Memo, Order, _chunks, _group
from .report import Report


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
