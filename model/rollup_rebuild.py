"""The analytics rollups recomputed from the facts, in SQL (SQLite and PostgreSQL).

Used where rows exist that no writer rolled up: migration 0004 (databases made
before it), the demo generator (its loader sets the case triggers aside) and the
tests (rollups the actions wrote must equal the ones rebuilt here). Writers keep
the rollups themselves; nothing calls these on a live database.

Money is added up in whole minor units (cents, yen), so SQLite's floating
storage adds no rounding error; days are UTC dates.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import timezone
from decimal import Decimal

from sqlalchemy import Numeric, bindparam, text
from sqlalchemy.engine import Connection

from .money import MINOR_UNITS, discount_share, line_tax, round_money

RETURN_KINDS = ("return", "rma")
OPEN_STATUSES = "('new', 'open', 'pending')"


# --- dialect helpers --------------------------------------------------------------------------------
def utc_day(dialect: str, column: str) -> str:
    """SQL for the UTC date of a timestamp column (SQLite stores UTC text)."""
    return f"date({column})" if dialect == "sqlite" else f"(({column}) AT TIME ZONE 'UTC')::date"


def month_start(dialect: str, column: str) -> str:
    return f"date({column}, 'start of month')" if dialect == "sqlite" else f"date_trunc('month', {column})::date"


def whole_seconds(dialect: str, later: str, earlier: str) -> str:
    """later − earlier in whole seconds, each timestamp truncated to its second (NULL if either is)."""
    if dialect == "sqlite":
        return f"(CAST(strftime('%s', {later}) AS INTEGER) - CAST(strftime('%s', {earlier}) AS INTEGER))"
    return f"(floor(extract(epoch FROM {later}))::bigint - floor(extract(epoch FROM {earlier}))::bigint)"


def least(dialect: str, first: str, second: str) -> str:
    return f"{'MIN' if dialect == 'sqlite' else 'LEAST'}({first}, {second})"


MAX_DURATION_BUCKET = 1440   # model.entities.rollups.MAX_DURATION_BUCKET (hours)
MEASURES = (("first_response", "first_response_at"), ("resolution", "resolved_at"))


def duration_bucket(dialect: str, later: str, earlier: str) -> str:
    """SQL: the whole hours from `earlier` to `later`, capped at MAX_DURATION_BUCKET."""
    return least(dialect, f"{whole_seconds(dialect, later, earlier)} / 3600", str(MAX_DURATION_BUCKET))


def minor_scale(currency_column: str) -> str:
    """SQL for 10 ** (minor units of the row's currency)."""
    cases = " ".join(f"WHEN '{code}' THEN {10 ** digits}" for code, digits in sorted(MINOR_UNITS.items())
                     if digits != 2)
    return f"(CASE {currency_column} {cases} ELSE 100 END)"


def to_minor_sql(column: str, currency_column: str) -> str:
    return f"ROUND({column} * {minor_scale(currency_column)})"


# --- cases ------------------------------------------------------------------------------------------
def case_rollup_select(dialect: str) -> str:
    """SELECT day, created, resolved, resolved_late, open_due, responded, resolutions from `cases`."""
    day = lambda column: utc_day(dialect, column)  # noqa: E731
    return f"""
    SELECT day, SUM(created) AS created, SUM(resolved) AS resolved, SUM(resolved_late) AS resolved_late,
           SUM(open_due) AS open_due, SUM(responded) AS responded, SUM(resolutions) AS resolutions
      FROM (SELECT {day('created_at')} AS day, 1 AS created, 0 AS resolved, 0 AS resolved_late, 0 AS open_due,
                   CASE WHEN first_response_at IS NOT NULL THEN 1 ELSE 0 END AS responded,
                   CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END AS resolutions FROM cases
            UNION ALL SELECT {day('resolved_at')}, 0, 1, 0, 0, 0, 0 FROM cases WHERE resolved_at IS NOT NULL
            UNION ALL SELECT {day('due_at')}, 0, 0, 1, 0, 0, 0 FROM cases WHERE resolved_at > due_at
            UNION ALL SELECT {day('due_at')}, 0, 0, 0, 1, 0, 0 FROM cases
                       WHERE resolved_at IS NULL AND due_at IS NOT NULL) AS contributions
     GROUP BY day"""


def case_timing_select(dialect: str) -> str:
    return (f"SELECT id AS case_id, {utc_day(dialect, 'created_at')} AS created_day, "
            f"{whole_seconds(dialect, 'first_response_at', 'created_at')} AS first_response_seconds, "
            f"{whole_seconds(dialect, 'resolved_at', 'created_at')} AS resolution_seconds FROM cases")


def duration_bucket_select(dialect: str) -> str:
    """SELECT measure, created_day, bucket, cases from `cases`."""
    parts = []
    for measure, column in MEASURES:
        day, bucket = utc_day(dialect, "created_at"), duration_bucket(dialect, column, "created_at")
        parts.append(f"SELECT '{measure}' AS measure, {day} AS created_day, {bucket} AS bucket, COUNT(*) AS cases "
                     f"FROM cases WHERE {column} IS NOT NULL GROUP BY {day}, {bucket}")
    return " UNION ALL ".join(parts)


def total_levels(prefix: str = "") -> list[tuple[int, str, str]]:
    """(level, reason SQL, channel SQL) of the four order_rollup_totals cells of an order_rollups
    cell: 0 its reason and channel, 1 all channels, 2 all reasons, 3 both added up ("*")."""
    reason, channel = f"{prefix}.reason" if prefix else "reason", f"{prefix}.channel" if prefix else "channel"
    return [(0, reason, channel), (1, reason, "'*'"), (2, "'*'", channel), (3, "'*'", "'*'")]


def rebuild_order_rollup_totals(conn: Connection) -> None:
    """order_rollup_totals from order_rollups, at its four levels (money summed in minor units, then back)."""
    conn.execute(text("DELETE FROM order_rollup_totals"))
    scale = minor_scale("currency")
    for level, reason, channel in total_levels():
        conn.execute(text(
            "INSERT INTO order_rollup_totals (currency, level, kind, day, reason, channel, events, units, amount, "
            f"refunded) SELECT currency, {level}, kind, day, {reason}, {channel}, SUM(events), SUM(units), "
            f"SUM({to_minor_sql('amount', 'currency')}) * 1.0 / {scale}, "
            f"SUM({to_minor_sql('refunded', 'currency')}) * 1.0 / {scale} "
            "FROM order_rollups GROUP BY " + ", ".join(
                c for c in ("currency", "kind", "day", reason, channel) if c != "'*'")))


OPEN_COUNT_SELECT = (f"SELECT COALESCE(assignee_id, 0) AS assignee_id, COUNT(*) AS open_cases FROM cases "
                     f"WHERE status IN {OPEN_STATUSES} GROUP BY COALESCE(assignee_id, 0)")


def rebuild_case_rollups(conn: Connection) -> None:
    """case_rollups, case_timings and case_open_counts from `cases`, replacing what is there."""
    dialect = conn.dialect.name
    for table in ("case_rollups", "case_timings", "case_open_counts", "case_duration_buckets"):
        conn.execute(text(f"DELETE FROM {table}"))
    conn.execute(text("INSERT INTO case_rollups (day, created, resolved, resolved_late, open_due, responded, "
                      f"resolutions) {case_rollup_select(dialect)}"))
    conn.execute(text("INSERT INTO case_timings (case_id, created_day, first_response_seconds, resolution_seconds) "
                      f"{case_timing_select(dialect)}"))
    conn.execute(text(f"INSERT INTO case_open_counts (assignee_id, open_cases) {OPEN_COUNT_SELECT}"))
    conn.execute(text("INSERT INTO case_duration_buckets (measure, created_day, bucket, cases) "
                      f"{duration_bucket_select(dialect)}"))


# --- orders -----------------------------------------------------------------------------------------
def product_day_select(dialect: str) -> str:
    """SELECT currency, day, channel, reason, category, product_id, fulfilled_units, returned_units:
    units fulfilled (non-reship shipments, by the day they left) and returned (return and RMA
    change orders, by their day and reason)."""
    shipped = utc_day(dialect, "f.fulfilled_at")
    changed = utc_day(dialect, "co.created_at")
    kinds = ", ".join(f"'{k}'" for k in RETURN_KINDS)
    return f"""
    SELECT o.currency, {shipped} AS day, o.channel, '' AS reason, l.category, l.product_id,
           SUM(fl.quantity) AS fulfilled_units, 0 AS returned_units
      FROM fulfillment_order_lines fl
      JOIN fulfillment_orders f ON f.id = fl.fulfillment_order_id
      JOIN order_item_summaries l ON l.id = fl.line_id
      JOIN order_summaries o ON o.id = l.order_id
     WHERE NOT f.is_reship AND f.fulfilled_at IS NOT NULL AND f.status IN ('fulfilled', 'delivered', 'lost')
     GROUP BY o.currency, {shipped}, o.channel, l.category, l.product_id
    UNION ALL
    SELECT o.currency, {changed}, o.channel, co.reason, l.category, l.product_id, 0, SUM(col.quantity)
      FROM change_order_lines col
      JOIN change_orders co ON co.id = col.change_order_id
      JOIN order_item_summaries l ON l.id = col.line_id
      JOIN order_summaries o ON o.id = co.order_id
     WHERE co.kind IN ({kinds})
     GROUP BY o.currency, {changed}, o.channel, co.reason, l.category, l.product_id"""


def refund_rollup_select(dialect: str) -> str:
    """SELECT currency, day, actor_id, kind, reason, channel, refunds, refunded_minor."""
    day = utc_day(dialect, "co.created_at")
    return f"""
    SELECT o.currency, {day} AS day, COALESCE(co.actor_id, 0) AS actor_id, co.kind, co.reason, o.channel,
           COUNT(*) AS refunds, SUM({to_minor_sql('co.refunded', 'o.currency')}) AS refunded_minor
      FROM change_orders co JOIN order_summaries o ON o.id = co.order_id
     WHERE co.refunded > 0
     GROUP BY o.currency, {day}, COALESCE(co.actor_id, 0), co.kind, co.reason, o.channel"""


def refund_size_select(dialect: str) -> str:
    day = utc_day(dialect, "co.created_at")
    minor = to_minor_sql("co.refunded", "o.currency")
    return f"""
    SELECT o.currency, {day} AS day, CAST({minor} AS BIGINT) AS refunded_minor, COUNT(*) AS refunds
      FROM change_orders co JOIN order_summaries o ON o.id = co.order_id
     WHERE co.refunded > 0
     GROUP BY o.currency, {day}, CAST({minor} AS BIGINT)"""


def rebuild_order_rollups(conn: Connection) -> None:
    """product_rollups (both grains), refund_rollups and refund_size_rollups from the facts."""
    dialect = conn.dialect.name
    for table in ("product_rollups", "refund_rollups", "refund_size_rollups"):
        conn.execute(text(f"DELETE FROM {table}"))
    columns = "currency, day, channel, reason, category, product_id, fulfilled_units, returned_units"
    conn.execute(text(f"INSERT INTO product_rollups (grain, {columns}) SELECT 'day', {columns} "
                      f"FROM ({product_day_select(dialect)}) AS days"))
    month = month_start(dialect, "day")
    conn.execute(text(
        f"INSERT INTO product_rollups (grain, {columns}) "
        f"SELECT 'month', currency, {month}, channel, reason, category, product_id, SUM(fulfilled_units), "
        f"SUM(returned_units) FROM product_rollups WHERE grain = 'day' "
        f"GROUP BY currency, {month}, channel, reason, category, product_id"))
    conn.execute(text(
        "INSERT INTO refund_rollups (currency, level, day, actor_id, kind, reason, channel, refunds, refunded) "
        "SELECT currency, 0, day, actor_id, kind, reason, channel, refunds, "
        f"refunded_minor * 1.0 / {minor_scale('currency')} FROM ({refund_rollup_select(dialect)}) AS refunds"))
    conn.execute(text(
        "INSERT INTO refund_rollups (currency, level, day, actor_id, kind, reason, channel, refunds, refunded) "
        f"SELECT currency, 1, day, actor_id, '*', '*', '*', SUM(refunds), SUM(refunded_minor) * 1.0 / "
        f"{minor_scale('currency')} FROM ({refund_rollup_select(dialect)}) AS refunds "
        "GROUP BY currency, day, actor_id"))
    conn.execute(text("INSERT INTO refund_size_rollups (currency, day, refunded_minor, refunds) "
                      f"SELECT currency, day, refunded_minor, refunds FROM ({refund_size_select(dialect)}) AS sizes"))


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
