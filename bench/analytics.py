"""Analytics chart callbacks on a demo database, beside the same figures computed from the facts.

    python -m bench.analytics --database-url URL [--end 2026-10-31] [--days 365] [--repeat 20] [--convert]

Each row times what one callback of the analytics page does on the server
(pages/_analytics_charts.py: the rollup query, the Plotly figure, its JSON as
Dash sends it) over `--days` days at daily granularity in USD (or, with
--convert, every currency converted into USD), and, in the same run, a SQL
query computing the same figure from the fact tables (credit memos, change
orders and their lines, order lines, shipments, cases). Prints p50 / p95 of
each (and the CPU time of this process: on a shared machine the wall time also
counts waiting for a core; on SQLite the CPU time is the query's too), the ratio
facts p50 / callback p50, and checks that the two agree on the
figure's total. Exits 1 if a chart's p95 is above --budget ms (default 100).
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from plotly.io.json import to_json_plotly
from sqlalchemy import text

from model import db as model_db
from model.money import round_money
from model.queries import analytics as qa
from model.rollup_rebuild import to_minor_sql, utc_day
from pages._analytics_charts import CHARTS, chart_figure, render_summary


# --- the same figures from the facts -----------------------------------------------------------------
def _range(f: qa.Filters) -> dict:
    since, until = qa.utc_bounds(f.start, f.end)
    return {"since": since, "until": until, "currency": f.currency, "start": f.start, "end": f.end}


def _currency(f: qa.Filters, column: str = "o.currency") -> str:
    return "" if f.convert else f"AND {column} = :currency"


def _money(f: qa.Filters, column: str) -> str:
    """Σ money of `column` in minor units (per row currency when converted: the rollup side converts;
    here the facts side is summed per currency and converted the same way below)."""
    return f"SUM({to_minor_sql(column, 'o.currency')})"


def _facts_refunds(conn, f: qa.Filters):
    day = utc_day(conn.dialect.name, "co.created_at")
    total = Decimal(0)
    for period in (f, f.previous()):
        rows = conn.execute(text(
            f"SELECT {day}, co.kind, o.currency, {_money(f, 'cm.amount')} FROM credit_memos cm "
            "JOIN change_orders co ON co.id = cm.change_order_id JOIN order_summaries o ON o.id = co.order_id "
            f"WHERE co.created_at >= :since AND co.created_at < :until {_currency(f)} "
            f"GROUP BY {day}, co.kind, o.currency"), _range(period)).all()
        if period is f:
            total = _converted(conn, f, rows)
    return total


def _converted(conn, f: qa.Filters, rows) -> Decimal:
    """Σ of (day, …, currency, minor) rows in f.currency, with the rate of each day when converted."""
    conversion = _conversion(conn, f)
    total = Decimal(0)
    for row in rows:
        day, currency, minor = qa.filters.as_date(row[0]), row[-2], int(row[-1] or 0)
        rate = conversion.rate(currency, day) if conversion else Decimal(1)
        total += qa.filters.convert_minor(minor, currency, rate)
    return round_money(total, f.currency)


_conversions: dict = {}


def _conversion(conn, f: qa.Filters):
    if not f.convert:
        return None
    key = (str(conn.engine.url), f)
    if key not in _conversions:
        from sqlalchemy.orm import Session
        with Session(conn) as s:
            _conversions[key] = qa.load_conversion(s, f)
    return _conversions[key]


def _facts_units(conn, f: qa.Filters):
    day = utc_day(conn.dialect.name, "co.created_at")
    rows = conn.execute(text(
        f"SELECT {day}, co.kind, SUM(col.quantity), COUNT(DISTINCT co.id) FROM change_order_lines col "
        "JOIN change_orders co ON co.id = col.change_order_id JOIN order_summaries o ON o.id = co.order_id "
        "WHERE co.kind IN ('cancel', 'return', 'rma') AND col.line_id IS NOT NULL "
        f"AND co.created_at >= :since AND co.created_at < :until {_currency(f)} GROUP BY {day}, co.kind"),
        _range(f)).all()
    return sum(int(r[2]) for r in rows)


def _shipped_and_returned(conn, f: qa.Filters, key: str):
    shipped = conn.execute(text(
        f"SELECT {key}, SUM(fl.quantity) FROM fulfillment_order_lines fl "
        "JOIN fulfillment_orders fo ON fo.id = fl.fulfillment_order_id "
        "JOIN order_item_summaries l ON l.id = fl.line_id "
        "JOIN order_summaries o ON o.id = l.order_id WHERE NOT fo.is_reship AND fo.fulfilled_at >= :since "
        f"AND fo.fulfilled_at < :until {_currency(f)} GROUP BY {key}"), _range(f)).all()
    back = conn.execute(text(
        f"SELECT {key}, SUM(col.quantity) FROM change_order_lines col JOIN change_orders co "
        "ON co.id = col.change_order_id JOIN order_item_summaries l ON l.id = col.line_id "
        "JOIN order_summaries o ON o.id = co.order_id WHERE co.kind IN ('return', 'rma') "
        f"AND co.created_at >= :since AND co.created_at < :until {_currency(f)} GROUP BY {key}"), _range(f)).all()
    return sum(int(r[1]) for r in shipped), sum(int(r[1]) for r in back)


def _facts_channel_rate(conn, f: qa.Filters):
    placed = conn.execute(text(
        "SELECT o.channel, SUM(l.ordered) FROM order_item_summaries l JOIN order_summaries o ON o.id = l.order_id "
        f"WHERE o.placed_at >= :since AND o.placed_at < :until {_currency(f)} GROUP BY o.channel"), _range(f)).all()
    canceled = conn.execute(text(
        "SELECT o.channel, SUM(col.quantity) FROM change_order_lines col JOIN change_orders co "
        "ON co.id = col.change_order_id JOIN order_summaries o ON o.id = co.order_id WHERE co.kind = 'cancel' "
        f"AND co.created_at >= :since AND co.created_at < :until {_currency(f)} GROUP BY o.channel"),
        _range(f)).all()
    return sum(int(r[1]) for r in placed), sum(int(r[1]) for r in canceled)


def _facts_refunds_by(column: str):
    def run(conn, f: qa.Filters):
        day = utc_day(conn.dialect.name, "co.created_at")
        rows = conn.execute(text(
            f"SELECT {day}, {column}, o.currency, {_money(f, 'cm.amount')} FROM credit_memos cm "
            "JOIN change_orders co ON co.id = cm.change_order_id JOIN order_summaries o ON o.id = co.order_id "
            f"WHERE co.created_at >= :since AND co.created_at < :until {_currency(f)} "
            f"GROUP BY {day}, {column}, o.currency"), _range(f)).all()
        return _converted(conn, f, rows)
    return run


def _facts_agents(conn, f: qa.Filters):
    day = utc_day(conn.dialect.name, "co.created_at")
    rows = conn.execute(text(
        f"SELECT {day}, co.actor_id, COUNT(*), o.currency, {_money(f, 'co.refunded')} FROM change_orders co "
        "JOIN order_summaries o ON o.id = co.order_id WHERE co.refunded > 0 "
        "AND co.kind IN ('discount', 'return', 'rma', 'shipping_credit') "
        f"AND co.created_at >= :since AND co.created_at < :until {_currency(f)} "
        f"GROUP BY {day}, co.actor_id, o.currency"), _range(f)).all()
    return _converted(conn, f, rows)


def _facts_queue(conn, f: qa.Filters):
    dialect = conn.dialect.name
    counts = {}
    for name, column, extra in (("created", "created_at", ""), ("resolved", "resolved_at", ""),
                                ("breached", "due_at", "AND COALESCE(resolved_at, :now) > due_at")):
        day = utc_day(dialect, column)
        counts[name] = conn.execute(text(
            f"SELECT {day}, COUNT(*) FROM cases WHERE {column} >= :since AND {column} < :until {extra} GROUP BY {day}"),
            {**_range(f), "now": datetime.now(timezone.utc)}).all()
    conn.execute(text("SELECT COUNT(*) FROM cases WHERE created_at < :since AND (resolved_at IS NULL "
                      "OR resolved_at >= :since)"), _range(f)).scalar()
    return sum(int(r[1]) for r in counts["created"])


def _facts_open_agents(conn, f: qa.Filters):
    rows = conn.execute(text("SELECT assignee_id, COUNT(*) FROM cases WHERE status IN ('new', 'open', 'pending') "
                             "GROUP BY assignee_id")).all()
    return sum(int(r[1]) for r in rows)


def _facts_summary(conn, f: qa.Filters):
    """KPI cards (this period and the one before) and the medians, from the facts."""
    total = None
    for period in (f, f.previous()):
        value = _facts_refunds_by("co.kind")(conn, period)
        _shipped_and_returned(conn, period, "o.currency")
        conn.execute(text("SELECT COUNT(*) FROM change_orders co JOIN order_summaries o ON o.id = co.order_id "
                          f"WHERE co.kind = 'cancel' AND co.created_at >= :since AND co.created_at < :until "
                          f"{_currency(f)}"), _range(period)).scalar()
        total = value if total is None else total
    seconds = ("(julianday({later}) - julianday(created_at)) * 86400" if conn.dialect.name == "sqlite"
               else "extract(epoch FROM {later} - created_at)")
    for later in ("first_response_at", "resolved_at"):
        conn.execute(text(f"SELECT {seconds.format(later=later)} AS s FROM cases WHERE created_at >= :since "
                          f"AND created_at < :until AND {later} IS NOT NULL ORDER BY s"), _range(f)).all()
    return total


FACTS = {
    "refunds": _facts_refunds,
    "units": _facts_units,
    "category-rate": lambda conn, f: _shipped_and_returned(conn, f, "l.category"),
    "product-rate": lambda conn, f: _shipped_and_returned(conn, f, "l.product_id"),
    "channel-rate": _facts_channel_rate,
    "by-reason": _facts_refunds_by("co.reason"),
    "by-channel": _facts_refunds_by("o.channel"),
    "agents": _facts_agents,
    "queue": _facts_queue,
    "open-agents": _facts_open_agents,
}


def _facts_what_if(conn, f: qa.Filters):
    since, until = qa.utc_bounds(f.end - timedelta(days=89), f.end)
    return conn.execute(text(
        f"SELECT COUNT(*), SUM(CASE WHEN co.refunded > 100 THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN co.refunded > 100 THEN {to_minor_sql('co.refunded', 'o.currency')} ELSE 0 END) "
        "FROM change_orders co JOIN order_summaries o ON o.id = co.order_id WHERE co.refunded > 0 "
        "AND co.kind IN ('discount', 'return', 'rma', 'shipping_credit') AND o.currency = :currency "
        "AND co.created_at >= :since AND co.created_at < :until"),
        {"currency": f.currency, "since": since, "until": until}).one()


# --- the chart callbacks --------------------------------------------------------------------------
def _chart(name: str):
    def run(s, f):
        return to_json_plotly(chart_figure(s, name, f))
    return run


def _summary(s, f):
    return to_json_plotly(list(render_summary(s, f)))


def _rollup_total(name: str, s, f: qa.Filters):
    """The figure's total as the rollups give it, to compare with the facts' total."""
    if name == "refunds":
        return sum(qa.refund_series(s, f)["refunded"], Decimal(0)).quantize(Decimal("0.01")) \
            if not f.convert else round_money(sum(_exact_series(s, f), Decimal(0)), f.currency)
    if name == "units":
        return int(qa.returns_cancellations_series(s, f)["units"].sum())
    if name in ("category-rate", "product-rate"):
        units = qa.product_units(s, f) if name == "product-rate" else None
        if units is not None:
            return sum(u[0] for u in units.values()), sum(u[1] for u in units.values())
        frame = qa.return_rate_by_category(s, f)
        return int(frame["fulfilled_units"].sum()), int(frame["returned_units"].sum())
    if name == "channel-rate":
        frame = qa.cancellation_rate_by_channel(s, f)
        return int(frame["ordered_units"].sum()), int(frame["canceled_units"].sum())
    if name in ("by-reason", "by-channel", "summary"):
        rows = qa.series.rollup_rows(s, f, qa.REFUND_KINDS, ("kind",))
        return round_money(sum((qa.series.exact(r[-1], f.currency) for r in rows), Decimal(0)), f.currency)
    if name == "agents" and not f.convert:
        return sum(qa.refunds_per_agent(s, f)["refunded"], Decimal(0))
    if name == "what-if (90 days)":
        result = qa.threshold_what_if(s, f.currency, Decimal(100), today=f.end)
        return result.refunds, result.above, int(result.above_total.scaleb(2 if f.currency != "JPY" else 0))
    if name == "queue":
        return int(qa.case_flow(s, f.start, f.end)["created"].sum())
    if name == "open-agents":
        return int(qa.open_cases_per_agent(s)["open"].sum())
    return None


def _exact_series(s, f):
    return [qa.series.exact(r[-1], f.currency) for r in qa.series.rollup_rows(s, f, qa.REFUND_KINDS, ("kind",))]


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.analytics", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--end", default="2026-10-31")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--facts-repeat", type=int, default=3, help="runs of each fact-table query (slow)")
    parser.add_argument("--currency", default="USD")
    parser.add_argument("--convert", action="store_true", help="every currency converted into --currency")
    parser.add_argument("--budget", type=float, default=100.0, help="p95 ms a chart callback may take")
    args = parser.parse_args(argv)
    end = date.fromisoformat(args.end)
    f = qa.Filters(end - timedelta(days=args.days - 1), end, currency=args.currency, granularity="day",
                   convert=args.convert)
    factory = model_db.connect(args.database_url, migrate=False)
    engine = factory.kw["bind"]
    callbacks = {name: _chart(name) for name in CHARTS}
    callbacks["summary"] = _summary
    facts = dict(FACTS, summary=_facts_summary)
    extra = {"what-if (90 days)": (lambda s, _f: qa.threshold_what_if(s, f.currency, Decimal(100), today=end),
                                   _facts_what_if),
             "drilldown (1 day)": (lambda s, _f: qa.drilldown(s, f.narrowed(end, end), "refunds"), None)}
    if f.convert:  # a chart without a rate would time an empty figure: refuse instead
        with factory() as s:
            try:
                qa.refund_series(s, f)
                qa.refund_series(s, f.previous())
            except qa.MissingRate as error:
                print(f"{error} (python -m model.rates set …)")
                return 2
    mode = f"every currency into {f.currency}" if f.convert else f.currency
    print(f"{engine.dialect.name}  {f.start}..{f.end} ({f.days} days) daily, {mode}; "
          f"{args.repeat} runs per callback after one untimed warm-up run, {args.facts_repeat} per fact query (ms)")
    print(f"  {'callback':24s} {'p50':>8s} {'p95':>8s} {'cpu p50':>8s}   {'facts p50':>10s}  {'facts/p50':>9s}  "
          "same figure")
    over = 0
    for name in [*callbacks, *extra]:
        run, fact = (callbacks[name], facts.get(name)) if name in callbacks else extra[name]
        times, cpu = [], []
        with factory() as s:  # one untimed run: a running server has compiled its statements already
            run(s, f)
        for _ in range(args.repeat):
            with factory() as s:
                started, started_cpu = time.perf_counter(), time.process_time()
                run(s, f)
                times.append((time.perf_counter() - started) * 1000)
                cpu.append((time.process_time() - started_cpu) * 1000)
        p50, p95 = _percentiles(times)
        over += p95 > args.budget and name in callbacks
        line = f"  {name:24s} {p50:8.1f} {p95:8.1f} {statistics.median(cpu):8.1f}"
        if fact is not None:
            fact_times, value = [], None
            for _ in range(args.facts_repeat):
                with engine.connect() as conn:
                    started = time.perf_counter()
                    value = fact(conn, f)
                    fact_times.append((time.perf_counter() - started) * 1000)
            facts_p50 = statistics.median(fact_times)
            with factory() as s:
                expected = _rollup_total(name, s, f)
            same = "—" if expected is None else ("yes" if _same(expected, value) else f"NO ({expected} vs {value})")
            line += f"   {facts_p50:10.1f}  {facts_p50 / p50:8.1f}×  {same}"
        print(line)
    print(f"chart callbacks over {args.budget:.0f} ms at p95: {over}")
    return 1 if over else 0


def _same(expected, value) -> bool:
    if isinstance(expected, tuple):
        return tuple(expected) == tuple(int(v or 0) for v in value)
    return expected == value


if __name__ == "__main__":
    raise SystemExit(main())
