"""What a callback receives, checked before use: a prop or a dcc.Store holds whatever the browser sent.

Each helper returns the value in the shape the callback expects, or None when it is not
that shape (a tampered store, a stale layout, a forged request). The callback then
answers with no_update, a neutral state or its usual refusal; it never guesses.
"""
from __future__ import annotations

from components.i18n import N_
from model.ids import MAX_ID, valid_id

# Refusals of a store the page itself wrote (pass them through `_()` when shown).
STALE_PAGE = N_("This page is out of date; reload it and try again.")


def as_dict(value) -> dict | None:
    """A store that must be an object."""
    return value if isinstance(value, dict) else None


def as_text(value, max_len: int | None = None) -> str | None:
    """Text as typed (not stripped), at most `max_len` characters; None for anything else."""
    if not isinstance(value, str) or (max_len is not None and len(value) > max_len):
        return None
    return value


def as_id(value, *, digits: bool = False) -> int | None:
    """A row's key: an int from 1 to 2**31-1 (no bool, no float); with `digits`, also its
    ASCII digits as text, for the selects whose option values are strings."""
    if digits and isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    return valid_id(value)


def as_choice_id(value) -> int | None:
    """A select of rows (option values are ids as text, "" for none): the id, or None for none.

    Raises ValueError for anything else: a forged choice is refused, never read as "none".
    """
    if value is None or value == "":
        return None
    chosen = as_id(value, digits=True)
    if chosen is None:
        raise ValueError(f"not an id: {str(value)[:40]!r}")
    return chosen


def as_text_list(value) -> list[str] | None:
    """A multi-select's value: a list of text (None for anything else)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return value


def as_index(value, size: int | None = None) -> int | None:
    """A position in a list: an int from 0 (below `size` when given)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        return None
    return value if size is None or value < size else None


def as_list_of_dicts(value) -> list[dict] | None:
    """A list whose every item is an object (None for a list holding anything else)."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        return None
    return value
