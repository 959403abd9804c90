"""SQL fragments shared by the rollup rebuilds: dialect helpers and money in minor units."""
from __future__ import annotations

from .money import MINOR_UNITS

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
