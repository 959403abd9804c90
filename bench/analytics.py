"""Analytics query times on a demo database: rollup queries vs the same figure from the facts.

    python -m bench.analytics --database-url URL [--end 2026-10-31] [--days 365] [--repeat 20]

Prints p50/p95 per query (12 months, daily buckets, USD) and, for the refund
series, the time of the same total computed from credit memos.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

from sqlalchemy import func, select

from model import db as model_db
from model.entities import ChangeOrder, CreditMemo, OrderSummary
from model.queries import analytics as qa


def _facts_refund_total(s, f: qa.Filters):
    since, until = qa._utc_bounds(f.start, f.end)  # noqa: SLF001
    return s.execute(select(func.sum(CreditMemo.amount)).join(ChangeOrder, ChangeOrder.id == CreditMemo.change_order_id)
                     .join(OrderSummary, OrderSummary.id == CreditMemo.order_id)
                     .where(OrderSummary.currency == f.currency, ChangeOrder.created_at >= since,
                            ChangeOrder.created_at < until)).scalar()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--end", default="2026-10-31")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    end = date.fromisoformat(args.end)
    f = qa.Filters(end - timedelta(days=args.days - 1), end, currency="USD", granularity="day")
    factory = model_db.connect(args.database_url, migrate=False)
    cases = {
        "refund_series": lambda s: qa.refund_series(s, f),
        "previous_refund_series": lambda s: qa.previous_refund_series(s, f),
        "returns_cancellations": lambda s: qa.returns_cancellations_series(s, f),
        "return_rate_by_category": lambda s: qa.return_rate_by_category(s, f),
        "cancellation_rate_by_channel": lambda s: qa.cancellation_rate_by_channel(s, f),
        "refunds_by_reason": lambda s: qa.refunds_by(s, f, "reason"),
        "refunds_by_channel": lambda s: qa.refunds_by(s, f, "channel"),
        "kpis": lambda s: qa.kpis(s, f),
        "refunds_per_agent": lambda s: qa.refunds_per_agent(s, f),
        "threshold_what_if": lambda s: qa.threshold_what_if(s, "USD", 100, today=end),
        "queue_health": lambda s: qa.queue_health(s, f.start, f.end, "day", now=None),
        "drilldown_one_day": lambda s: qa.drilldown(s, f.narrowed(end, end), "refunds"),
        "FACTS refund total": lambda s: _facts_refund_total(s, f),
    }
    print(f"{args.database_url.split('://')[0]}  {f.start}..{f.end} day USD, {args.repeat} runs (ms)")
    for name, run in cases.items():
        times = []
        for _ in range(args.repeat):
            with factory() as s:
                started = time.perf_counter()
                run(s)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"  {name:30s} p50 {statistics.median(times):8.1f}   p95 {p95:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
