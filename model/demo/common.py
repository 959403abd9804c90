"""Constants, integer money and deterministic randomness shared by the demo generator."""
from __future__ import annotations

import itertools
import random
from datetime import datetime, timezone

from .. import demo_data as data
from ..policy import Policy


ANCHOR = datetime(2026, 11, 1, tzinfo=timezone.utc)
ORDER_MONTHS = 24
DAY = 86_400
HOUR = 3_600
MINUTE = 60


LOCALES = data.LANGUAGES                     # ("en", "ja", "es"): index = locale code used everywhere below
CURRENCIES = ("USD", "JPY", "EUR")
SCALES = (100, 1, 100)                       # minor units per currency unit
LOCALE_WEIGHTS = (55, 25, 20)                # US, Japan, Spain
# A customer's locale from 16 bits of their hash: below the first cut US, below the second Japan.
LOCALE_CUTS = (65536 * LOCALE_WEIGHTS[0] // 100, 65536 * (LOCALE_WEIGHTS[0] + LOCALE_WEIGHTS[1]) // 100)
CATEGORIES = tuple(data.CATALOG)
_US_ZONE_CUTS = tuple(itertools.accumulate(data.US_TIME_ZONE_WEIGHTS))[:-1]   # percent: 47, 74, 82
THRESHOLDS = tuple(int(Policy().threshold(c)) * s for c, s in zip(CURRENCIES, SCALES))  # minor units
SLA_HOURS = getattr(Policy(), "sla_hours", None) or {"urgent": 4, "high": 8, "normal": 24, "low": 72}
CASE_TYPES = ("payment", "claim", "shipment", "return", "cancellation", "other")
CASE_PRIORITIES = ("low", "normal", "high", "urgent")
CASE_STATUSES = ("new", "open", "pending", "resolved", "closed")
CASE_CHANNELS = ("email", "phone", "chat", "web", "internal")
LINKED_SHARE = 0.20

_M64 = (1 << 64) - 1


class DemoError(Exception):
    """The demo data can't be generated here (e.g. the database is not empty)."""


# --- integer money (minor units), the services' arithmetic ------------------------------
def _tax(net: int, rate_bp: int) -> int:
    """line_tax: round half up of net × rate; net is never negative."""
    return (net * rate_bp + 5000) // 10000


def _share(discount: int, quantity: int, units: int) -> int:
    """discount_share in minor units: the part carried by the last `units` units."""
    if units <= 0 or quantity <= 0:
        return 0
    if units >= quantity:
        return discount
    base, remainder = divmod(discount, quantity)
    return units * base + min(units, remainder)


# A line is a list; these are its slots.
(L_ID, L_PRODUCT, L_PRICE, L_RATE, L_ORDERED, L_CANCELED, L_ALLOCATED, L_FULFILLED, L_INITIATED,
 L_RETURNED, L_DISCOUNT, L_TAX, L_CAPTURED, L_REFUNDED) = range(14)


def _active(line) -> int:
    return line[L_ORDERED] - line[L_CANCELED] - line[L_RETURNED]


def _line_total(line) -> int:
    return line[L_PRICE] * _active(line) - line[L_DISCOUNT] + line[L_TAX]


def _captured_target(line) -> int:
    """OrderItemSummary.captured_target: net + tax of the fulfilled units still kept."""
    active = _active(line)
    open_units = line[L_ORDERED] - line[L_CANCELED] - line[L_FULFILLED]
    net = line[L_PRICE] * (active - open_units) - (line[L_DISCOUNT] - _share(line[L_DISCOUNT], active, open_units))
    return net + _tax(net, line[L_RATE])


# --- deterministic randomness ------------------------------------------------------------
def _mix64(x: int) -> int:
    """splitmix64's finalizer: a cheap, well-spread hash of a 64-bit integer."""
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9 & _M64
    x = (x ^ (x >> 27)) * 0x94D049BB133111EB & _M64
    return x ^ (x >> 31)


def _hash(seed: int, salt: int, n: int) -> int:
    return _mix64((seed * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03 + n * 0xBF58476D1CE4E5B9) & _M64)


def _rng(seed: int, *stream) -> random.Random:
    """An independent random stream per (seed, purpose, chunk); str seeds hash stably (sha512)."""
    return random.Random(":".join(str(s) for s in (seed,) + stream))


class _Table:
    """Weighted choice in O(1): a lookup table filled in proportion to the weights."""

    __slots__ = ("values", "size")

    def __init__(self, weighted, size: int = 4096):
        items = list(weighted)
        total = sum(w for _, w in items)
        values, acc = [], 0.0
        for value, weight in items:
            acc += weight
            values.extend([value] * (round(acc / total * size) - len(values)))
        self.values, self.size = values, len(values)

    def pick(self, u: float):
        return self.values[int(u * self.size)]


def _money(minor: int, scale: int) -> str:
    """Minor units (cents, yen) as the amount's exact decimal text: money never passes through
    float on its way to a NUMERIC column (SQLite and COPY read the text as written)."""
    if scale == 1:
        return str(minor)
    sign = "-" if minor < 0 else ""
    return f"{sign}{abs(minor) // 100}.{abs(minor) % 100:02d}"
