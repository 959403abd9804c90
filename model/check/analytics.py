"""Rules 28–33: the analytics rollups (products, refunds, change-order lines, cases, totals)."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, literal, select, text
from sqlalchemy.engine import Connection

from .. import rollup_rebuild
from ..entities import (
    ChangeOrder, ChangeOrderLine, OrderItemSummary, OrderRollup, OrderRollupTotal, OrderSummary, RefundRollup,
    RefundSizeRollup,
)
from ..money import ZERO, to_minor
from .reading import CHANGE_KINDS, CO, COL, O, _rounders, _select
from .report import Report


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
