"""Deterministic demo data: customers, orders and their whole history, cases.

    python -m model.demo --customers 300000 --orders 1000000 --cases 200000 --seed 1 [--database-url URL]

Every timestamp is relative to a fixed anchor, ANCHOR = 2026-11-01T00:00Z, so
the same seed gives the same rows whatever today's date is: orders span the
24 months before the anchor, and the cases are "current" as seen from the
anchor (open work was created in the days before it; an open case whose
`due_at` is before the anchor is breaching its SLA). `--anchor YYYY-MM-DD`
moves the whole data set (e.g. to today's date for a live demo); the rows
are then deterministic for that (seed, anchor) pair.

The generator writes into an empty, migrated database only. It never builds
ORM objects: each order is simulated with integer minor units (cents, yen)
using the same arithmetic as the services (model.money.line_tax,
discount_share, OrderItemSummary.captured_target, the money-action flow in
model.actions.flow), so the data satisfies model/INVARIANTS.md by
construction. Cases that name an order are planned first, and the agent's
action they describe (cancel, return, RMA, reship, partial refund) is what
happens to that order.

How it runs: the main process plans (customers' sign-ups, every order's time
and customer, every case) and forks two workers. The work is a list of chunk
tasks (customers, orders, cases) that both workers take in turn; a chunk is
simulated with ids numbered from 1, then offset by the rows of all earlier
chunks (`_Chain`), and written to a small SQLite file. The main process copies
the files into the target in task order (dependency order): `INSERT … SELECT`
on SQLite, COPY on PostgreSQL. Every chunk has its own random stream, so the
rows do not depend on which worker made them.
"""
from __future__ import annotations

import argparse
import bisect
import functools
import hashlib
import itertools
import json
import multiprocessing
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import traceback
import unicodedata
from array import array
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from operator import itemgetter

from . import demo_data as data
from .entities.cases import TAG_LIST_LENGTH
from .policy import Policy

ANCHOR = datetime(2026, 11, 1, tzinfo=timezone.utc)
ORDER_MONTHS = 24
DAY = 86_400
HOUR = 3_600
MINUTE = 60

DEMO_USERS: list[dict] = [
    {"login": "agent", "password": "agent-demo", "role": "agent", "display_name": "Avery Agent",
     "language": "en", "time_zone": "America/New_York"},
    {"login": "lead", "password": "lead-demo", "role": "lead", "display_name": "Logan Lead",
     "language": "en", "time_zone": "America/Chicago"},
    {"login": "manager", "password": "manager-demo", "role": "manager", "display_name": "Morgan Manager",
     "language": "en", "time_zone": "America/New_York"},
    {"login": "admin", "password": "admin-demo", "role": "admin", "display_name": "Ada Admin",
     "language": "en", "time_zone": "UTC"},
    {"login": "tanaka", "password": "tanaka-demo", "role": "agent", "display_name": "田中 花子",
     "language": "ja", "time_zone": "Asia/Tokyo"},
    {"login": "garcia", "password": "garcia-demo", "role": "agent", "display_name": "María García",
     "language": "es", "time_zone": "Europe/Madrid"},
] + [
    {"login": f"agent{n:02d}", "password": "agent-demo", "role": "agent", "display_name": name,
     "language": language, "time_zone": zone}
    for n, (name, language, zone) in enumerate(data.EXTRA_AGENTS, start=1)
]

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


# --- the world: pools, catalogue, customers (built once, inherited by the workers) -------
@dataclass
class _Customer:
    locale: int
    name: str
    first: str          # how replies address the customer
    email_first: str
    email_last: str
    time_zone: str
    offset: int         # seconds east of UTC (standard time)
    address: tuple      # (line1, line2, city, region, postal_code, country)
    tax_bp: int


@dataclass
class _World:
    seed: int
    anchor: int                     # epoch seconds
    customers: int
    orders: int
    cases: int
    backend: str                    # "sqlite" | "postgresql": timestamp format
    first_names: list = field(default_factory=list)
    last_names: list = field(default_factory=list)
    streets: list = field(default_factory=list)
    products: list = field(default_factory=list)  # (sku, name, category, (usd, jpy, eur) minor, origin)
    popular: _Table | None = None                      # product index by popularity
    created: array = field(default_factory=lambda: array("q"))    # customer signup, sorted by id
    weights: array = field(default_factory=lambda: array("d"))    # cumulative order weights
    offsets: array = field(default_factory=lambda: array("q"))    # tz offset per customer
    raw_weights: array = field(default_factory=lambda: array("d"))  # order weight per customer
    order_ts: array = field(default_factory=lambda: array("q"))     # the order plan (ids follow it)
    order_cust: array = field(default_factory=lambda: array("q"))
    first_products: array = field(default_factory=lambda: array("q"))  # product of each order's first line
    case_plans: list = field(default_factory=list)
    vip_weight: float = 0.0
    day0: int = 0                   # day number of DAYS[0]
    days: list = field(default_factory=list)
    times: list = field(default_factory=list)

    # -- timestamps as the target stores them (SQLAlchemy's SQLite format / timestamptz text)
    def ts(self, t: int) -> str:
        return self.days[t // DAY - self.day0] + self.times[t % DAY]

    def timestamp_function(self):
        """`ts` as a plain function with its tables bound (it runs a few million times)."""
        days, times, day0 = self.days, self.times, self.day0

        def ts(t: int) -> str:
            return days[t // DAY - day0] + times[t % DAY]
        return ts

    def day(self, t: int) -> str:
        return self.days[t // DAY - self.day0]

    def address(self, locale: int, h: int) -> tuple[tuple, int]:
        """(line1, line2, city, region, postal_code, country) and the sales tax rate there, from a hash."""
        street = self.streets[locale][(h >> 8) % len(self.streets[locale])]
        number = 1 + (h >> 40) % (9800 if locale == 0 else 120)
        extra = (h >> 52) & 0xFF
        if locale == 0:
            line2 = f"Apt {1 + extra % 40}{'ABCD'[extra % 4]}" if extra < 60 else None
            return (f"{number} {street[0]}", line2, street[1], street[2], street[3], "US"), street[4]
        if locale == 1:
            chome, ban, go = 1 + number % 9, 1 + (h >> 20) % 30, 1 + (h >> 28) % 25
            line2 = f"{street[4]} {1 + extra % 12}0{1 + extra % 9}号室" if extra < 90 else None
            return (f"{street[2]}{chome}丁目{ban}番{go}号", line2, street[1], street[0], street[3], "JP"), 1000
        line2 = f"{1 + extra % 8}º {'ABCD'[extra % 4]}" if extra < 150 else None
        return (f"{street[0]}, {number}", line2, street[1], street[2], street[3], "ES"), 2100

    def customer(self, cid: int) -> _Customer:
        """Everything about a customer that more than one table needs: a pure function of the id."""
        h = _hash(self.seed, 1, cid)
        h2 = _mix64(h ^ 0x5DEECE66D)
        u = h & 0xFFFF
        locale = 0 if u < LOCALE_CUTS[0] else (1 if u < LOCALE_CUTS[1] else 2)
        firsts, lasts = self.first_names[locale], self.last_names[locale]
        first = firsts[(h >> 16) % len(firsts)]
        last = lasts[(h >> 32) % len(lasts)]
        address, tax_bp = self.address(locale, h2)
        if locale == 0:
            zone = (h2 & 0xFFFF) % 100
            zone_index = next((i for i, cut in enumerate(_US_ZONE_CUTS) if zone < cut), len(_US_ZONE_CUTS))
            time_zone, hours = data.US_TIME_ZONES[zone_index]
            name = f"{first[0]} {last[0]}"
        elif locale == 1:
            time_zone, hours = "Asia/Tokyo", 9
            name = f"{last[0]} {first[0]}"
            first = (last[0], first[1])             # replies address Japanese customers by surname
        else:
            canary = (h2 & 0xFF) < 26
            time_zone, hours = ("Atlantic/Canary", 0) if canary else ("Europe/Madrid", 1)
            second = lasts[(h >> 48) % len(lasts)]
            name = f"{first[0]} {last[0]} {second[0]}"
        return _Customer(locale, name, first[0], first[1], last[1], time_zone, hours * HOUR, address, tax_bp)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@functools.lru_cache(maxsize=4)
def _build_pools(seed: int) -> tuple[list, list, list]:
    """Names and streets per locale from a seeded Faker (slow, so done once and combined later)."""
    from faker import Faker

    first_names, last_names, streets = [], [], []
    for locale, faker_locale in zip(LOCALES, ("en_US", "ja_JP", "es_ES")):
        fake = Faker(faker_locale)
        fake.seed_instance(seed * 1000 + LOCALES.index(locale))
        if locale == "ja":
            firsts = {(k, _ascii(r)) for k, _, r in [fake.first_name_pair() for _ in range(400)] + [
                (k, None, r) for k, r in data.JA_FIRST_NAMES]}
            lasts = {(k, _ascii(r)) for k, _, r in [fake.last_name_pair() for _ in range(400)] + [
                (k, None, r) for k, r in data.JA_LAST_NAMES]}
            rows = [(fake.prefecture(), fake.city(), fake.town(), fake.zipcode(), fake.building_name())
                    for _ in range(900)]
        else:
            firsts = {(n, _ascii(n)) for n in (fake.first_name() for _ in range(1500))}
            lasts = {(n, _ascii(n)) for n in (fake.last_name() for _ in range(1500))}
            if locale == "en":
                rows = []
                for _ in range(900):
                    state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
                    rate = data.US_STATE_TAX.get(state)
                    spread = int(hashlib.md5(state.encode()).hexdigest(), 16) % 13
                    bp = round(float(rate) * 10000) if rate else 725 + 25 * spread
                    rows.append((fake.street_name(), fake.city(), state, fake.zipcode_in_state(state), bp))
            else:
                rows = [(fake.street_name(), fake.city(), fake.state(), fake.postcode()) for _ in range(900)]
        first_names.append(sorted(f for f in firsts if f[1]))
        last_names.append(sorted(n for n in lasts if n[1]))
        streets.append(rows)
    return first_names, last_names, streets


def _nice_price(minor: int, currency: int) -> int:
    """Shelf prices: 24.99 $, 22.99 €, ¥3,480."""
    if currency == 1:
        return max(100, round(minor / 100) * 100 - 20) if minor >= 1000 else max(10, round(minor / 10) * 10)
    return max(99, (minor // 100) * 100 + 99 if minor % 100 >= 50 else (minor // 100) * 100 - 1)


def _build_products() -> list:
    """The catalogue: 40 SKUs per category, seed-independent (a shop has one catalogue)."""
    products = []
    for category, (prefix, (low, high), nouns, adjectives, japanese, spanish) in data.CATALOG.items():
        names = [f"{adjectives[(i * 7) % len(adjectives)]} {nouns[i % len(nouns)]}" for i in range(30)]
        origins = [0] * 30 + [1] * len(japanese) + [2] * len(spanish)
        names += japanese + spanish
        for k, (name, origin) in enumerate(zip(names, origins)):
            h = _hash(7, 2, len(products))
            spread = (h % 10_000) / 10_000
            usd = int((low + (high - low) * spread ** 2.2) * 100)
            usd = _nice_price(usd, 0)
            prices = (usd, _nice_price(usd * 3 // 2, 1), _nice_price(usd * 93 // 100, 2))
            products.append((f"{prefix}-{1001 + k}", name, category, prices, origin))
    return products


def _day_weights(anchor: int, first_day: int, days: int) -> list[float]:
    """Seasonality of orders: November/December peaks, weekly pattern, growth, Black Friday."""
    month = {1: 0.78, 2: 0.74, 3: 0.86, 4: 0.88, 5: 0.92, 6: 0.9, 7: 0.97, 8: 0.95, 9: 0.93, 10: 1.0,
             11: 1.45, 12: 1.6}
    weekday = (1.05, 1.0, 0.98, 1.0, 1.04, 0.9, 1.03)   # Monday … Sunday
    weights = []
    for k in range(days):
        d = date.fromordinal(date(1970, 1, 1).toordinal() + first_day + k)
        w = month[d.month] * weekday[d.weekday()] * (1 + 0.35 * k / days)
        if d.month == 11 and d.weekday() == 4 and 22 < d.day <= 29:
            w *= 3.2                                     # Black Friday
        elif d.month == 11 and d.weekday() == 0 and 25 < d.day or (d.month == 12 and d.day <= 2 and d.weekday() == 0):
            w *= 2.4                                     # Cyber Monday
        elif d.month == 12 and 10 <= d.day <= 18:
            w *= 1.25
        elif d.month == 12 and d.day >= 24:
            w *= 0.7
        weights.append(w)
    return weights


def _counts(total: int, weights: list[float]) -> list[int]:
    """Split `total` over the weights exactly (cumulative rounding)."""
    acc, whole, done, out = 0.0, sum(weights), 0, []
    for w in weights:
        acc += w
        upto = round(total * acc / whole)
        out.append(upto - done)
        done = upto
    return out


_TIME_OF_DAY = _Table([(h * 60 + m, w) for h, w in enumerate(
    (0.35, 0.2, 0.12, 0.08, 0.08, 0.15, 0.35, 0.7, 1.1, 1.4, 1.6, 1.7, 1.9, 1.8, 1.6, 1.55, 1.55, 1.65,
     1.85, 2.1, 2.3, 2.15, 1.5, 0.8)) for m in range(60)], size=16384)
_BUSINESS_HOURS = _Table([(h * 60 + m, w) for h, w in enumerate(
    (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.5, 2.0, 2.1, 2.0, 1.6, 1.8, 2.0, 1.9, 1.7, 1.4,
     1.1, 0.9, 0.8, 0.6, 0.4, 0.2)) for m in range(60)], size=16384)


def _build_world(seed: int, customers: int, orders: int, cases: int, backend: str,
                 anchor: datetime = ANCHOR) -> _World:
    world = _World(seed=seed, anchor=int(anchor.timestamp()), customers=customers, orders=orders,
                   cases=cases, backend=backend)
    world.first_names, world.last_names, world.streets = _build_pools(seed)
    world.products = _build_products()
    weights = [1 / (rank + 8) ** 0.9 for rank in range(len(world.products))]
    order = list(range(len(world.products)))
    _rng(0, "catalogue").shuffle(order)
    world.popular = _Table(zip(order, weights), size=16384)
    # Day strings cover customers created up to 6 years before the anchor.
    world.day0 = world.anchor // DAY - 6 * 366
    world.days = [(date(1970, 1, 1) + timedelta(days=world.day0 + k)).isoformat()
                  for k in range(6 * 366 + 400)]
    suffix = "+00:00" if backend == "postgresql" else ".000000"
    world.times = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]
    _plan_customers(world)
    world.order_ts, world.order_cust = _plan_orders(world)
    world.first_products = _first_products(world)
    world.case_plans = _plan_cases(world, world.order_ts, world.order_cust)
    return world


def _uniforms(rng: random.Random, n: int):
    """n floats in [0, 1) from a Python random stream, as a numpy array (53 random bits each)."""
    import numpy as np

    if n == 0:
        return np.zeros(0)
    bits = np.frombuffer(rng.getrandbits(64 * n).to_bytes(8 * n, "little"), dtype="<u8")
    return (bits >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


def _hash_array(seed: int, salt: int, n):
    """_hash over an array of n (uint64 arithmetic wraps like the & _M64 of the scalar version)."""
    import numpy as np

    with np.errstate(over="ignore"):
        base = np.uint64(seed * 0x9E3779B97F4A7C15 + salt * 0xD1B54A32D192ED03 & _M64)
        return _mix64_array(base + n.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9))


def _offsets(world: _World, count: int):
    """Every customer's UTC offset, as world.customer() would give it."""
    import numpy as np

    h = _hash_array(world.seed, 1, np.arange(1, count + 1, dtype=np.uint64))
    h2 = _mix64_array(h ^ np.uint64(0x5DEECE66D))
    u = h & np.uint64(0xFFFF)
    zone = (h2 & np.uint64(0xFFFF)) % np.uint64(100)
    hours_by_zone = [hours for _, hours in data.US_TIME_ZONES]
    us = np.select([zone < cut for cut in _US_ZONE_CUTS], hours_by_zone[:-1], hours_by_zone[-1])
    es = np.where((h2 & np.uint64(0xFF)) < 26, 0, 1)
    hours = np.where(u < LOCALE_CUTS[0], us, np.where(u < LOCALE_CUTS[1], 9, es))
    return (hours * HOUR).astype(np.int64)


def _mix64_array(x):
    import numpy as np

    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _plan_customers(world: _World) -> None:
    """Signup times (ids follow signup order) and how much each customer buys."""
    import numpy as np

    rng = _rng(world.seed, "customers-plan")
    window = ORDER_MONTHS * 30.44 * DAY
    start = world.anchor - window
    n = world.customers
    old, u, v = _uniforms(rng, n) < 0.32, _uniforms(rng, n), _uniforms(rng, n)
    # 32 % signed up before the order window, the others at a growing rate during it.
    times = np.where(old, start - u ** 0.7 * 3 * 365 * DAY, start + window * v ** 0.8 - 1).astype(np.int64)
    times.sort(kind="stable")
    world.created = array("q", times.tobytes())
    raw = [rng.lognormvariate(0, 1.0) for _ in range(n)]
    acc = 0.0
    for w in raw:
        acc += w
        world.weights.append(acc)
    world.vip_weight = sorted(raw)[int(len(raw) * 0.97)] if raw else 0.0
    world.raw_weights = array("d", raw)
    world.offsets = array("q", _offsets(world, n).tobytes())


# --- the order plan: when each order is placed and by whom (pure function of the world) ---
def _plan_orders(world: _World) -> tuple[array, array]:
    """Placement time and customer of every order, sorted by time (order ids follow it)."""
    import numpy as np

    rng = _rng(world.seed, "orders-plan")
    days = int(ORDER_MONTHS * 30.44)
    first_day = world.anchor // DAY - days
    counts = np.array(_counts(world.orders, _day_weights(world.anchor, first_day, days)), dtype=np.int64)
    created = np.frombuffer(world.created, dtype=np.int64)
    weights = np.frombuffer(world.weights, dtype=np.float64)
    offsets = np.frombuffer(world.offsets, dtype=np.int64)
    day_start = (first_day + np.repeat(np.arange(days, dtype=np.int64), counts)) * DAY
    # Customers who had signed up by the start of the day, chosen by how much they buy.
    known = np.maximum(1, np.searchsorted(created, day_start, side="right"))
    u, x = _uniforms(rng, world.orders), _uniforms(rng, world.orders) * _TIME_OF_DAY.size
    index = np.minimum(np.searchsorted(weights, u * weights[known - 1], side="right"), known - 1)
    minutes = np.array(_TIME_OF_DAY.values, dtype=np.int64)[x.astype(np.int64)]
    t = day_start + minutes * 60 + ((x % 1) * 60).astype(np.int64) - offsets[index]
    t = np.minimum(np.maximum(t, created[index] + 600), world.anchor - 60)
    order = np.lexsort((index, t))
    return array("q", t[order].tobytes()), array("q", (index[order] + 1).tobytes())


def _product_fits(world: _World, product: int, locale: int) -> bool:
    """Japanese- and Spanish-named products sell mostly in Japan and Spain."""
    origin = world.products[product][4]
    return origin == 0 or origin == locale


def _first_products(world: _World):
    """The product on every order's first line, decided up front so a case can name it.

    A popular product that fits the customer's country (four tries; one order in
    eight takes the first try whatever it is).
    """
    import numpy as np

    h = _hash_array(world.seed, 3, np.arange(world.orders, dtype=np.uint64))
    customers = np.frombuffer(world.order_cust, dtype=np.int64)
    u = _hash_array(world.seed, 1, customers.astype(np.uint64)) & np.uint64(0xFFFF)
    locale = np.where(u < LOCALE_CUTS[0], 0, np.where(u < LOCALE_CUTS[1], 1, 2))
    values = np.array(world.popular.values, dtype=np.int64)
    origin = np.array([p[4] for p in world.products], dtype=np.int64)
    chosen = np.full(world.orders, -1, dtype=np.int64)
    any_fit = ((h >> np.uint64(60)) & np.uint64(7)) == 0
    for attempt in range(4):
        product = values[((h >> np.uint64(14 * attempt)) % np.uint64(world.popular.size)).astype(np.int64)]
        fits = (origin[product] == 0) | (origin[product] == locale) | any_fit
        chosen = np.where((chosen < 0) & (fits | (attempt == 3)), product, chosen)
    return array("q", chosen.tobytes())


# --- the case plan (pure): when, who, what, and what the agent did on the linked order -----
@dataclass(slots=True)
class _CasePlan:
    t: int
    customer: int           # 0: none
    order: int              # order index, -1: none
    type: str
    priority: str
    status: str
    channel: str
    h: int                  # per-case hash for texts
    primary: bool = False   # first case on its order: the one whose outcome shows on the order
    injection: str | None = None
    action_t: int = 0


_LINK_WINDOWS = {  # type: (earliest, latest) placement before the case, seconds
    "cancellation": (20 * HOUR, 10 * MINUTE), "return": (28 * DAY, 8 * DAY), "shipment": (20 * DAY, 6 * DAY),
    "claim": (25 * DAY, 6 * DAY), "payment": (30 * DAY, HOUR), "other": (60 * DAY, HOUR),
}
_TYPE_LINKED = {"shipment": 30, "return": 24, "claim": 14, "cancellation": 10, "payment": 10, "other": 12}
_TYPE_UNLINKED = {"other": 30, "payment": 18, "shipment": 16, "return": 14, "claim": 12, "cancellation": 10}
_TYPE_CODES_LINKED = _Table([(CASE_TYPES.index(k), w) for k, w in _TYPE_LINKED.items()])
_TYPE_CODES_UNLINKED = _Table([(CASE_TYPES.index(k), w) for k, w in _TYPE_UNLINKED.items()])
_CHANNEL = _Table([("email", 45), ("chat", 20), ("phone", 15), ("web", 15), ("internal", 5)])
_PRIORITY = {
    "shipment": _Table([("low", 8), ("normal", 50), ("high", 30), ("urgent", 12)]),
    "claim": _Table([("low", 8), ("normal", 52), ("high", 30), ("urgent", 10)]),
    "payment": _Table([("low", 10), ("normal", 50), ("high", 30), ("urgent", 10)]),
    "cancellation": _Table([("low", 5), ("normal", 45), ("high", 35), ("urgent", 15)]),
    "return": _Table([("low", 20), ("normal", 62), ("high", 15), ("urgent", 3)]),
    "other": _Table([("low", 40), ("normal", 52), ("high", 7), ("urgent", 1)]),
}
_STATUS_BY_AGE = [  # (max age in days, table): the open backlog is a few days of intake
    (1, _Table([("new", 45), ("open", 35), ("pending", 10), ("resolved", 8), ("closed", 2)])),
    (3, _Table([("new", 10), ("open", 30), ("pending", 20), ("resolved", 30), ("closed", 10)])),
    (14, _Table([("new", 1), ("open", 8), ("pending", 8), ("resolved", 43), ("closed", 40)])),
    (45, _Table([("open", 2), ("pending", 2), ("resolved", 21), ("closed", 75)])),
    (10 ** 9, _Table([("open", 0.3), ("pending", 0.3), ("resolved", 7.4), ("closed", 92)])),
]


def _injection(case: _CasePlan, placed: int, anchor: int) -> tuple[str | None, int]:
    """What the agent did on the linked order for this case, and when (pure: both workers agree)."""
    if not case.primary or case.status == "new" or case.order < 0:
        return None, 0
    action_t = case.t + 10 * MINUTE + case.h % (80 * MINUTE)
    if action_t >= anchor - MINUTE:
        return None, 0
    age, done = case.t - placed, case.status in ("resolved", "closed")
    if case.type == "cancellation" and age <= 20 * HOUR:
        return "cancel", action_t
    if case.type == "return" and 6 * DAY <= age <= 28 * DAY:
        return ("return" if done else "rma_open"), action_t
    if case.type == "shipment" and 6 * DAY <= age <= 40 * DAY:
        return "lost", action_t
    if case.type == "claim" and done and 6 * DAY <= age <= 28 * DAY:
        return ("claim_discount" if case.h >> 40 & 1 else "claim_return"), action_t
    return None, 0


def _pick_array(table: _Table, u):
    """_Table.pick over an array of uniforms."""
    import numpy as np

    return np.array(table.values)[(u * table.size).astype(np.int64)]


def _plan_cases(world: _World, order_ts: array, order_cust: array) -> list[_CasePlan]:
    """When each case was opened, by whom, about what, and its status; sorted by creation (= id order)."""
    import numpy as np

    rng = _rng(world.seed, "cases-plan")
    n, anchor = world.cases, world.anchor
    u = [_uniforms(rng, n) for _ in range(12)]
    created = np.frombuffer(world.created, dtype=np.int64)
    weights = np.frombuffer(world.weights, dtype=np.float64)
    offsets = np.frombuffer(world.offsets, dtype=np.int64)
    orders_at = np.frombuffer(order_ts, dtype=np.int64)
    # 45 % in the last 30 days, 30 % in the 5 months before, the rest over the year and a half before that.
    age = np.select([u[0] < 0.45, u[0] < 0.75], [u[1] * 30, 30 + u[1] * 150], 180 + u[1] * 550) * DAY
    day_start = (anchor - age.astype(np.int64)) // DAY * DAY
    linked = (u[2] < LINKED_SHARE) & (len(order_ts) > 0)
    type_codes = np.where(linked, _pick_array(_TYPE_CODES_LINKED, u[3]), _pick_array(_TYPE_CODES_UNLINKED, u[3]))
    channels = _pick_array(_CHANNEL, u[4])
    hashes = _mix64_array((u[5] * float(1 << 62)).astype(np.uint64))
    t = day_start + _pick_array(_BUSINESS_HOURS, u[6]).astype(np.int64) * 60 + (u[7] * 60).astype(np.int64)
    # Linked cases: an order placed in the window that fits the type (wider if none is).
    earliest = np.array([_LINK_WINDOWS[CASE_TYPES[c]][0] for c in range(len(CASE_TYPES))])[type_codes]
    latest = np.array([_LINK_WINDOWS[CASE_TYPES[c]][1] for c in range(len(CASE_TYPES))])[type_codes]
    lo = np.searchsorted(orders_at, t - earliest, side="left")
    hi = np.searchsorted(orders_at, t - latest, side="right")
    wide = hi <= lo
    lo = np.where(wide, np.searchsorted(orders_at, t - 90 * DAY, side="left"), lo)
    hi = np.where(wide, np.searchsorted(orders_at, t - 10 * MINUTE, side="right"), hi)
    linked &= hi > lo
    order = np.where(linked, lo + (u[8] * (hi - lo)).astype(np.int64), -1)
    customers_of = np.frombuffer(order_cust, dtype=np.int64)
    customer = np.where(linked, customers_of[np.maximum(order, 0)] if len(order_ts) else 0, 0)
    # Other cases: a customer who had signed up, by how much they buy; some internal ones have none.
    if world.customers:
        known = np.maximum(1, np.searchsorted(created, day_start, side="right"))
        pick = np.minimum(np.searchsorted(weights, u[9] * weights[known - 1], side="right"), known - 1) + 1
        nobody = (channels == "internal") & (u[10] < 0.4)
        customer = np.where(linked, customer, np.where(nobody, 0, pick))
    has = customer > 0
    index = np.maximum(customer - 1, 0)
    t = np.where(has, t - offsets[index] if world.customers else t, t)   # business hours where the customer is
    floor = np.where(has, created[index] + HOUR if world.customers else 0, 0)
    floor = np.where(linked, np.maximum(floor, orders_at[np.maximum(order, 0)] + 10 * MINUTE) if len(order_ts)
                     else floor, floor)
    t = np.minimum(np.maximum(t, floor), anchor - 5 * MINUTE)
    priority = np.select([type_codes == c for c in range(len(CASE_TYPES))],
                         [_pick_array(_PRIORITY[name], u[11]) for name in CASE_TYPES], "")
    # Status by age: new and open work is recent, old cases are resolved or closed.
    age_days = (anchor - t) / DAY
    bucket = np.searchsorted(np.array([limit for limit, _ in _STATUS_BY_AGE]), age_days, side="right")
    bits = (hashes >> np.uint64(8)).astype(np.uint64)
    status = np.select([bucket == k for k in range(len(_STATUS_BY_AGE))],
                       [np.array(table.values)[(bits % np.uint64(table.size)).astype(np.int64)]
                        for _, table in _STATUS_BY_AGE], "")
    by_time = np.lexsort((hashes, t))
    plans = [_CasePlan(*fields) for fields in zip(
        t[by_time].tolist(), customer[by_time].tolist(), order[by_time].tolist(),
        np.array(CASE_TYPES)[type_codes[by_time]].tolist(), priority[by_time].tolist(), status[by_time].tolist(),
        channels[by_time].tolist(), hashes[by_time].tolist())]
    _cover(plans, rng)
    seen: set[int] = set()
    for case in plans:
        if case.order >= 0 and case.order not in seen:
            seen.add(case.order)
            case.primary = True
            case.injection, case.action_t = _injection(case, order_ts[case.order], anchor)
    return plans


def _cover(plans: list[_CasePlan], rng: random.Random) -> None:
    """Every type, priority, status and channel appears at least once (small demos too)."""
    if not plans:
        return
    used: set[int] = set()
    for attribute, values in (("type", CASE_TYPES), ("priority", CASE_PRIORITIES),
                              ("status", CASE_STATUSES), ("channel", CASE_CHANNELS)):
        present = {getattr(c, attribute) for c in plans}
        for value in values:
            if value in present:
                continue
            candidates = [i for i in range(len(plans)) if i not in used] or list(range(len(plans)))
            i = candidates[int(rng.random() * len(candidates))]
            used.add(i)
            setattr(plans[i], attribute, value)


# Orders that must exist even in a tiny demo: (fate, days before the anchor it is placed).
_FORCED_FATES = (("lost", 60), ("split", 45), ("pickup", 30), ("cancel", 20), ("return", 70),
                 ("rma_open", 16))


def _forced_fates(world: _World, order_ts: array, taken: set[int]) -> dict[int, str]:
    forced: dict[int, str] = {}
    n = len(order_ts)
    for fate, days_before in _FORCED_FATES:
        i = bisect.bisect_left(order_ts, world.anchor - days_before * DAY)
        for step in range(2 * n):
            j = i + (step + 1) // 2 * (1 if step % 2 else -1)
            if 0 <= j < n and j not in taken and j not in forced and order_ts[j] < world.anchor - 12 * DAY:
                forced[j] = fate
                break
            if step > 400:
                break
    return forced


# --- chunk files ----------------------------------------------------------------------------
# (table, columns, key): key "id" = the table's own primary key; "seq" = audit events, whose ids
# the target assigns in copy order; None = no single id column.
TABLES: list[tuple[str, tuple[str, ...], str | None]] = [
    ("users", ("id", "login", "display_name", "role", "password_hash", "language", "time_zone", "active",
               "created_at"), "id"),
    ("products", ("id", "sku", "name", "category", "price"), "id"),
    ("customers", ("id", "name", "language", "time_zone", "currency", "birthday", "memo", "created_at"), "id"),
    ("customer_emails", ("id", "customer_id", "email", "is_primary", "newsletter"), "id"),
    ("customer_phones", ("id", "customer_id", "number", "kind"), "id"),
    ("customer_addresses", ("id", "customer_id", "kind", "line1", "line2", "city", "region", "postal_code",
                            "country", "is_default"), "id"),
    ("customer_tags", ("customer_id", "tag"), None),
    ("order_summaries", ("id", "number", "customer_id", "channel", "currency", "status", "placed_at",
                         "ship_to_name", "ship_to_address", "pickup_store", "subtotal", "discounts", "tax",
                         "shipping", "grand_total", "original_subtotal", "original_tax", "original_shipping",
                         "original_grand_total", "shipping_charged", "shipping_captured", "shipping_released",
                         "shipping_refunded", "fees", "updated_at"), "id"),
    ("order_item_summaries", ("id", "order_id", "product_id", "sku", "name", "category", "unit_price", "tax_rate",
                              "ordered", "canceled", "allocated", "fulfilled", "return_initiated", "returned",
                              "discount", "tax", "captured", "refunded"), "id"),
    ("order_payment_summaries", ("id", "order_id", "method", "authorized", "captured", "refunded"), "id"),
    ("fulfillment_orders", ("id", "order_id", "location", "location_type", "status", "carrier", "tracking_number",
                            "is_reship", "reship_of_id", "lost_reason", "created_at", "fulfilled_at"), "id"),
    ("fulfillment_order_lines", ("id", "fulfillment_order_id", "line_id", "quantity", "reshipped"), "id"),
    ("change_orders", ("id", "order_id", "kind", "reason", "note", "actor_id", "amount", "released", "refunded",
                       "created_at"), "id"),
    ("change_order_lines", ("id", "change_order_id", "line_id", "quantity", "subtotal_change", "discount_change",
                            "tax_change", "shipping_change", "amount", "refunded"), "id"),
    ("credit_memos", ("id", "number", "order_id", "change_order_id", "amount", "fees", "refund_reference",
                      "created_at"), "id"),
    ("return_orders", ("id", "number", "order_id", "status", "reason", "note", "actor_id", "condition",
                       "change_order_id", "created_at", "received_at", "closed_at"), "id"),
    ("return_order_lines", ("id", "return_order_id", "line_id", "expected", "received"), "id"),
    ("pending_approvals", ("id", "order_id", "action", "arguments", "amount", "currency", "status",
                           "requested_by_id", "decided_by_id", "decision_reason", "result_type", "result_id",
                           "created_at", "decided_at"), "id"),
    ("cases", ("id", "number", "subject", "channel", "status", "type", "priority", "customer_id", "order_id",
               "assignee_id", "cc", "language", "created_at", "updated_at", "first_response_at", "due_at",
               "resolved_at", "last_message_at", "last_message_preview", "customer_name", "assignee_name",
               "order_number", "tag_list"), "id"),
    ("case_messages", ("id", "case_id", "kind", "body", "author_id", "created_at"), "id"),
    ("case_tags", ("case_id", "tag"), None),
    ("audit_events", ("at", "actor_id", "action", "order_id", "case_id", "customer_id", "before_amount",
                      "after_amount", "detail"), "seq"),
    ("order_rollups", ("id", "day", "kind", "reason", "category", "channel", "currency", "events", "units",
                       "amount", "refunded"), "id"),
    ("product_rollups", ("currency", "grain", "day", "channel", "reason", "category", "product_id", "fulfilled_units",
                         "returned_units"), None),
    ("refund_rollups", ("currency", "level", "day", "actor_id", "kind", "reason", "channel", "refunds", "refunded"),
     None),
    ("refund_size_rollups", ("currency", "day", "refunded_minor", "refunds"), None),
    ("exchange_rates", ("id", "currency", "target", "effective_on", "rate"), "id"),
]
TABLE_INDEX = {name: i for i, (name, _, _) in enumerate(TABLES)}
NULLABLE = {
    "customers": ("birthday", "memo"), "customer_addresses": ("line2", "region", "postal_code"),
    "order_summaries": ("ship_to_address", "pickup_store"),
    "fulfillment_orders": ("carrier", "tracking_number", "reship_of_id", "lost_reason", "fulfilled_at"),
    "change_orders": ("note", "actor_id"), "credit_memos": (), "return_orders": ("note", "condition",
                                                                                "change_order_id", "received_at",
                                                                                "closed_at"),
    "pending_approvals": ("decided_by_id", "decision_reason", "result_type", "result_id", "decided_at"),
    "cases": ("customer_id", "order_id", "assignee_id", "cc", "first_response_at", "resolved_at", "customer_name",
              "assignee_name", "order_number", "tag_list"),
    "case_messages": ("author_id",),
    "audit_events": ("actor_id", "order_id", "case_id", "customer_id", "before_amount", "after_amount", "detail"),
}


class _Sink:
    """Rows of one chunk, grouped by table and by which nullable columns are NULL.

    Binding None through sqlite3 is slow (the adaptation protocol runs for it);
    a row's NULL columns are left out of its INSERT instead. Tables without
    nullable columns take plain appends to `sink.table(name)`.
    """

    def __init__(self):
        self.rows: dict[tuple[str, int], list] = {}

    def table(self, name: str) -> list:
        """The row list of a table whose rows have no NULLs."""
        return self.rows.setdefault((name, 0), [])

    def rows_for(self, name: str, mask: int) -> list:
        """The row list of rows that leave out the `mask` columns (NULL or their chunk default)."""
        return self.rows.setdefault((name, mask), [])

    def add(self, table: str, row: tuple, mask: int = 0) -> None:
        """`mask`: columns the caller knows hold their chunk default (0), left out like NULLs."""
        for position in _NULL_POSITIONS[table]:
            if row[position] is None:
                mask |= 1 << position
        bucket = self.rows.get((table, mask))
        if bucket is None:
            bucket = self.rows[(table, mask)] = []
        bucket.append(row)

    @property
    def counts(self) -> list[int]:
        counts = [0] * len(TABLES)
        for (name, _), rows in self.rows.items():
            counts[TABLE_INDEX[name]] += len(rows)
        return counts

    def write(self, path: str) -> None:
        """An SQLite file with one table per target table (no constraints), ordered by id."""
        connection = sqlite3.connect(":memory:", isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("BEGIN")
            for name, columns, key in TABLES:
                connection.execute(f'CREATE TABLE "{name}" ({_CHUNK_COLUMNS[name]})')
            for (name, mask), rows in sorted(self.rows.items(), key=lambda kv: (TABLE_INDEX[kv[0][0]], kv[0][1])):
                if not rows:
                    continue
                columns = TABLES[TABLE_INDEX[name]][1]
                keep = [i for i in range(len(columns)) if not mask >> i & 1]
                if mask:
                    getter = itemgetter(*keep)
                    rows = list(map(getter, rows)) if len(keep) > 1 else [(getter(r),) for r in rows]
                _insert_many(connection, name, [columns[i] for i in keep], rows)
            connection.execute("COMMIT")
            with open(path, "wb") as file:
                file.write(connection.serialize())
        finally:
            connection.close()


# Columns that are usually 0: rows where they are 0 leave them out (binding costs more than a default).
ZERO_DEFAULTS = {
    "order_summaries": ("discounts", "shipping_released", "shipping_refunded", "fees"),
    "order_item_summaries": ("canceled", "allocated", "return_initiated", "returned", "discount", "refunded"),
    "order_payment_summaries": ("refunded",),
    "fulfillment_orders": ("is_reship",),
    "fulfillment_order_lines": ("reshipped",),
}


def _insert_many(connection, name: str, columns: list[str], rows: list) -> None:
    """executemany, but many rows per INSERT: binding runs a third faster than one row per statement."""
    head = f'INSERT INTO "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) VALUES '
    one = f"({', '.join('?' * len(columns))})"
    per = max(1, min(200, 30_000 // len(columns)))
    whole = len(rows) // per * per
    if whole:
        flat = itertools.chain.from_iterable
        connection.executemany(head + ", ".join([one] * per),
                               (tuple(flat(rows[k:k + per])) for k in range(0, whole, per)))
    if whole < len(rows):
        connection.executemany(head + one, rows[whole:])


def _chunk_columns(name, columns, key) -> str:
    zero = ZERO_DEFAULTS.get(name, ())
    ddl = [f'"{c}" DEFAULT 0' if c in zero else f'"{c}"' for c in columns]
    if key == "id":
        ddl[0] = "id INTEGER PRIMARY KEY"
    elif key == "seq":
        ddl.insert(0, "seq INTEGER PRIMARY KEY")
    return ", ".join(ddl)


def _mask(name: str, *columns: str) -> int:
    table_columns = TABLES[TABLE_INDEX[name]][1]
    return sum(1 << table_columns.index(c) for c in columns)


_CHUNK_COLUMNS = {name: _chunk_columns(name, columns, key) for name, columns, key in TABLES}
_ZERO_MASKS = {name: _mask(name, *columns) for name, columns in ZERO_DEFAULTS.items()}
_NULL_POSITIONS = {name: tuple(columns.index(c) for c in NULLABLE.get(name, ())) for name, columns, _ in TABLES}


def _json(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _amount_text(minor: int, currency: int) -> str:
    if SCALES[currency] == 1:
        return str(minor)
    sign = "-" if minor < 0 else ""
    minor = abs(minor)
    return f"{sign}{minor // 100}.{minor % 100:02d}"


# --- users ------------------------------------------------------------------------------------
def _user_ids() -> dict:
    """Ids of the demo users by role and language (ids follow DEMO_USERS)."""
    by_language: dict[str, list[int]] = {"en": [], "ja": [], "es": []}
    ids = {}
    for i, user in enumerate(DEMO_USERS, start=1):
        ids[user["login"]] = i
        if user["role"] == "agent":
            by_language[user["language"]].append(i)
    return {"agents": [by_language[l] for l in LOCALES], "lead": ids["lead"], "manager": ids["manager"],
            "admin": ids["admin"], "names": {i: u["display_name"] for i, u in enumerate(DEMO_USERS, start=1)}}


USERS = _user_ids()


@functools.lru_cache(maxsize=4)
def _password_hashes(seed: int) -> dict[str, str]:
    """One hash per distinct password, with a salt derived from the seed so reruns are identical.

    The method (and its cost) is the one model.security.hash_password uses; only the
    salt is chosen here instead of at random, which keeps the demo deterministic.
    Should werkzeug's helper ever move, hash_password itself is used (random salts).
    """
    from .security import hash_password

    passwords = sorted({u["password"] for u in DEMO_USERS})
    try:
        from werkzeug.security import _hash_internal
    except ImportError:
        return {password: hash_password(password) for password in passwords}
    method = hash_password(passwords[0]).split("$", 1)[0]
    hashes = {}
    for password in passwords:
        salt = hashlib.sha256(f"{seed}:{password}".encode()).hexdigest()[:16]
        digest, actual = _hash_internal(method, salt, password)
        hashes[password] = f"{actual}${salt}${digest}"
    return hashes


# --- customers -------------------------------------------------------------------------------------
_EMAIL_STYLES = ("{f}.{l}{n}", "{f}{l}{n}", "{f0}{l}{n}", "{l}.{f}{n}", "{f}_{n}")


def _phone(locale: int, h: int) -> str:
    if locale == 0:
        area = (212, 213, 305, 312, 415, 503, 512, 617, 702, 718, 773, 206, 404, 480, 614, 720)[h % 16]
        return f"+1 {area}-{200 + (h >> 8) % 800}-{(h >> 20) % 10000:04d}"
    if locale == 1:
        prefix = ("090", "080", "070")[h % 3] if (h >> 4) % 4 else ("03", "06", "052")[h % 3]
        width = 4 if len(prefix) == 3 else 4
        return f"{prefix}-{(h >> 8) % 9000 + 1000:0{width}d}-{(h >> 24) % 10000:04d}"
    return f"+34 6{(h >> 8) % 100:02d} {(h >> 16) % 1000:03d} {(h >> 28) % 1000:03d}"


class _CustomerWriter:
    """Customers with their emails, phones, addresses and tags, in id (= signup) order."""

    def __init__(self, world: _World):
        self.world = world

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        """Customers lo … hi-1; emails, phones and addresses numbered from 1 in this chunk."""
        world = self.world
        raw = {name: [] for name in ("customers", "customer_emails", "customer_phones", "customer_addresses",
                                     "customer_tags")}
        customers, emails, phones = raw["customers"], raw["customer_emails"], raw["customer_phones"]
        ts = world.timestamp_function()
        addresses, tag_rows = raw["customer_addresses"], raw["customer_tags"]
        r = _rng(world.seed, "customers", lo).random
        anchor = world.anchor
        for cid in range(lo, hi):
            c = world.customer(cid)
            locale = LOCALES[c.locale]
            created = world.created[cid - 1]
            birthday = None
            if r() < 0.45:
                age_days = int((18 + r() * 62) * 365.25)
                birthday = (date(1970, 1, 1) + timedelta(days=anchor // DAY - age_days)).isoformat()
            memo = data.CUSTOMER_MEMOS[locale][int(r() * len(data.CUSTOMER_MEMOS[locale]))] if r() < 0.06 else None
            customers.append((cid, c.name, locale, c.time_zone, CURRENCIES[c.locale], birthday, memo, ts(created)))
            # Emails: exactly one primary; ids appended so addresses are unique.
            n_emails = 1 if r() < 0.7 else (2 if r() < 0.73 else 3)
            f, l = c.email_first or "user", c.email_last or "customer"
            domains = data.EMAIL_DOMAINS[locale]
            for k in range(n_emails):
                style = _EMAIL_STYLES[int(r() * len(_EMAIL_STYLES))]
                local = style.format(f=f, l=l, f0=f[0], n=cid if k == 0 else f"{cid}{'xyz'[k - 1]}")
                domain = domains[int(r() * len(domains))] if k != 1 else "work.example"
                emails.append((len(emails) + 1, cid, f"{local}@{domain}", int(k == 0), int(k == 0 and r() < 0.35)))
            h = _hash(world.seed, 4, cid)
            for k in range(0 if r() < 0.28 else (1 if r() < 0.8 else 2)):
                phones.append((len(phones) + 1, cid, _phone(c.locale, h >> (k * 20)),
                               ("mobile", "home", "work")[0 if k == 0 else 1 + (h >> 60) % 2]))
            line1, line2, city, region, postal, country = c.address
            addresses.append((len(addresses) + 1, cid, "shipping", line1, line2, city, region, postal, country, 1))
            if r() < 0.35:
                other = world.address(c.locale, _hash(world.seed, 6, cid))[0] if r() < 0.5 else c.address
                addresses.append((len(addresses) + 1, cid, "billing", other[0], other[1], other[2], other[3],
                                  other[4], country, 0))
            tags = set()
            if world.raw_weights[cid - 1] >= world.vip_weight and r() < 0.85:
                tags.add("vip")
            if created >= anchor - 45 * DAY:
                tags.add("new")
            for tag, p in data.CUSTOMER_TAGS_RARE:
                if r() < p:
                    tags.add(tag)
            for tag in sorted(tags):
                tag_rows.append((cid, tag))
        return raw


# --- orders ----------------------------------------------------------------------------------------
_CHANNELS = [_Table([("web", 55), ("store", 15), ("phone", 8), ("marketplace", 22)]),
             _Table([("web", 60), ("store", 12), ("phone", 5), ("marketplace", 23)]),
             _Table([("web", 58), ("store", 17), ("phone", 7), ("marketplace", 18)])]
_LINE_COUNT = _Table([(1, 50), (2, 28), (3, 14), (4, 8)])
_QUANTITY = _Table([(1, 75), (2, 17), (3, 6), (4, 1.2), (5, 0.8)])
_CARRIERS = [_Table(data.CARRIERS[l]) for l in LOCALES]
_WAREHOUSES = [data.WAREHOUSES[l] for l in LOCALES]
_METHODS = [_Table(data.PAYMENT_METHODS[l]) for l in LOCALES]
_CANCEL_REASONS = _Table(data.CANCEL_REASONS)
_DISCOUNT_PRE = _Table(data.DISCOUNT_PRE_REASONS)
_DISCOUNT_POST = _Table(data.DISCOUNT_POST_REASONS)
_SHIPPING_CREDIT = _Table(data.SHIPPING_CREDIT_REASONS)
_LOST = _Table(data.LOST_REASONS)
_RETURN_REASONS = {c: _Table(data.RETURN_REASONS_BY_CATEGORY.get(c, data.RETURN_REASONS_DEFAULT))
                   for c in CATEGORIES}
_CONDITIONS = _Table(data.RMA_CONDITIONS)
_FREE_SHIPPING = (7500, 5000, 5000)
_SHIPPING = ((599, 1299), (550, 880), (495, 995))
_MARKETPLACE_SHIPPING = (499, 500, 399)

def _tracking(carrier: str, fo_id: int, h: int) -> str:
    if carrier == "UPS":
        return f"1Z{h % 10 ** 6:06d}{fo_id:010d}"[:18]
    if carrier in ("FedEx", "Yamato Transport", "Sagawa Express"):
        return f"{(h % 90 + 10)}{fo_id:010d}"
    if carrier in ("USPS",):
        return f"9400{h % 10 ** 8:08d}{fo_id:010d}"
    if carrier in ("Japan Post", "Correos"):
        return f"{'EJ' if carrier == 'Japan Post' else 'PQ'}{fo_id:09d}{'JP' if carrier == 'Japan Post' else 'ES'}"
    return f"{carrier[:3].upper()}{fo_id:010d}"


class _Order:
    """One order during the simulation: its lines and everything that happened to it."""

    __slots__ = ("id", "customer", "profile", "currency", "channel", "pickup", "lines", "charged",
                 "ship_captured", "ship_released", "ship_refunded", "fees", "authorized", "captured", "refunded",
                 "original", "fos", "updated", "placed")

    def grand_total(self) -> int:
        total = self.charged - self.ship_released - self.ship_refunded + self.fees
        for ln in self.lines:
            total += ln[L_PRICE] * (ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED]) - ln[L_DISCOUNT] + ln[L_TAX]
        return total


# Tables whose ids are numbered per chunk, then offset by the rows of all earlier chunks.
CHAINED = ("customer_emails", "customer_phones", "customer_addresses", "order_item_summaries",
           "fulfillment_orders", "fulfillment_order_lines", "change_orders", "change_order_lines", "credit_memos",
           "return_orders", "return_order_lines", "pending_approvals", "case_messages")
_ORDER_TABLES = ("order_summaries", "order_item_summaries", "order_payment_summaries", "fulfillment_orders",
                 "fulfillment_order_lines", "change_orders", "change_order_lines", "credit_memos", "return_orders",
                 "return_order_lines", "pending_approvals", "audit_events")


# Audit details that name rows by id are rendered once the ids are final: (function, arguments).
def _detail_change(base, approval, change, memo, fees, reason, refund, released) -> str:
    return _json({"approval_id": approval + base["pending_approvals"] if approval else None,
                  "change_order_id": change + base["change_orders"],
                  "credit_memo_id": memo + base["credit_memos"] if memo else None,
                  "fees": fees, "reason": reason, "refund": refund, "released": released})


def _detail_lost(base, fo, reason) -> str:
    return _json({"fulfillment_order_id": fo + base["fulfillment_orders"], "reason": reason})


def _detail_reship(base, fo, lines, reason) -> str:
    offset = base["order_item_summaries"]
    return _json({"fulfillment_order_id": fo + base["fulfillment_orders"], "note": None, "reason": reason,
                  "lines": {str(line + offset): q for line, q in lines}})


def _detail_rma_create(base, rma, lines, reason) -> str:
    offset = base["order_item_summaries"]
    return _json({"lines": {str(line + offset): q for line, q in lines}, "reason": reason,
                  "return_order_id": rma + base["return_orders"]})


def _detail_rma_receive(base, rma, lines, condition) -> str:
    offset = base["order_item_summaries"]
    return _json({"condition": condition, "received": {str(line + offset): q for line, q in lines},
                  "return_order_id": rma + base["return_orders"]})


def _detail_rma_close(base, rma, change) -> str:
    return _json({"change_order_id": change + base["change_orders"], "return_order_id": rma + base["return_orders"]})


def _detail_approval(base, approval, reason, refund) -> str:
    return _json({"action": "return_items", "approval_id": approval + base["pending_approvals"], "reason": reason,
                  "refund": refund})


def _detail_approve(base, approval, refund) -> str:
    return _json({"approval_id": approval + base["pending_approvals"], "refund": refund,
                  "requested_action": "return_items"})


def _split_rows(sink: _Sink, name: str) -> tuple[list, list]:
    """(rows whose usual-zero columns are all 0, the other rows) of a table."""
    return sink.rows_for(name, _ZERO_MASKS[name]), sink.table(name)


def _finalize_orders(raw: dict, base: dict) -> _Sink:
    """Rows with chunk-local ids → rows with their final ids (and the texts that carry ids)."""
    sink = _Sink()
    b_line, b_fo, b_fo_line = base["order_item_summaries"], base["fulfillment_orders"], base["fulfillment_order_lines"]
    b_change, b_change_line = base["change_orders"], base["change_order_lines"]
    b_memo, b_rma, b_rma_line = base["credit_memos"], base["return_orders"], base["return_order_lines"]
    b_approval = base["pending_approvals"]
    zero = _ZERO_MASKS
    for r in raw["order_summaries"]:
        sink.add("order_summaries", r, zero["order_summaries"] if 0 == r[11] == r[21] == r[22] == r[23] else 0)
    plain, other = _split_rows(sink, "order_item_summaries")
    for r in raw["order_item_summaries"]:
        if 0 == r[9] == r[10] == r[12] == r[13] == r[14] == r[17]:
            plain.append((r[0] + b_line,) + r[1:])
        else:
            other.append((r[0] + b_line,) + r[1:])
    plain, other = _split_rows(sink, "order_payment_summaries")
    for r in raw["order_payment_summaries"]:
        (plain if r[5] == 0 else other).append(r)
    for r in raw["fulfillment_orders"]:
        if r[8] is None:
            sink.add("fulfillment_orders", (r[0] + b_fo,) + r[1:], zero["fulfillment_orders"] if r[7] == 0 else 0)
        else:
            sink.add("fulfillment_orders", (r[0] + b_fo,) + r[1:8] + (r[8] + b_fo,) + r[9:])
    plain, other = _split_rows(sink, "fulfillment_order_lines")
    for r in raw["fulfillment_order_lines"]:
        (plain if r[4] == 0 else other).append((r[0] + b_fo_line, r[1] + b_fo, r[2] + b_line, r[3], r[4]))
    for r in raw["change_orders"]:
        sink.add("change_orders", (r[0] + b_change,) + r[1:])
    for r in raw["change_order_lines"]:
        sink.add("change_order_lines", (r[0] + b_change_line, r[1] + b_change,
                                        None if r[2] is None else r[2] + b_line) + r[3:])
    for local, order_id, change, amount, created in raw["credit_memos"]:
        ident = local + b_memo
        sink.add("credit_memos", (ident, f"CM-{ident:08d}", order_id, change + b_change, amount, 0.0,
                                  f"RF-{ident:08d}", created))
    for local, order_id, status, reason, actor, condition, change, created, received, closed in raw["return_orders"]:
        ident = local + b_rma
        sink.add("return_orders", (ident, f"RMA-{ident:08d}", order_id, status, reason, None, actor, condition,
                                   None if change is None else change + b_change, created, received, closed))
    sink.table("return_order_lines").extend([(r[0] + b_rma_line, r[1] + b_rma, r[2] + b_line, r[3], r[4])
                                             for r in raw["return_order_lines"]])
    for (local, order_id, lines, reason, amount, currency, status, requester, decider, memo, created,
         decided) in raw["pending_approvals"]:
        arguments = json.dumps({"lines": {str(line + b_line): str(q) for line, q in lines}, "note": None,
                                "order_id": order_id, "reason": reason}, sort_keys=True)
        sink.add("pending_approvals", (local + b_approval, order_id, "return_items", arguments, amount, currency,
                                       status, requester, decider, None, "CreditMemo" if memo else None,
                                       memo + b_memo if memo else None, created, decided))
    for row in raw["audit_events"]:
        spec = row[8]
        if spec is not None and not isinstance(spec, str):
            row = row[:8] + (spec[0](base, *spec[1:]),)
        sink.add("audit_events", row)
    return sink


class _OrderWriter:
    """Simulates orders in placement order; `simulate` numbers rows per chunk, `_finalize_orders` globally."""

    def __init__(self, world: _World, order_ts: array, order_cust: array, plans: list[_CasePlan]):
        self.world, self.order_ts, self.order_cust = world, order_ts, order_cust
        self.injections = {c.order: c for c in plans if c.injection}
        self.forced = _forced_fates(world, order_ts, {c.order for c in plans if c.primary})
        self.rollups: dict[tuple, list] = {}
        self.profiles: dict[int, _Customer] = {}
        self.addresses: dict[int, str] = {}
        self.raw: dict[str, list] = {}
        self.next: dict[str, int] = {}
        self.salt = _hash(world.seed, 5, 0)
        self.ts = world.timestamp_function()

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        self.raw = {name: [] for name in _ORDER_TABLES}
        self.next = dict.fromkeys(("line", "fo", "change", "change_line", "memo", "rma", "rma_line", "approval"), 1)
        r = _rng(self.world.seed, "orders", lo).random
        for index in range(lo, hi):
            self._order(index, r)
        return self.raw

    # -- helpers
    def _id(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value

    def _rollup(self, t, kind, reason, category, o: _Order, events, units, amount, refunded=0):
        key = (t // DAY, kind, reason, category, o.channel, o.currency)
        cell = self.rollups.get(key)
        if cell is None:
            self.rollups[key] = [events, units, amount, refunded]
        else:
            cell[0] += events
            cell[1] += units
            cell[2] += amount
            cell[3] += refunded

    def _cell(self, key: tuple, first: int, second: int = 0) -> None:
        """Add to an analytics rollup cell; keys start with their table: "product", "refund", "size"."""
        cell = self.rollups.get(key)
        if cell is None:
            self.rollups[key] = [first, second, 0, 0]
        else:
            cell[0] += first
            cell[1] += second

    def _audit(self, t, actor, action, o: _Order, before=None, after=None, detail=None):
        scale = SCALES[o.currency]
        self.raw["audit_events"].append((self.ts(t), actor, action, o.id, None, o.customer,
                                         None if before is None else before / scale,
                                         None if after is None else after / scale, detail))

    def _agent(self, o: _Order, r) -> int:
        agents = USERS["agents"][o.profile.locale]
        return agents[int(r() * len(agents))]

    def _category(self, line) -> str:
        return self.world.products[line[L_PRODUCT]][2]

    # -- one order
    def _order(self, index: int, r) -> None:
        world = self.world
        t0 = self.order_ts[index]
        cid = self.order_cust[index]
        profile = self.profiles.get(cid)
        if profile is None:
            profile = self.profiles[cid] = world.customer(cid)
        locale = profile.locale
        injected = self.injections.get(index)
        fate = injected.injection if injected else self.forced.get(index)
        o = _Order()
        o.id, o.customer, o.profile, o.currency, o.placed, o.updated = index + 1, cid, profile, locale, t0, t0
        channel = _CHANNELS[locale].pick(r())
        if fate == "pickup":
            channel = "store"
        elif fate in ("lost", "split") and channel == "store":
            channel = "web"
        o.channel = channel
        stores = data.STORES[LOCALES[locale]]
        o.pickup = (stores[int(r() * len(stores))]
                    if channel == "store" and (fate == "pickup" or (fate not in ("lost", "split") and r() < 0.6))
                    else None)
        # Lines.
        n_lines = _LINE_COUNT.pick(r())
        if fate == "split" and n_lines < 2:
            n_lines = 2
        products = world.products
        chosen = [world.first_products[index]]
        while len(chosen) < n_lines:
            p = world.popular.pick(r())
            if p not in chosen and (_product_fits(world, p, locale) or r() < 0.1):
                chosen.append(p)
        lines = []
        subtotal = tax = 0
        rate = profile.tax_bp
        for p in chosen:
            price = products[p][3][locale]
            if r() < 0.13:
                price = max(SCALES[locale], _nice_price(int(price * (0.7 + 0.2 * r())), locale))
            qty = _QUANTITY.pick(r())
            line_tax = (price * qty * rate + 5000) // 10000
            lines.append([self._id("line"), p, price, rate, qty, 0, 0, 0, 0, 0, 0, line_tax, 0, 0])
            subtotal += price * qty
            tax += line_tax
        o.lines = lines
        if o.pickup:
            shipping = 0
        elif channel == "marketplace":
            shipping = _MARKETPLACE_SHIPPING[locale] if subtotal < _FREE_SHIPPING[locale] else 0
        else:
            shipping = 0 if subtotal >= _FREE_SHIPPING[locale] else _SHIPPING[locale][r() < 0.15]
        o.charged, o.ship_captured, o.ship_released, o.ship_refunded, o.fees = shipping, 0, 0, 0, 0
        o.captured = o.refunded = 0
        o.original = o.authorized = subtotal + tax + shipping
        o.fos = []
        rollups, day, events = self.rollups, t0 // DAY, 1
        for ln in lines:
            key = (day, "placed", "", products[ln[L_PRODUCT]][2], channel, locale)
            total = ln[L_PRICE] * ln[L_ORDERED] + ln[L_TAX]
            cell = rollups.get(key)
            if cell is None:
                rollups[key] = [events, ln[L_ORDERED], total, 0]
            else:
                cell[0] += events
                cell[1] += ln[L_ORDERED]
                cell[2] += total
            events = 0
        if shipping:
            self._rollup(t0, "placed", "", "", o, 0, 0, shipping)
        self._lifecycle(o, r, fate, injected)
        self._emit(o, r, subtotal, tax, shipping)

    # -- what happens after placement, stopping at the anchor
    def _lifecycle(self, o: _Order, r, fate, injected) -> None:
        anchor = self.world.anchor
        forced_fate = fate is not None and injected is None
        t = o.placed
        lines = o.lines
        fast = injected is not None and fate in ("return", "rma_open", "lost", "claim_discount", "claim_return")
        if fate is None:
            u = r()
            if u < 0.04:
                fate = "cancel"
            elif u < 0.06:
                fate = "cancel_partial" if sum(ln[L_ORDERED] for ln in lines) >= 2 else None
            elif u < 0.075:
                fate = "discount_pre"
            else:
                # After fulfilment: returns ~10 %, discounts 1.5 %, lost parcels 1 %, shipping credits ~1 %
                # of all orders (4 % of those that paid for shipping).
                v = r()
                fate = ("return" if v < 0.055 else "rma" if v < 0.10 else "discount_post" if v < 0.115 else
                        "lost" if v < 0.125 and not o.pickup else "approval" if v < 0.131 else
                        "shipping_credit" if v < 0.171 and o.charged else None)
        # Before allocation: cancellations and price matches.
        if fate == "cancel":
            t_cancel = injected.action_t if injected else t + 5 * MINUTE + int(r() * 20 * HOUR)
            if t_cancel < anchor:
                if injected:
                    reason = "customer_request" if r() < 0.8 else "duplicate_order"
                else:
                    reason = _CANCEL_REASONS.pick(r())
                actor = USERS["lead"] if reason == "fraud_suspected" else self._agent(o, r)
                self._change(o, "cancel", reason, t_cancel, actor, [(ln, ln[L_ORDERED]) for ln in lines])
            return
        if fate == "cancel_partial":
            t_cancel = t + 5 * MINUTE + int(r() * 20 * HOUR)
            if t_cancel >= anchor:
                return
            if len(lines) >= 2 and r() < 0.5:
                picked = [(lines[-1], lines[-1][L_ORDERED])]
            else:
                ln = max(lines, key=lambda x: x[L_ORDERED])
                picked = ([(ln, ln[L_ORDERED] - 1)] if ln[L_ORDERED] > 1 else [(lines[-1], lines[-1][L_ORDERED])])
            self._change(o, "cancel", _CANCEL_REASONS.pick(r()), t_cancel, self._agent(o, r), picked)
            t = t_cancel
        elif fate == "discount_pre":
            t_discount = t + 10 * MINUTE + int(r() * 12 * HOUR)
            if t_discount >= anchor:
                return
            ln = lines[int(r() * len(lines))]
            amount = self._discount_amount(o, ln, 0.05 + 0.15 * r())
            self._change(o, "discount", _DISCOUNT_PRE.pick(r()), t_discount, self._agent(o, r), [(ln, amount)])
            t = t_discount
        # Allocation, shipments, deliveries.
        t_alloc = max(t + MINUTE, o.placed + HOUR + int(r() * (7 if fast else 25) * HOUR))
        if t_alloc >= anchor:
            return
        locale = o.currency
        location_type = "store" if o.pickup else "warehouse"
        warehouses = _WAREHOUSES[locale]
        location = o.pickup or warehouses[int(r() * len(warehouses))]
        allocation = {i: ln[L_ORDERED] - ln[L_CANCELED] for i, ln in enumerate(lines) if ln[L_ORDERED] > ln[L_CANCELED]}
        fo = self._new_fo(o, location, location_type, t_alloc, allocation)
        for i, q in allocation.items():
            lines[i][L_ALLOCATED] += q
        o.updated = t_alloc
        t_ship = t_alloc + (HOUR + int(r() * 9 * HOUR) if fast else 2 * HOUR + int(r() * 38 * HOUR))
        if t_ship >= anchor:
            return
        carrier = None if o.pickup else _CARRIERS[locale].pick(r())
        units = sum(allocation.values())
        if fate == "split" or (not o.pickup and not fast and units >= 2 and r() < 0.08):
            keys = list(allocation)
            if len(keys) >= 2:
                first_part = {i: allocation[i] for i in keys[:max(1, len(keys) // 2)]}
            else:
                first_part = {keys[0]: allocation[keys[0]] - 1}
            # fulfill() ships part of an allocated fulfillment order as a new one; the rest waits.
            shipped = self._new_fo(o, location, location_type, t_ship, first_part)
            for fl in fo[12]:
                fl[1] -= first_part.get(fl[0], 0)
            fo[12] = [fl for fl in fo[12] if fl[1] > 0]
            self._ship(o, shipped, t_ship, carrier, first_part)
            t_second = t_ship + DAY + int(r() * 6 * DAY)
            if t_second >= anchor:
                return
            self._ship(o, fo, t_second, carrier, {fl[0]: fl[1] for fl in fo[12]})
            shipments = [shipped, fo]
        else:
            self._ship(o, fo, t_ship, carrier, allocation)
            shipments = [fo]
        t_done = 0
        for shipment in shipments:
            if o.pickup:
                transit = 2 * HOUR + int(r() * 3 * DAY)
            elif locale == 1:
                transit = 12 * HOUR + int(r() * 36 * HOUR)
            else:
                transit = DAY + int(r() * 4 * DAY)
            delivered = shipment[10] + transit
            if delivered < anchor and r() > 0.02:
                shipment[4] = "delivered"
            t_done = max(t_done, delivered)
        # After fulfilment.
        if fate is None:
            if t_done < anchor - 14 * DAY or r() >= 0.01:
                return
            fate = "approval"               # recent large returns wait for a manager now and then
        if fate == "lost":
            self._lost(o, r, shipments[-1], injected)
            return
        first_ship = min(s[10] for s in shipments)
        if fate in ("return", "rma", "rma_open", "claim_return"):
            if injected:
                t_return = injected.action_t
                ln = lines[0]
                quantity = 1 if fate == "claim_return" else ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
                picked = [(ln, quantity)] if quantity > 0 else []
                reason = "defective" if fate == "claim_return" else _RETURN_REASONS[self._category(ln)].pick(r())
            else:
                t_return = t_done + DAY + int(r() * (2 if forced_fate else 19) * DAY)
                picked = self._pick_return(o, r)
                reason = _RETURN_REASONS[self._category(picked[0][0])].pick(r()) if picked else "other"
            if not picked or t_return >= anchor or t_return > first_ship + 29 * DAY:
                return
            if fate in ("return", "claim_return"):
                self._return(o, t_return, reason, picked, r)
            else:
                self._rma(o, t_return, reason, picked, r, keep_open=(fate == "rma_open"))
        elif fate in ("discount_post", "claim_discount"):
            t_discount = injected.action_t if injected else t_done + int(r() * 15 * DAY)
            if t_discount >= anchor:
                return
            ln = lines[0] if injected else lines[int(r() * len(lines))]
            if _active(ln) <= 0:
                return
            amount = self._discount_amount(o, ln, 0.2 + 0.2 * r() if injected else 0.1 + 0.2 * r())
            reason = "damaged" if injected else _DISCOUNT_POST.pick(r())
            self._change(o, "discount", reason, t_discount, self._agent(o, r), [(ln, amount)])
        elif fate == "shipping_credit" and o.ship_captured > o.ship_refunded:
            t_credit = t_done + int(r() * 10 * DAY)
            if t_credit >= anchor:
                return
            available = o.ship_captured - o.ship_refunded
            step = SCALES[o.currency]
            amount = available if r() < 0.6 else max(1, available // 2 // step * step)
            self._change(o, "shipping_credit", _SHIPPING_CREDIT.pick(r()), t_credit, self._agent(o, r), [],
                         shipping_credit=amount)
        elif fate == "approval":
            self._pending_approval(o, t_done + int(r() * 8 * DAY), first_ship, r)

    def _lost(self, o: _Order, r, target: list, injected) -> None:
        """report_lost, then reship_items, then the reship goes out with the next fulfill."""
        anchor = self.world.anchor
        t_lost = injected.action_t if injected else target[10] + 5 * DAY + int(r() * 9 * DAY)
        if t_lost >= anchor or t_lost <= target[10]:
            return
        reason = "lost_in_transit" if injected else _LOST.pick(r())
        target[4], target[9] = "lost", reason
        o.updated = max(o.updated, t_lost)
        agent = self._agent(o, r)
        self._audit(t_lost, agent, "order.report_lost", o, detail=(_detail_lost, target[0], reason))
        t_reship = t_lost + (5 * MINUTE if injected else int(r() * 36 * HOUR))
        if t_reship >= anchor:
            return
        moved = {fl[0]: fl[1] for fl in target[12]}
        reship = self._new_fo(o, target[2], target[3], t_reship, moved)
        reship[7], reship[8] = 1, target[0]
        for fl in target[12]:
            fl[2] = fl[1]
        o.updated = max(o.updated, t_reship)
        self._audit(t_reship, agent, "order.reship", o, detail=(
            _detail_reship, reship[0], tuple((o.lines[i][L_ID], q) for i, q in moved.items()), reason))
        t_go = t_reship + 4 * HOUR + int(r() * 30 * HOUR)
        if t_go < anchor:
            reship[4], reship[10], reship[5] = "fulfilled", t_go, target[5]
            reship[6] = _tracking(target[5], o.id * 8 + len(o.fos), _mix64(o.id ^ self.salt))
            o.updated = max(o.updated, t_go)
            if t_go + DAY + int(r() * 3 * DAY) < anchor:
                reship[4] = "delivered"

    def _discount_amount(self, o: _Order, line, fraction: float) -> int:
        net = line[L_PRICE] * _active(line) - line[L_DISCOUNT]
        step = 50 if SCALES[o.currency] == 100 else 10           # 0.50 $/€, ¥10
        amount = max(step, int(net * fraction) // step * step)
        return min(amount, net)

    def _pick_return(self, o: _Order, r) -> list:
        returnable = [ln for ln in o.lines if ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED] > 0]
        if not returnable:
            return []
        u = r()
        if u < 0.25:
            return [(ln, ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]) for ln in returnable]
        ln = returnable[int(r() * len(returnable))]
        available = ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
        return [(ln, available if u < 0.8 or available == 1 else 1 + int(r() * (available - 1)))]

    def _new_fo(self, o: _Order, location, location_type, t, quantities: dict) -> list:
        # [id, order, location, type, status, carrier, tracking, is_reship, reship_of, lost_reason,
        #  fulfilled_at, created_at, lines [[line index, quantity, reshipped]]]
        fo = [self._id("fo"), o.id, location, location_type, "allocated", None, None, 0, None, None, 0, t,
              [[i, q, 0] for i, q in quantities.items()]]
        o.fos.append(fo)
        return fo

    def _ship(self, o: _Order, fo: list, t: int, carrier, quantities: dict) -> None:
        """fulfill(): allocated units become fulfilled; each line captures the difference to its target."""
        lines = o.lines
        first_shipment = True
        for ln in lines:
            if ln[L_FULFILLED]:
                first_shipment = False
                break
        rollups, day, channel, currency = self.rollups, t // DAY, o.channel, o.currency
        products = self.world.products
        events = 1
        for i, q in quantities.items():
            ln = lines[i]
            ln[L_ALLOCATED] -= q
            ln[L_FULFILLED] += q
            if ln[L_ORDERED] - ln[L_CANCELED] == ln[L_FULFILLED]:    # nothing left open: the target is the total
                target = ln[L_PRICE] * (ln[L_FULFILLED] - ln[L_RETURNED]) - ln[L_DISCOUNT] + ln[L_TAX]
            else:
                target = _captured_target(ln)
            amount = target - (ln[L_CAPTURED] - ln[L_REFUNDED])
            ln[L_CAPTURED] += amount
            o.captured += amount
            key = (day, "fulfilled", "", products[ln[L_PRODUCT]][2], channel, currency)
            cell = rollups.get(key)
            if cell is None:
                rollups[key] = [events, q, amount, 0]
            else:
                cell[0] += events
                cell[1] += q
                cell[2] += amount
            events = 0
            self._cell(("product", day, channel, "", products[ln[L_PRODUCT]][2], ln[L_PRODUCT], currency), q)
        outstanding = o.charged - o.ship_released - o.ship_captured
        if first_shipment and outstanding > 0:
            o.ship_captured += outstanding
            o.captured += outstanding
            self._rollup(t, "fulfilled", "", "", o, 0, 0, outstanding)
        fo[4], fo[10], fo[5] = "fulfilled", t, carrier
        if carrier:
            fo[6] = _tracking(carrier, o.id * 8 + len(o.fos), _mix64(o.id ^ self.salt))
        if t > o.updated:
            o.updated = t

    def _return(self, o: _Order, t, reason, picked, r) -> None:
        refund = self._preview_refund(o, picked)
        approval = None
        actor = self._agent(o, r)
        if refund > THRESHOLDS[o.currency]:
            if r() < 0.5:
                actor = USERS["manager"]
            else:
                approval = (actor, USERS["manager"] if r() < 0.8 else USERS["admin"],
                            t - 20 * MINUTE - int(r() * 20 * HOUR))
        self._change(o, "return", reason, t, actor, picked, approval=approval)

    def _preview_refund(self, o: _Order, picked) -> int:
        """The refund a return of `picked` would make now (what an approval request shows)."""
        refund = 0
        returning = {}
        for ln, q in picked:
            after = list(ln)
            after[L_DISCOUNT] -= _share(ln[L_DISCOUNT], _active(ln), q)
            after[L_RETURNED] += q
            after[L_TAX] = _tax(after[L_PRICE] * _active(after) - after[L_DISCOUNT], after[L_RATE])
            refund += (ln[L_CAPTURED] - ln[L_REFUNDED]) - _captured_target(after)
            returning[id(ln)] = q
        if all(_active(ln) == returning.get(id(ln), 0) for ln in o.lines):
            refund += o.ship_captured - o.ship_refunded
        return refund

    def _rma(self, o: _Order, t, reason, picked, r, keep_open: bool) -> None:
        """create_return_order → receive_return_order → close_return_order, as far as the anchor allows."""
        anchor = self.world.anchor
        ts = self.ts
        rma_id, actor = self._id("rma"), self._agent(o, r)
        entries = [[ln, q, 0, self._id("rma_line")] for ln, q in picked]
        for ln, q in picked:
            ln[L_INITIATED] += q
        o.updated = max(o.updated, t)
        self._audit(t, actor, "order.rma_create", o, detail=(
            _detail_rma_create, rma_id, tuple((ln[L_ID], q) for ln, q in picked), reason))
        status, received_at, closed_at, condition, change = "submitted", None, None, None, None
        t_received = t + 3 * DAY + int(r() * 7 * DAY)
        if t_received < anchor:
            status, received_at, condition = "received", t_received, _CONDITIONS.pick(r())
            for entry in entries:
                entry[2] = entry[1] - 1 if entry[1] > 1 and r() < 0.12 else entry[1]
            o.updated = max(o.updated, t_received)
            self._audit(t_received, actor, "order.rma_receive", o, detail=(
                _detail_rma_receive, rma_id, tuple((e[0][L_ID], e[2]) for e in entries), condition))
            t_closed = t_received + 2 * HOUR + int(r() * 3 * DAY)
            if not keep_open and t_closed < anchor:
                for ln, expected, _, _ in entries:
                    ln[L_INITIATED] -= expected
                change = self._change(o, "rma", reason, t_closed, actor, [(e[0], e[2]) for e in entries if e[2]])
                status, closed_at = "closed", t_closed
                self._audit(t_closed, actor, "order.rma_close", o, detail=(_detail_rma_close, rma_id, change))
        self.raw["return_orders"].append((
            rma_id, o.id, status, reason, actor, condition, change, ts(t),
            ts(received_at) if received_at else None, ts(closed_at) if closed_at else None))
        rows = self.raw["return_order_lines"]
        for ln, expected, received, line_id in entries:
            rows.append((line_id, rma_id, ln[L_ID], expected, received))

    def _pending_approval(self, o: _Order, t, first_ship, r) -> None:
        """A large return an agent asked for, waiting for a manager (only when it is over the threshold)."""
        if not self.world.anchor - 14 * DAY <= t < self.world.anchor or t > first_ship + 29 * DAY:
            return
        candidates = [ln for ln in o.lines if ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED] > 0]
        if not candidates:
            return
        ln = max(candidates, key=_line_total)
        quantity = ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
        amount = self._preview_refund(o, [(ln, quantity)])
        if amount <= THRESHOLDS[o.currency] or amount > o.captured - o.refunded:
            return
        requester = self._agent(o, r)
        reason = _RETURN_REASONS[self._category(ln)].pick(r())
        approval_id = self._id("approval")
        self.raw["pending_approvals"].append((
            approval_id, o.id, ((ln[L_ID], quantity),), reason, amount / SCALES[o.currency],
            CURRENCIES[o.currency], "pending", requester, None, None, self.world.ts(t), None))
        grand = o.grand_total()
        self._audit(t, requester, "approval.request", o, grand, grand - amount,
                    (_detail_approval, approval_id, reason, _amount_text(amount, o.currency)))

    # -- the money-action flow (model.actions.flow) in minor units
    def _change(self, o: _Order, kind: str, reason: str, t: int, actor: int, picked: list,
                shipping_credit: int = 0, approval=None) -> int:
        ts = self.ts
        before_total = o.grand_total()
        changes = []
        for ln, value in picked:
            active = ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED]
            subtotal_b, discount_b, tax_b = ln[L_PRICE] * active, ln[L_DISCOUNT], ln[L_TAX]
            if kind == "discount":
                ln[L_DISCOUNT] += value
                quantity = 0
            else:
                ln[L_DISCOUNT] -= _share(ln[L_DISCOUNT], active, value)
                ln[L_CANCELED if kind == "cancel" else L_RETURNED] += value
                quantity = value
            subtotal_a = ln[L_PRICE] * _active(ln)
            ln[L_TAX] = _tax(subtotal_a - ln[L_DISCOUNT], ln[L_RATE])
            amount = (subtotal_b - discount_b + tax_b) - (subtotal_a - ln[L_DISCOUNT] + ln[L_TAX])
            refund = (ln[L_CAPTURED] - ln[L_REFUNDED]) - _captured_target(ln)
            assert refund >= 0, "a demo change would refund a negative amount"
            ln[L_REFUNDED] += refund
            changes.append((ln, quantity, subtotal_b - subtotal_a, ln[L_DISCOUNT] - discount_b, tax_b - ln[L_TAX],
                            amount, refund))
        shipping_released = shipping_refunded = 0
        if shipping_credit:
            o.ship_refunded += shipping_credit
            shipping_refunded = shipping_credit
        elif not any(_active(ln) for ln in o.lines):   # settle_shipping: nothing is left on the order
            shipping_released = o.charged - o.ship_released - o.ship_captured
            o.ship_released += shipping_released
            shipping_refunded = o.ship_captured - o.ship_refunded
            o.ship_refunded = o.ship_captured
        shipping = shipping_released + shipping_refunded
        amount = sum(c[5] for c in changes) + shipping
        refund = sum(c[6] for c in changes) + shipping_refunded
        released = amount - refund
        o.refunded += refund
        o.authorized -= released
        assert 0 <= o.refunded <= o.captured <= o.authorized
        scale = SCALES[o.currency]
        change_id = self._id("change")
        requester = approver = None
        if approval is not None:
            requester, approver, t_requested = approval
        raw = self.raw
        raw["change_orders"].append((change_id, o.id, kind, reason, None, requester or actor, amount / scale,
                                     released / scale, refund / scale, ts(t)))
        rows = raw["change_order_lines"]
        for ln, quantity, subtotal_c, discount_c, tax_c, line_amount, line_refund in changes:
            rows.append((self._id("change_line"), change_id, ln[L_ID], quantity, subtotal_c / scale,
                         discount_c / scale, tax_c / scale, 0.0, line_amount / scale, line_refund / scale))
        if shipping:
            rows.append((self._id("change_line"), change_id, None, 0, 0.0, 0.0, 0.0, shipping / scale,
                         shipping / scale, shipping_refunded / scale))
        memo_id = None
        if refund > 0:
            memo_id = self._id("memo")
            raw["credit_memos"].append((memo_id, o.id, change_id, refund / scale, ts(t)))
        first = True
        for ln, quantity, _, _, _, line_amount, line_refund in changes:
            self._rollup(t, kind, reason, self._category(ln), o, int(first), quantity, line_amount, line_refund)
            if kind in ("return", "rma") and quantity:
                self._cell(("product", t // DAY, o.channel, reason, self._category(ln), ln[L_PRODUCT], o.currency),
                           0, quantity)
            first = False
        if shipping or first:
            self._rollup(t, kind, reason, "", o, int(first), 0, shipping, shipping_refunded)
        if refund > 0:
            self._cell(("refund", t // DAY, requester or actor or 0, kind, reason, o.channel, o.currency), 1, refund)
            self._cell(("size", t // DAY, refund, o.currency), 1)
        approval_id = None
        refund_text = _amount_text(refund, o.currency)
        if approval is not None:
            approval_id = self._id("approval")
            raw["pending_approvals"].append((
                approval_id, o.id, tuple((ln[L_ID], q) for ln, q in picked), reason, refund / scale,
                CURRENCIES[o.currency], "approved", requester, approver, memo_id, ts(t_requested), ts(t)))
            self._audit(t_requested, requester, "approval.request", o, before_total, before_total - amount,
                        (_detail_approval, approval_id, reason, refund_text))
        self._audit(t, approver or actor, f"order.{kind}", o, before_total, o.grand_total(),
                    (_detail_change, approval_id, change_id, memo_id, _amount_text(0, o.currency), reason,
                     refund_text, _amount_text(released, o.currency)))
        if approval is not None:
            self._audit(t, approver, "approval.approve", o, detail=(_detail_approve, approval_id, refund_text))
        if t > o.updated:
            o.updated = t
        return change_id

    # -- the rows an order ends with
    def _emit(self, o: _Order, r, original_subtotal, original_tax, original_shipping) -> None:
        ts = self.ts
        raw = self.raw
        scale = SCALES[o.currency]
        subtotal = discounts = tax = ordered = canceled = fulfilled = returned = allocated = 0
        for ln in o.lines:
            subtotal += ln[L_PRICE] * (ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED])
            discounts += ln[L_DISCOUNT]
            tax += ln[L_TAX]
            ordered += ln[L_ORDERED]
            canceled += ln[L_CANCELED]
            fulfilled += ln[L_FULFILLED]
            returned += ln[L_RETURNED]
            allocated += ln[L_ALLOCATED]
        shipping = o.charged - o.ship_released - o.ship_refunded
        grand = subtotal - discounts + tax + shipping + o.fees
        # OrderSummary.derive_status()
        if ordered and canceled == ordered:
            status = "canceled"
        elif fulfilled and returned == fulfilled and canceled + fulfilled == ordered:
            status = "returned"
        elif fulfilled and canceled + fulfilled == ordered:
            status = "fulfilled"
        elif fulfilled:
            status = "partially_fulfilled"
        elif allocated:
            status = "allocated"
        else:
            status = "created"
        profile = o.profile
        raw["order_summaries"].append((
            o.id, f"SO-{o.id:08d}", o.customer, o.channel, CURRENCIES[o.currency], status, ts(o.placed),
            profile.name, None if o.pickup else self._ship_to(o.customer, profile), o.pickup, subtotal / scale,
            discounts / scale, tax / scale, shipping / scale, grand / scale, original_subtotal / scale,
            original_tax / scale, original_shipping / scale, o.original / scale, o.charged / scale,
            o.ship_captured / scale, o.ship_released / scale, o.ship_refunded / scale, o.fees / scale,
            ts(o.updated)))
        products = self.world.products
        rows = raw["order_item_summaries"]
        for ln in o.lines:
            sku, name, category = products[ln[L_PRODUCT]][:3]
            rows.append((ln[L_ID], o.id, ln[L_PRODUCT] + 1, sku, name, category, ln[L_PRICE] / scale,
                         ln[L_RATE] / 10000, ln[L_ORDERED], ln[L_CANCELED], ln[L_ALLOCATED], ln[L_FULFILLED],
                         ln[L_INITIATED], ln[L_RETURNED], ln[L_DISCOUNT] / scale, ln[L_TAX] / scale,
                         ln[L_CAPTURED] / scale, ln[L_REFUNDED] / scale))
        raw["order_payment_summaries"].append((o.id, o.id, _METHODS[profile.locale].pick(r()), o.authorized / scale,
                                               o.captured / scale, o.refunded / scale))
        fos, fo_lines = raw["fulfillment_orders"], raw["fulfillment_order_lines"]
        for fo in o.fos:
            fos.append((fo[0], o.id, fo[2], fo[3], fo[4], fo[5], fo[6], fo[7], fo[8], fo[9], ts(fo[11]),
                        ts(fo[10]) if fo[10] else None))
            for i, quantity, reshipped in fo[12]:
                fo_lines.append((len(fo_lines) + 1, fo[0], o.lines[i][L_ID], quantity, reshipped))

    def _ship_to(self, cid: int, profile: _Customer) -> str:
        """The customer's shipping address as one text (what the order summary shows)."""
        text = self.addresses.get(cid)
        if text is None:
            line1, line2, city, region, postal, country = profile.address
            if country == "JP":
                text = f"〒{postal} {region}{city}{line1}" + (f" {line2}" if line2 else "")
            elif country == "ES":
                text = f"{line1}" + (f", {line2}" if line2 else "") + f"\n{postal} {city} ({region})\nES"
            else:
                text = f"{line1}" + (f" {line2}" if line2 else "") + f"\n{city}, {region} {postal}\nUS"
            self.addresses[cid] = text
        return text


# --- cases -------------------------------------------------------------------------------------------
_RESPONSE_HOURS = {"urgent": (0.1, 5), "high": (0.3, 10), "normal": (0.5, 30), "low": (1, 90)}
_FOLLOW_UP_PREFIX = {"en": "Logged by phone: ", "ja": "お電話での内容：", "es": "Registrado por teléfono: "}
_INTERNAL_PREFIX = {"en": "Customer says: ", "ja": "お客様より：", "es": "El cliente indica: "}


def _preview(text: str) -> str:
    return " ".join(text.split())[:200]


class _CaseWriter:
    """Cases in creation order (ids follow created_at), with their thread, tags and audit events."""

    def __init__(self, world: _World, order_ts: array, plans: list[_CasePlan]):
        self.world, self.order_ts, self.plans = world, order_ts, plans
        self.ts = world.timestamp_function()

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        """Cases lo+1 … hi (ids follow the plan's creation order); messages numbered from 1 in this chunk."""
        raw = {name: [] for name in ("cases", "case_messages", "case_tags", "audit_events")}
        r = _rng(self.world.seed, "cases", lo).random
        for k in range(lo, hi):
            self._case(k + 1, self.plans[k], raw, r)
        return raw

    def _case(self, case_id: int, plan: _CasePlan, raw: dict, r) -> None:
        world, anchor = self.world, self.world.anchor
        profile = world.customer(plan.customer) if plan.customer else None
        language = LOCALES[profile.locale] if profile else LOCALES[plan.h % 3]
        number = f"CS-{case_id:08d}"
        order_id = plan.order + 1 if plan.order >= 0 else None
        order_number = f"SO-{order_id:08d}" if order_id else ""
        product = world.products[world.first_products[plan.order]][1] if plan.order >= 0 else ""
        templates = data.CASE_OPENINGS[plan.type][language if order_id else f"{language}_no_order"]
        if not profile:
            templates = data.INTERNAL_TOPICS[language]
        subject, opening = templates[(plan.h >> 12) % len(templates)]
        subject = subject.format(order=order_number, product=product)[:300]
        opening = opening.format(order=order_number, product=product)
        name = profile.first if profile else ""
        agents = USERS["agents"][LOCALES.index(language)]
        assignee = None
        if plan.status != "new" and (plan.status != "open" or r() < 0.85) and r() < 0.98 or (
                plan.status in ("pending", "resolved", "closed")):
            assignee = USERS["lead"] if r() < 0.04 else agents[(plan.h >> 20) % len(agents)]
        author = assignee or agents[(plan.h >> 24) % len(agents)]
        agent_name = USERS["names"][author]
        fill = {"name": name, "agent": agent_name, "order": order_number}
        # The thread as (offset seconds, kind, author, body); statuses as (offset, before, after).
        low, high = _RESPONSE_HOURS[plan.priority]
        response = int((low + (high - low) * r() ** 1.6) * HOUR)
        if plan.injection:
            response = plan.action_t - plan.t + 5 * MINUTE
        first_kind = "note" if plan.channel == "internal" else "customer"
        first_body = opening
        if plan.channel == "internal" and profile:
            first_body = _INTERNAL_PREFIX[language] + opening
        elif plan.channel == "phone":
            first_body = _FOLLOW_UP_PREFIX[language] + opening
        thread = [(0, first_kind, author if first_kind == "note" else None, first_body)]
        statuses = []
        take = None
        if assignee is not None:
            take = int(response * (0.2 + 0.6 * r()))
        follow_ups = data.CUSTOMER_FOLLOW_UPS[language]
        notes = data.INTERNAL_NOTES[language]
        note = lambda: notes[int(r() * len(notes))].format(ref=f"{plan.h % 10 ** 8:08d}")  # noqa: E731
        if plan.status == "new":
            if profile and r() < 0.3:
                thread.append((response + int(r() * 20 * HOUR), "customer", None, follow_ups[0]))
        elif plan.status in ("open", "pending") or not profile:
            if r() < 0.4:
                thread.append((int(response * 0.6), "note", author, note()))
            if profile and (plan.status == "pending" or plan.injection or r() < 0.65):
                if plan.injection:
                    body = data.RESOLUTION_REPLIES[plan.injection][language]
                elif plan.status == "pending":
                    asks = data.PENDING_ASKS[language]
                    body = asks[int(r() * len(asks))]
                else:
                    replies = data.FIRST_REPLIES[plan.type][language]
                    body = replies[int(r() * len(replies))]
                thread.append((response, "reply", author, body.format(**fill)))
                if plan.status == "pending":
                    statuses.append((response + MINUTE, "open", "pending"))
                elif r() < 0.35:
                    thread.append((response + 2 * HOUR + int(r() * 28 * HOUR), "customer", None,
                                   follow_ups[int(r() * len(follow_ups))]))
            if plan.status in ("resolved", "closed"):      # internal cases without a customer
                end = thread[-1][0] + HOUR + int(r() * DAY)
                statuses.append((end, "open", "resolved"))
        else:
            replies = data.FIRST_REPLIES[plan.type][language]
            at = response
            if plan.injection:
                thread.append((at, "reply", author, data.RESOLUTION_REPLIES[plan.injection][language].format(**fill)))
            else:
                thread.append((at, "reply", author, replies[int(r() * len(replies))].format(**fill)))
                if r() < 0.4:
                    at += 2 * HOUR + int(r() * 30 * HOUR)
                    thread.append((at, "customer", None, follow_ups[int(r() * len(follow_ups))]))
                    if r() < 0.3:
                        at += 30 * MINUTE + int(r() * 4 * HOUR)
                        thread.append((at, "note", author, note()))
                at += 2 * HOUR + int(r() * 2 * DAY)
                thread.append((at, "reply", author, data.RESOLUTION_REPLIES[None][language].format(**fill)))
            statuses.append((at + MINUTE, "open", "resolved"))
        if plan.status == "closed":
            statuses.append((statuses[-1][0] + DAY + int(r() * 6 * DAY), "resolved", "closed"))
        # Squeeze the story in before the anchor.
        last = max([thread[-1][0]] + [s[0] for s in statuses] + ([take] if take is not None else []))
        room = anchor - MINUTE - plan.t
        if last > room:               # end somewhere in the room left, not all at the last minute
            factor = room * (0.5 + 0.45 * r()) / last
            thread = [(int(o * factor), k, a, b) for o, k, a, b in thread]
            statuses = [(int(o * factor), b, a) for o, b, a in statuses]
            take = int(take * factor) if take is not None else None
        t0 = plan.t
        first_reply = next((t0 + o for o, k, _, _ in thread if k == "reply"), None)
        resolved_at = next((t0 + o for o, _, after, in ((s[0], s[1], s[2]) for s in statuses) if after == "resolved"),
                           None)
        updated = t0 + max([thread[-1][0]] + [s[0] for s in statuses] + ([take] if take is not None else []))
        last_message = thread[-1]
        cc = None
        if plan.channel == "email" and profile and r() < 0.03:
            cc = f"{profile.email_first or 'family'}.family{plan.customer}@example.com"
        ts = self.ts
        messages = raw["case_messages"]
        for offset, kind, author_id, body in thread:
            messages.append((len(messages) + 1, case_id, kind, body, author_id, ts(t0 + offset)))
        tags = set()
        pool = data.CASE_TAGS[plan.type]
        for _ in range(int(r() * 3.2)):
            tags.add(pool[int(r() * len(pool))])
        if r() < 0.08:
            tags.add(data.GENERAL_CASE_TAGS[int(r() * len(data.GENERAL_CASE_TAGS))])
        raw["case_tags"].extend((case_id, tag) for tag in sorted(tags))
        # The queue's sort keys, as migration 0003's triggers keep them (the bulk load sets them aside).
        tag_list = ", ".join(sorted(tags))[:TAG_LIST_LENGTH] or None
        raw["cases"].append((case_id, number, subject, plan.channel, plan.status, plan.type, plan.priority,
                             plan.customer or None, order_id, assignee, cc, language, ts(t0), ts(updated),
                             ts(first_reply) if first_reply else None, ts(t0 + SLA_HOURS[plan.priority] * HOUR),
                             ts(resolved_at) if resolved_at else None, ts(t0 + last_message[0]),
                             _preview(last_message[3]), profile.name if profile else None,
                             USERS["names"][assignee] if assignee else None, order_number or None, tag_list))
        audit = raw["audit_events"]
        customer_id = plan.customer or None
        creator = author if plan.channel in ("phone", "internal") else None
        # Details as json.dumps(…, sort_keys=True) writes them (the services' format), without its cost.
        linked_by = '"text"' if order_id else "null"
        audit.append((ts(t0), creator, "case.create", order_id, case_id, customer_id, None, None,
                      f'{{"channel": "{plan.channel}", "number": "{number}", "order_linked_by": {linked_by}, '
                      f'"priority": "{plan.priority}"}}'))
        if take is not None:
            audit.append((ts(t0 + take), assignee, "case.take", order_id, case_id, customer_id, None, None,
                          f'{{"assignee_id": {assignee}}}'))
        for offset, before, after in statuses:
            audit.append((ts(t0 + offset), author, "case.status", order_id, case_id, customer_id, None, None,
                          f'{{"before_status": "{before}", "status": "{after}"}}'))


# --- tasks, the offset chain and the workers ---------------------------------------------------
CUSTOMER_CHUNK = 25_000
ORDER_CHUNK = 20_000
CASE_CHUNK = 20_000


@dataclass(frozen=True)
class _Task:
    index: int
    kind: str       # "customers" | "orders" | "cases", in the order the target is loaded
    lo: int
    hi: int


def _tasks(world: _World) -> list[_Task]:
    """Customers, then orders with each chunk of cases right after the orders it links to.

    Loading cases early lets the main process index them for search while the
    workers are still busy with orders, instead of all at the end.
    """
    spans = []
    for lo in range(1, world.customers + 1, CUSTOMER_CHUNK):
        spans.append(("customers", lo, min(lo + CUSTOMER_CHUNK, world.customers + 1)))
    cases = []
    for lo in range(0, world.cases, CASE_CHUNK):
        hi = min(lo + CASE_CHUNK, world.cases)
        cases.append((max((c.order for c in world.case_plans[lo:hi]), default=-1), lo, hi))
    order_chunks = [(lo, min(lo + ORDER_CHUNK, world.orders)) for lo in range(0, world.orders, ORDER_CHUNK)]
    loaded = 0                       # orders loaded so far
    for lo, hi in [(0, 0)] + order_chunks:
        if hi > lo:
            spans.append(("orders", lo, hi))
        loaded = hi
        while cases and cases[0][0] < loaded:
            _, case_lo, case_hi = cases.pop(0)
            spans.append(("cases", case_lo, case_hi))
    spans += [("cases", lo, hi) for _, lo, hi in cases]
    return [_Task(i, kind, lo, hi) for i, (kind, lo, hi) in enumerate(spans)]


class _Chain:
    """Where each task's rows start in the chained tables.

    Task n numbers its rows from 1, reports how many it made, waits until task
    n-1 has reported, and offsets its ids by the sum of all earlier tasks. The
    simulation (the slow part) of consecutive tasks runs in parallel; only the
    hand-over of counts is in order.
    """

    def __init__(self, tasks: int, context=None):
        width = len(CHAINED)
        self.width = width
        if context is None:
            self.offsets, self.reported, self.condition = [0] * ((tasks + 1) * width), _Box(0), None
        else:
            self.offsets = context.Array("q", (tasks + 1) * width, lock=False)
            self.reported = context.Value("i", 0, lock=False)
            self.condition = context.Condition()

    def take(self, index: int, counts: list[int]) -> dict[str, int]:
        if self.condition is None:
            return self._take(index, counts)
        with self.condition:
            self.condition.wait_for(lambda: self.reported.value >= index)
            base = self._take(index, counts)
            self.condition.notify_all()
            return base

    def _take(self, index: int, counts: list[int]) -> dict[str, int]:
        w = self.width
        base = list(self.offsets[index * w:(index + 1) * w])
        self.offsets[(index + 1) * w:(index + 2) * w] = [b + c for b, c in zip(base, counts)]
        self.reported.value = index + 1
        return dict(zip(CHAINED, base))


class _Box:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _offset_ids(sink: _Sink, raw: dict, base: dict) -> None:
    """Tables whose only chunk-local id is their own."""
    for name, rows in raw.items():
        offset = base.get(name)
        if offset:
            rows = [(row[0] + offset,) + row[1:] for row in rows]
        if _NULL_POSITIONS[name]:
            for row in rows:
                sink.add(name, row)
        else:
            sink.table(name).extend(rows)


class _Generator:
    """One worker's writers (the plans come with the world)."""

    def __init__(self, world: _World):
        self.world = world
        self.customers = _CustomerWriter(world)
        self.orders: _OrderWriter | None = None
        self.cases = _CaseWriter(world, world.order_ts, world.case_plans)

    def run(self, task: _Task, chain: _Chain, directory: str) -> tuple[str, list[int], int]:
        if task.kind == "orders" and self.orders is None:
            self.orders = _OrderWriter(self.world, self.world.order_ts, self.world.order_cust, self.world.case_plans)
        writer = {"customers": self.customers, "orders": self.orders, "cases": self.cases}[task.kind]
        raw = writer.simulate(task.lo, task.hi)
        base = chain.take(task.index, [len(raw.get(name, ())) for name in CHAINED])
        if task.kind == "orders":
            sink = _finalize_orders(raw, base)
        else:
            sink = _Sink()
            _offset_ids(sink, raw, base)
        path = os.path.join(directory, f"{task.index:05d}-{task.kind}.db")
        sink.write(path)
        return path, sink.counts, task.hi - task.lo

    def rollups(self) -> dict:
        return self.orders.rollups if self.orders is not None else {}


def _work(world, directory, tasks, chain, next_task, queue) -> None:
    """A worker process: take the next task until none is left, then hand over the rollup cells."""
    try:
        generator = _Generator(world)
        while True:
            with next_task.get_lock():
                index = next_task.value
                next_task.value = index + 1
            if index >= len(tasks):
                break
            queue.put(("chunk", index, *generator.run(tasks[index], chain, directory)))
        queue.put(("rollups", generator.rollups()))
    except BaseException:  # noqa: BLE001 - reported to the main process, which raises
        queue.put(("error", traceback.format_exc()))


def _run_in_process(world, directory, tasks):
    """The same chunks, made one after the other in this process (small demos, no fork)."""
    generator, chain = _Generator(world), _Chain(len(tasks))
    for task in tasks:
        yield ("chunk", task.index, *generator.run(task, chain, directory))
    yield ("rollups", generator.rollups())


def _run_forked(world, directory, tasks, workers: int = 2):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    chain, next_task = _Chain(len(tasks), context), context.Value("i", 0)
    processes = [context.Process(target=_work, args=(world, directory, tasks, chain, next_task, queue), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    return _messages(queue, processes)


def _messages(queue, processes):
    try:
        finished = 0
        while finished < len(processes):
            try:
                message = queue.get(timeout=5)
            except Exception:  # noqa: BLE001 - queue.Empty: are the workers still alive?
                if not all(p.is_alive() or p.exitcode == 0 for p in processes):
                    raise DemoError("A demo data worker stopped unexpectedly.") from None
                continue
            if message[0] == "rollups":
                finished += 1
            yield message
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)


def _rollup_rows(world: _World, partials: list[dict]) -> _Sink:
    """The workers' rollup cells added up (minor units, so exactly), one row per cell."""
    cells: dict[tuple, list] = {}
    for partial in partials:
        for key, values in partial.items():
            cell = cells.get(key)
            if cell is None:
                cells[key] = list(values)
            else:
                for i in range(4):
                    cell[i] += values[i]
    sink = _Sink()
    rows = sink.table("order_rollups")
    analytics = {key: cells.pop(key) for key in [k for k in cells if isinstance(k[0], str)]}
    for n, key in enumerate(sorted(cells), start=1):
        day, kind, reason, category, channel, currency = key
        events, units, amount, refunded = cells[key]
        scale = SCALES[currency]
        rows.append((n, world.days[day - world.day0], kind, reason, category, channel, CURRENCIES[currency],
                     events, units, amount / scale, refunded / scale))
    _analytics_rollup_rows(world, analytics, sink)
    return sink


def _analytics_rollup_rows(world: _World, cells: dict, sink: _Sink) -> None:
    """product_rollups (by day, and by month added up from the days), refund_rollups,
    refund_size_rollups and the exchange rates the converted view uses."""
    products, refunds = sink.table("product_rollups"), sink.table("refund_rollups")
    sizes = sink.table("refund_size_rollups")
    months: dict[tuple, list] = {}
    people: dict[tuple, list] = {}
    for key in sorted(cells):
        values = cells[key]
        if key[0] == "product":
            _, day, channel, reason, category, product, currency = key
            when = world.days[day - world.day0]
            products.append((CURRENCIES[currency], "day", when, channel, reason, category, product + 1, *values[:2]))
            month = months.setdefault((CURRENCIES[currency], when[:8] + "01", channel, reason, category, product + 1),
                                      [0, 0])
            month[0] += values[0]
            month[1] += values[1]
        elif key[0] == "refund":
            _, day, actor, kind, reason, channel, currency = key
            when = world.days[day - world.day0]
            refunds.append((CURRENCIES[currency], 0, when, actor, kind, reason, channel, values[0],
                            values[1] / SCALES[currency]))
            person = people.setdefault((CURRENCIES[currency], when, actor), [0, 0, SCALES[currency]])
            person[0] += values[0]
            person[1] += values[1]
        else:
            _, day, minor, currency = key
            sizes.append((CURRENCIES[currency], world.days[day - world.day0], minor, values[0]))
    products.extend((currency, "month", when, *rest, *values)
                    for (currency, when, *rest), values in sorted(months.items()))
    refunds.extend((currency, 1, when, actor, "*", "*", "*", count, minor / scale)
                   for (currency, when, actor), (count, minor, scale) in sorted(people.items()))
    sink.table("exchange_rates").extend(_exchange_rates(world))


def _exchange_rates(world: _World) -> list[tuple]:
    """A rate for every pair of the demo's currencies on the first of each month of the data:
    USD worth of a euro and of a yen drifting a little month to month (fixed, not drawn)."""
    rows, ident = [], 1
    first, last = date.fromisoformat(world.days[0]), date.fromisoformat(world.days[-1])
    month, index = first.replace(day=1), 0
    while month <= last:
        usd = {"USD": Decimal(1), "EUR": Decimal("1.0800") + Decimal(index % 12 - 6) / 500,
               "JPY": Decimal("0.006700") + Decimal(index % 7 - 3) / 100_000}
        for source in CURRENCIES:
            for target in CURRENCIES:
                if source != target:
                    rate = (usd[source] / usd[target]).quantize(Decimal("0.00000001"))
                    rows.append((ident, source, target, month.isoformat(), str(rate)))
                    ident += 1
        month, index = (month.replace(day=28) + timedelta(days=4)).replace(day=1), index + 1
    return rows


# --- loading chunks into the target --------------------------------------------------------------
class _SqliteLoader:
    """INSERT … SELECT from each attached chunk file, one transaction per chunk.

    Triggers (the queue's full-text index) are set aside during the load and put
    back verbatim afterwards. The cases' own triggers are fired once per case, by
    touching the cases of each chunk after its messages are in, instead of once
    per message.
    """

    def __init__(self, engine):
        self.fairy = engine.raw_connection()
        self.connection = self.fairy.driver_connection
        c = self.connection
        c.execute("PRAGMA foreign_keys=OFF")
        c.execute("PRAGMA synchronous=OFF")
        c.execute("PRAGMA cache_size=-400000")
        c.execute("PRAGMA temp_store=MEMORY")
        self.triggers = c.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "ORDER BY name").fetchall()
        c.execute("BEGIN IMMEDIATE")
        for name, _, _ in self.triggers:
            c.execute(f'DROP TRIGGER "{name}"')
        c.execute("COMMIT")

    def load(self, path: str, counts: list[int]) -> None:
        c = self.connection
        c.execute("ATTACH DATABASE ? AS chunk", (path,))
        try:
            c.execute("BEGIN IMMEDIATE")
            for (name, columns, _), count in zip(TABLES, counts):
                if count:
                    names = ", ".join(f'"{col}"' for col in columns)
                    c.execute(f'INSERT INTO main."{name}" ({names}) SELECT {names} FROM chunk."{name}"')
            case_triggers = [(name, sql) for name, table, sql in self.triggers if table == "cases"]
            if counts[TABLE_INDEX["cases"]] and case_triggers:
                for _, sql in case_triggers:
                    c.execute(sql)
                c.execute("UPDATE main.cases SET number = number WHERE id BETWEEN "
                          "(SELECT min(id) FROM chunk.cases) AND (SELECT max(id) FROM chunk.cases)")
                for name, _ in case_triggers:
                    c.execute(f'DROP TRIGGER main."{name}"')
            c.execute("COMMIT")
        finally:
            if c.in_transaction:
                c.execute("ROLLBACK")
            c.execute("DETACH DATABASE chunk")

    def restore(self) -> None:
        """Put the triggers back and let them index what was loaded (also after a failure)."""
        c = self.connection
        if not self.triggers:
            return
        if c.in_transaction:
            c.execute("ROLLBACK")
        c.execute("BEGIN IMMEDIATE")
        for _, _, sql in self.triggers:
            c.execute(sql)
        c.execute("COMMIT")
        self.triggers = []

    def finish(self) -> None:
        self.restore()
        c = self.connection
        c.execute("PRAGMA analysis_limit=1000")
        c.execute("ANALYZE")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA cache_size=-2000")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.fairy.close()


class _PostgresLoader:
    """COPY from each chunk file; audit event ids are numbered here, in copy order.

    User triggers (the queue's search documents) are disabled during the load,
    then enabled; the search documents are built set-wise, SEARCH_CHUNK cases per
    call of case_search_refresh (the function the triggers call), rather than by
    touching each case: row by row, that took over 20 minutes at 200,000 cases.
    """

    SEARCH_CHUNK = 20_000

    def __init__(self, engine):
        self.fairy = engine.raw_connection()
        self.connection = self.fairy.driver_connection
        self.next_audit = 1
        with self.connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")   # this session's commits only; a failed load is redone
            for name, _, _ in TABLES:
                cursor.execute(f'ALTER TABLE "{name}" DISABLE TRIGGER USER')
        self.connection.commit()
        self.disabled = True

    def restore(self) -> None:
        if not self.disabled:
            return
        self.connection.rollback()
        with self.connection.cursor() as cursor:
            for name, _, _ in TABLES:
                cursor.execute(f'ALTER TABLE "{name}" ENABLE TRIGGER USER')
            cursor.execute("SELECT min(id), max(id) FROM cases")
            low, high = cursor.fetchone()
            for start in range(low or 1, (high or 0) + 1, self.SEARCH_CHUNK):
                cursor.execute("SELECT case_search_refresh(ARRAY(SELECT id FROM cases WHERE id BETWEEN %s AND %s))",
                               (start, start + self.SEARCH_CHUNK - 1))
        self.connection.commit()
        self.disabled = False

    def load(self, path: str, counts: list[int]) -> None:
        source = sqlite3.connect(path)
        try:
            with self.connection.cursor() as cursor:
                for (name, columns, key), count in zip(TABLES, counts):
                    if not count:
                        continue
                    names = ", ".join(f'"{col}"' for col in columns)
                    rows = source.execute(f'SELECT {names} FROM "{name}"')
                    target = ("id, " if key == "seq" else "") + names
                    with cursor.copy(f'COPY "{name}" ({target}) FROM STDIN') as copy:
                        if key == "seq":
                            for n, row in enumerate(rows, start=self.next_audit):
                                copy.write_row((n,) + row)
                            self.next_audit += count
                        else:
                            for row in rows:
                                copy.write_row(row)
            self.connection.commit()
        finally:
            source.close()

    def finish(self) -> None:
        self.restore()
        with self.connection.cursor() as cursor:
            for name, _, key in TABLES:
                if key in ("id", "seq"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                   f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 1), "
                                   f"(SELECT MAX(id) IS NOT NULL FROM \"{name}\"))")
        self.connection.commit()
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.connection.autocommit = False
        self.fairy.close()


def _check_empty(engine) -> None:
    from sqlalchemy import text

    with engine.connect() as connection:
        for table in ("users", "customers", "products", "order_summaries", "cases"):
            if connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first():
                raise DemoError(f"The database already has data (table {table} is not empty); "
                                "the demo generator writes into an empty database only.")


def _seed_rows(world: _World, hashes: dict[str, str]) -> _Sink:
    """Users and the product catalogue."""
    sink = _Sink()
    created = world.ts(world.anchor - 3 * 365 * DAY)
    for n, user in enumerate(DEMO_USERS, start=1):
        sink.add("users", (n, user["login"], user["display_name"], user["role"], hashes[user["password"]],
                           user["language"], user["time_zone"], 1, created))
    for n, (sku, name, category, prices, _) in enumerate(world.products, start=1):
        sink.add("products", (n, sku, name, category, prices[0] / 100))
    return sink


def generate(database_url: str | None = None, *, customers: int, orders: int, cases: int, seed: int = 1,
             progress: bool = False, anchor: datetime = ANCHOR, processes: bool | None = None) -> dict:
    """Fill an empty database with demo data; returns the rows written per table.

    `processes`: generate in two worker processes (default: when fork is available
    and the demo is big enough to pay for them). The rows are the same either way.
    """
    from tqdm import tqdm

    from . import db, rollup_rebuild

    for what, value in (("customers", customers), ("orders", orders), ("cases", cases)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DemoError(f"The number of {what} must be a whole number, 0 or more.")
    if customers == 0 and (orders or cases):
        raise DemoError("Orders and cases need at least one customer.")
    url = db.database_url(database_url)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    engine = db.make_engine(url)
    directory = tempfile.mkdtemp(prefix="demo-chunks-")
    try:
        db.upgrade(engine=engine)
        _check_empty(engine)
        world = _build_world(seed, customers, orders, cases, backend, anchor)
        tasks = _tasks(world)
        if processes is None:
            processes = orders + customers + cases >= 20_000 and "fork" in multiprocessing.get_all_start_methods()
        loader = (_PostgresLoader if backend == "postgresql" else _SqliteLoader)(engine)
        totals = [0] * len(TABLES)
        bar = tqdm(total=customers + orders + cases, disable=not progress, file=sys.stderr, unit=" records",
                   unit_scale=True, desc="demo data", smoothing=0.05)
        stream = (_run_forked if processes else _run_in_process)(world, directory, tasks)
        try:
            path = os.path.join(directory, "seed.db")
            seed_rows = _seed_rows(world, _password_hashes(seed))
            seed_rows.write(path)
            _load(loader, path, seed_rows.counts, totals)
            waiting, next_index, partials = {}, 0, []
            for message in stream:
                if message[0] == "error":
                    raise DemoError("Generating demo data failed in a worker:\n" + message[1])
                if message[0] == "rollups":
                    partials.append(message[1])
                    continue
                waiting[message[1]] = message[2:]
                while next_index in waiting:       # load in task (= dependency) order
                    path, counts, units = waiting.pop(next_index)
                    _load(loader, path, counts, totals)
                    bar.update(units)
                    next_index += 1
            if next_index != len(tasks):
                raise DemoError("A demo data worker stopped before finishing its work.")
            rollups = _rollup_rows(world, partials)
            path = os.path.join(directory, "rollups.db")
            rollups.write(path)
            _load(loader, path, rollups.counts, totals)
            loader.finish()
            with engine.begin() as connection:      # the loader set the rollup triggers aside
                rollup_rebuild.rebuild_order_rollup_totals(connection)
                rollup_rebuild.rebuild_case_rollups(connection)
        finally:
            stream.close()              # stops the workers if something failed
            bar.close()
            loader.restore()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        engine.dispose()
    return {name: count for (name, _, _), count in zip(TABLES, totals)}


def _load(loader, path: str, counts: list[int], totals: list[int]) -> None:
    loader.load(path, counts)
    os.remove(path)
    for i, count in enumerate(counts):
        totals[i] += count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--anchor", help="date the data is relative to, YYYY-MM-DD (default 2026-11-01)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    anchor = ANCHOR
    if args.anchor:
        try:
            anchor = datetime.strptime(args.anchor, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            parser.error("--anchor must be a date like 2026-11-01")
    started = time.perf_counter()
    try:
        counts = generate(args.database_url, customers=args.customers, orders=args.orders, cases=args.cases,
                          seed=args.seed, progress=not args.quiet, anchor=anchor)
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    print(f"{total:,} rows in {elapsed:.1f} s: " + ", ".join(f"{n} {c:,}" for n, c in counts.items() if c))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
