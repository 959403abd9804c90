"""Order rollups (order_rollup_totals, product, refund and refund-size rollups) rebuilt from the facts."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .rollup_sql import RETURN_KINDS, minor_scale, month_start, to_minor_sql, utc_day


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
