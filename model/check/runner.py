"""run() and check(): every rule on one snapshot."""
from __future__ import annotations

from .analytics import _check_analytics_rollups
from .cases import _check_cases
from .orders import _check_orders
from .reading import _snapshot
from .report import Report, _Enough
from .rollups import _check_rollups


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
