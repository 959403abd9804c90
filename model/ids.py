"""Primary keys as the web sends them: anything, until checked here."""
from __future__ import annotations

MAX_ID = 2 ** 31 - 1  # keys are 32-bit INTEGER columns: PostgreSQL raises on a larger number


def valid_id(value) -> int | None:
    """`value` if it can be a row's key (an int from 1 to MAX_ID, not a bool), else None.

    A number beyond the column's range names no row: callers treat None as "not found"
    rather than let PostgreSQL refuse the statement (DataError: integer out of range).
    """
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value
