"""The customer and order plan: sign-ups, how much each customer buys, when each order is placed."""
from __future__ import annotations

import random
from array import array
from datetime import date

from .. import demo_data as data
from .common import _M64, DAY, HOUR, LOCALE_CUTS, ORDER_MONTHS, _US_ZONE_CUTS, _rng, _Table
from .world import _World


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
