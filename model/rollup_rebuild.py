"""The analytics rollups recomputed from the facts, in SQL (SQLite and PostgreSQL).

Used where rows exist that no writer rolled up: migration 0004 (databases made
before it), the demo generator (its loader sets the case triggers aside) and the
tests (rollups the actions wrote must equal the ones rebuilt here). Writers keep
the rollups themselves; nothing calls these on a live database.

Money is added up in whole minor units (cents, yen), so SQLite's floating
storage adds no rounding error; days are UTC dates.
"""
from __future__ import annotations

from .rollup_cases import (  # noqa: F401  (re-exported)
    OPEN_COUNT_SELECT, case_rollup_select, case_timing_select, duration_bucket_select, rebuild_case_rollups,
)
from .rollup_line_refunds import (  # noqa: F401  (re-exported)
    _KIND_ORDER, _replayed_line_refunds, _sortable, _target, fill_line_refunds,
)
from .rollup_orders import (  # noqa: F401  (re-exported)
    product_day_select, rebuild_order_rollup_totals, rebuild_order_rollups, refund_rollup_select,
    refund_size_select, total_levels,
)
from .rollup_sql import (  # noqa: F401  (re-exported)
    MAX_DURATION_BUCKET, MEASURES, OPEN_STATUSES, RETURN_KINDS, duration_bucket, least, minor_scale, month_start,
    to_minor_sql, utc_day, whole_seconds,
)
