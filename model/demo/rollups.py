"""Rollup rows: the workers' rollup cells added up, the analytics rollups and exchange rates."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .chunks import _Sink
from .common import CURRENCIES, SCALES, _money
from .world import _World


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
                     events, units, _money(amount, scale), _money(refunded, scale)))
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
                            _money(values[1], SCALES[currency])))
            person = people.setdefault((CURRENCIES[currency], when, actor), [0, 0, SCALES[currency]])
            person[0] += values[0]
            person[1] += values[1]
        else:
            _, day, minor, currency = key
            sizes.append((CURRENCIES[currency], world.days[day - world.day0], minor, values[0]))
    products.extend((currency, "month", when, *rest, *values)
                    for (currency, when, *rest), values in sorted(months.items()))
    refunds.extend((currency, 1, when, actor, "*", "*", "*", count, _money(minor, scale))
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
