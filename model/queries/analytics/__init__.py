"""Analytics read side: refunds, returns, cancellations, oversight and queue health.

- filters: what the controls choose, buckets, currency conversion (exchange rates).
- series: order charts and KPI cards from `order_rollups` and `product_rollups`.
- drilldown: the records behind a chart value, which add up to it; CSV streaming.
- oversight: refunds per person, the approval threshold's "what if".
- queue: queue health from the case rollups.

Every figure is read from rollups kept in the same transaction as the facts
(model/INVARIANTS.md, rules 24–32); the charts never scan order lines or cases.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...entities import Channel, Product
from ...money import MINOR_UNITS
from ...policy import current_policy
from .drilldown import (
    MAX_DRILLDOWN_ROWS, check_rates, drilldown, drilldown_csv, drilldown_total, money_column, per_line,
)
from .filters import (
    CHANGE_KINDS, DRILLDOWN_CHARTS, GRANULARITIES, REFUND_KINDS, RETURN_KINDS, Conversion, Filters, MissingRate,
    RatePeriod, bucket_end, bucket_start, load_conversion, parse_filters, utc_bounds,
)
from .oversight import WhatIf, outliers, refunds_per_agent, threshold_what_if
from .queue import QueueHealth, case_flow, open_cases_per_agent, queue_health, response_medians
from .series import (
    MIN_PRODUCT_UNITS, TOP_PRODUCTS, Kpi, cancellation_rate_by_channel, grain_spans, kpis, percent,
    previous_refund_series, product_units, ratio, refund_series, refunds_by, return_rate_by_category,
    return_rate_by_product, returns_cancellations_series,
)


def filter_choices(s: Session) -> dict[str, list[str]]:
    """Currencies, channels, categories and reasons that occur (small tables and policy)."""
    reasons = sorted({r for kind in CHANGE_KINDS for r in current_policy().reasons_for(kind)})
    return {"currency": sorted(MINOR_UNITS), "channel": [c.value for c in Channel],
            "category": list(s.execute(select(Product.category).distinct().order_by(Product.category)).scalars()),
            "reason": reasons}


__all__ = [
    "CHANGE_KINDS", "DRILLDOWN_CHARTS", "GRANULARITIES", "MAX_DRILLDOWN_ROWS", "MIN_PRODUCT_UNITS", "REFUND_KINDS",
    "RETURN_KINDS", "TOP_PRODUCTS", "Conversion", "Filters", "Kpi", "MissingRate", "QueueHealth", "RatePeriod",
    "WhatIf", "bucket_end", "bucket_start", "check_rates", "cancellation_rate_by_channel", "case_flow", "drilldown",
    "drilldown_csv",
    "drilldown_total", "filter_choices", "grain_spans", "kpis", "load_conversion", "money_column",
    "open_cases_per_agent", "outliers", "parse_filters", "per_line", "percent", "previous_refund_series",
    "product_units", "queue_health", "ratio", "refund_series", "refunds_by", "refunds_per_agent",
    "response_medians", "return_rate_by_category", "return_rate_by_product", "returns_cancellations_series",
    "threshold_what_if", "utc_bounds",
]
