"""Case rollups (case_rollups, case_timings, case_open_counts, case_duration_buckets) rebuilt from `cases`."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .rollup_sql import MEASURES, OPEN_STATUSES, duration_bucket, utc_day, whole_seconds


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
