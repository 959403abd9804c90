"""Server-side grid blocks: one block of rows (`start_row`..`end_row`) in the order AG Grid's
`sortModel` asks for, always ending with the id so pages never overlap.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_PAGE = 500          # rows per block, whatever the grid asks for


class GridRequestError(ValueError):
    """A block or sort the grid cannot have; the message is a sentence for a person."""


@dataclass(frozen=True)
class GridPage:
    rows: list[dict]
    total: int | None   # None: not counted, more rows may follow (the grid keeps asking)


def _block(start_row, end_row) -> tuple[int, int]:
    """(offset, limit) of a block the grid asks for."""
    if (not isinstance(start_row, int) or not isinstance(end_row, int) or isinstance(start_row, bool)
            or isinstance(end_row, bool) or start_row < 0 or end_row <= start_row):
        raise GridRequestError("Ask for a block of rows.")
    return start_row, min(end_row - start_row, MAX_PAGE)


def grid_order_by(sort_model, columns: Mapping, default: list, key, *, blanks: frozenset = frozenset()) -> list:
    """ORDER BY for AG Grid's sortModel over an allow-list {column id: expression}, ending with `key`.

    Columns in `blanks` may be NULL: blanks come last either way, on both databases (they disagree
    on where NULL goes by default).
    """
    if not sort_model:
        return default
    if not isinstance(sort_model, list) or len(sort_model) > 3:
        raise GridRequestError("Sort by at most three columns.")
    order = []
    for item in sort_model:
        column = columns.get(item.get("colId")) if isinstance(item, Mapping) else None
        if column is None or item.get("sort") not in ("asc", "desc"):
            raise GridRequestError("This column cannot be sorted.")
        term = column.asc() if item["sort"] == "asc" else column.desc()
        order.append(term.nulls_last() if item["colId"] in blanks else term)
    return [*order, key.asc() if sort_model[-1]["sort"] == "asc" else key.desc()]
