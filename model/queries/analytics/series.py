"""Order charts and KPI cards from the rollups: refunds, returns, cancellations, return rates.

Figures come from `order_rollups` (day × kind × reason × category × channel ×
currency) and `product_rollups` only, never from order lines. Money is summed in
SQL as whole minor units (cents, yen), so SQLite's floating storage cannot leak a
rounding error, and comes back as exact `Decimal`s; ratios are `Decimal`s too.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from ...entities import OrderRollup, OrderRollupTotal, Product, ProductRollup
from ...money import ZERO, from_minor, minor_units, round_money
from .filters import (
    CHANGE_KINDS, REFUND_KINDS, RETURN_KINDS, Filters, as_date, bucket_start, convert_minor, load_conversion,
    next_month,
)

TOP_PRODUCTS = 20
MIN_PRODUCT_UNITS = 20   # a product ranks by return rate once this many of its units shipped in the range


def _minor_sum(column, f: Filters, currency_column=None):
    """Σ column in whole minor units: exact on SQLite (REAL) and PostgreSQL (NUMERIC)."""
    if f.convert:
        scale = case(*[(currency_column == code, 10 ** digits) for code, digits in _minor_digits().items()],
                     else_=100)
    else:
        scale = 10 ** minor_units(f.currency)
    return func.coalesce(func.sum(func.round(column * scale)), 0)


def _minor_digits() -> dict[str, int]:
    from ...money import MINOR_UNITS
    return dict(sorted(MINOR_UNITS.items()))


def _currency_filter(column, f: Filters):
    return column == f.currency if not f.convert else column.in_(f.currencies)


def money_rows(s: Session, f: Filters, statement_columns: list, money_columns: list, *, where: list,
               group_by: list, currency_column, day_column) -> list[tuple]:
    """Rows (*keys, *counts, *money) of a grouped rollup query, money summed in minor units:
    whole minor units of f.currency (int) for one currency; exact Decimals in f.currency when
    converted per currency and rate period (f.convert). `exact()` reads either.

    `statement_columns` are the keys and counts (returned as they come); `money_columns`
    the columns to sum as money.
    """
    conversion = load_conversion(s, f)
    sums = [_minor_sum(column, f, currency_column) for column in money_columns]
    if conversion is None:
        stmt = select(*statement_columns, *sums).where(*where)
        if group_by:
            stmt = stmt.group_by(*group_by)
        keys = len(statement_columns)
        return [(*row[:keys], *map(int, row[keys:])) for row in s.execute(stmt)]
    # Grouped by the label: the CASE holds bound dates, and PostgreSQL cannot match a second copy.
    period = conversion.period_index(currency_column, day_column).label("rate_period")
    stmt = (select(*statement_columns, currency_column, period, func.min(day_column), *sums).where(*where)
            .group_by(*group_by, currency_column, text("rate_period")))
    keys, key_count = len(statement_columns), len(group_by)  # the leading statement columns are the keys
    merged: dict[tuple, list] = {}
    for row in s.execute(stmt):
        currency, index, first_day = row[keys], row[keys + 1], row[keys + 2]
        rate = conversion.rate_of_period(index, currency, first_day)
        key = tuple(row[:key_count])
        counts = row[key_count:keys]
        money = [convert_minor(int(v), currency, rate) for v in row[keys + 3:]]
        cell = merged.get(key)
        if cell is None:
            merged[key] = [*counts, *money]
        else:
            for i, value in enumerate([*counts, *money]):
                cell[i] += value
    return [(*key, *values) for key, values in merged.items()]


def exact(money, currency: str) -> Decimal:
    """A money_rows amount as an exact Decimal: whole minor units (int) or a converted Decimal."""
    return from_minor(money, currency) if isinstance(money, int) else money



def rollup_rows(s: Session, f: Filters, kinds: tuple[str, ...], by: tuple[str, ...], *,
                use_reason: bool = True, use_category: bool = True, money: bool = True) -> list[tuple]:
    """(*by, events, units, amount, refunded) of `kinds` in f's range and filters (money: see money_rows;
    0 with `money=False`, for counts that need no conversion).

    Without a category in the filter or the grouping, order_rollup_totals answers: its cells
    already add up categories, and reasons and channels under "*", so a query reads exactly
    the cells of its filters and grouping."""
    reason = f.reason if use_reason else None
    if "category" in by or (f.category and use_category):
        R = OrderRollup
        where = [R.channel == f.channel] if f.channel else []
        where += [R.category == f.category] if f.category and use_category else []
        where += [R.reason == reason] if reason else []
    else:
        R = OrderRollupTotal
        each_reason, each_channel = bool(reason) or "reason" in by, bool(f.channel) or "channel" in by
        where = [R.level == (0 if each_reason and each_channel else 1 if each_reason else 2 if each_channel else 3)]
        where += [R.reason == reason] if reason else []
        where += [R.channel == f.channel] if f.channel else []
    columns = [getattr(R, name) for name in by]
    where += [R.day >= f.start, R.day <= f.end, _currency_filter(R.currency, f), R.kind.in_(kinds)]
    counts = [*columns, func.coalesce(func.sum(R.events), 0), func.coalesce(func.sum(R.units), 0)]
    if money:
        rows = money_rows(s, f, counts, [R.amount, R.refunded], where=where, group_by=columns,
                          currency_column=R.currency, day_column=R.day)
    else:
        stmt = select(*counts).where(*where)
        rows = [(*row, 0, 0) for row in s.execute(stmt.group_by(*columns) if columns else stmt)]
    day = by.index("day") if "day" in by else None
    return [tuple(as_date(v) if i == day else v for i, v in enumerate(row[:len(by)]))
            + (int(row[-4]), int(row[-3]), row[-2], row[-1]) for row in rows]


def _shown(money, currency: str) -> Decimal:
    return from_minor(money, currency) if isinstance(money, int) else round_money(money, currency)


def frame(rows: list[tuple], keys: tuple[str, ...], currency: str) -> pd.DataFrame:
    """Rows of (*keys, events, units, amount, refunded) as a frame, money as Decimals rounded
    half-up to the currency's minor unit once (converted figures) or exact (one currency)."""
    return pd.DataFrame([(*row[:-2], _shown(row[-2], currency), _shown(row[-1], currency))
                         for row in rows], columns=[*keys, "events", "units", "amount", "refunded"])


def bucketed(rows: list[tuple], f: Filters, *, shift: int = 0) -> list[tuple]:
    """Daily rows (day, *keys, events, units, amount, refunded) summed into buckets, sorted.

    `shift` moves every day forward first (the previous period onto this one).
    """
    totals: dict[tuple, list] = {}
    for day, *rest in rows:
        key = (bucket_start(day + timedelta(days=shift), f.granularity), *rest[:-4])
        cell = totals.get(key)
        if cell is None:
            totals[key] = list(rest[-4:])
        else:
            for index, value in enumerate(rest[-4:]):
                cell[index] += value
    return [(*key, *values) for key, values in sorted(totals.items())]


def refund_series(s: Session, f: Filters) -> pd.DataFrame:
    """Refunded money per bucket and kind: period, kind, events, units, amount, refunded."""
    daily = rollup_rows(s, f, REFUND_KINDS, ("day", "kind"))
    return frame(bucketed(daily, f), ("period", "kind"), f.currency)


def previous_refund_series(s: Session, f: Filters) -> pd.DataFrame:
    """The previous period's refund total per bucket, moved onto this period's buckets."""
    daily = rollup_rows(s, f.previous(), REFUND_KINDS, ("day",))
    return frame(bucketed(daily, f, shift=f.days), ("period",), f.currency)[["period", "refunded"]]


def returns_cancellations_series(s: Session, f: Filters) -> pd.DataFrame:
    """Units and change orders per bucket: period, series ("returns" | "cancellations"), units, events."""
    daily = [(day, "cancellations" if kind == "cancel" else "returns", *rest)
             for day, kind, *rest in rollup_rows(s, f, ("cancel", *RETURN_KINDS), ("day", "kind"), money=False)]
    return frame(bucketed(daily, f), ("period", "series"), f.currency)[["period", "series", "units", "events"]]


def ratio(numerator, denominator) -> Decimal | None:
    """numerator / denominator as a Decimal; None when there is nothing to divide by."""
    return None if not denominator else Decimal(numerator) / Decimal(denominator)


def _rates(numerators: dict, denominators: dict, dimension: str, part: str, whole: str) -> pd.DataFrame:
    keys = sorted(k for k in set(numerators) | set(denominators) if k != "")  # "" rows: shipping, no units
    return pd.DataFrame([(k, denominators.get(k, 0), numerators.get(k, 0), ratio(numerators.get(k, 0),
                                                                                 denominators.get(k, 0)))
                         for k in keys], columns=[dimension, whole, part, "rate"])


def _units_by(s: Session, f: Filters, kinds, dimension: str, **options) -> dict:
    return {row[0]: int(row[2]) for row in rollup_rows(s, f, kinds, (dimension,), money=False, **options)}


def return_rate_by_category(s: Session, f: Filters) -> pd.DataFrame:
    """Returned units (return + rma) over fulfilled units, per category (the reason filter
    narrows the returns only): category, fulfilled_units, returned_units, rate (Decimal)."""
    return _rates(_units_by(s, f, RETURN_KINDS, "category"),
                  _units_by(s, f, ("fulfilled",), "category", use_reason=False),
                  "category", "returned_units", "fulfilled_units")


def cancellation_rate_by_channel(s: Session, f: Filters) -> pd.DataFrame:
    """Canceled units over ordered units, per channel: channel, ordered_units, canceled_units, rate."""
    return _rates(_units_by(s, f, ("cancel",), "channel"), _units_by(s, f, ("placed",), "channel", use_reason=False),
                  "channel", "canceled_units", "ordered_units")


def refunds_by(s: Session, f: Filters, dimension: str) -> pd.DataFrame:
    """Refunded money per reason, channel, kind or category: <dimension>, events, refunded (largest first)."""
    if dimension not in ("reason", "channel", "kind", "category"):
        raise ValueError(f"Unknown dimension {dimension!r}.")
    rows = sorted(rollup_rows(s, f, REFUND_KINDS, (dimension,)), key=lambda row: (-row[-1], row[0]))
    return frame(rows, (dimension,), f.currency)[[dimension, "events", "refunded"]]


# --- return rate by product -------------------------------------------------------------------------
def grain_spans(start: date, end: date) -> list[tuple[str, date, date]]:
    """[start, end] as (grain, first, last) spans of product_rollups: the whole months inside
    it at grain "month", the ragged ends at grain "day"."""
    first_month = start if start.day == 1 else next_month(start)
    after_end = end + timedelta(days=1)
    last_month = (after_end if after_end.day == 1 else after_end.replace(day=1)) - timedelta(days=1)
    last_month = last_month.replace(day=1)  # the start of the last month that ends inside the range
    if first_month > last_month:
        return [("day", start, end)]
    spans = [("month", first_month, last_month)]
    if start < first_month:
        spans.insert(0, ("day", start, first_month - timedelta(days=1)))
    month_end = next_month(last_month) - timedelta(days=1)
    if month_end < end:
        spans.append(("day", month_end + timedelta(days=1), end))
    return spans


def product_units(s: Session, f: Filters) -> dict[int, list[int]]:
    """{product_id: [fulfilled units, returned units]} in f's range and filters (reason: returns only)."""
    P = ProductRollup
    if f.reason:
        fulfilled = func.sum(case((P.reason == "", P.fulfilled_units), else_=0))
        returned = func.sum(case((P.reason == f.reason, P.returned_units), else_=0))
    else:
        fulfilled, returned = func.sum(P.fulfilled_units), func.sum(P.returned_units)
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for grain, first, last in grain_spans(f.start, f.end):
        stmt = (select(P.product_id, fulfilled, returned)
                .where(_currency_filter(P.currency, f), P.grain == grain, P.day >= first, P.day <= last)
                .group_by(P.product_id))
        if f.channel:
            stmt = stmt.where(P.channel == f.channel)
        if f.category:
            stmt = stmt.where(P.category == f.category)
        if f.reason:
            stmt = stmt.where(P.reason.in_(("", f.reason)))
        for product_id, shipped, back in s.execute(stmt):
            cell = totals[product_id]
            cell[0] += int(shipped or 0)
            cell[1] += int(back or 0)
    return totals


def return_rate_by_product(s: Session, f: Filters, *, limit: int = TOP_PRODUCTS,
                           min_units: int = MIN_PRODUCT_UNITS) -> pd.DataFrame:
    """The `limit` products with the highest return rate among those with at least `min_units`
    units fulfilled in the range: product_id, sku, name, category, fulfilled_units,
    returned_units, rate (Decimal); highest rate first, then most returned units."""
    ranked = sorted(((ratio(back, shipped), back, shipped, product_id)
                     for product_id, (shipped, back) in product_units(s, f).items() if shipped >= max(min_units, 1)),
                    key=lambda item: (-item[0], -item[1], item[3]))[:limit]
    columns = ["product_id", "sku", "name", "category", "fulfilled_units", "returned_units", "rate"]
    if not ranked:
        return pd.DataFrame(columns=columns)
    names = {row.id: row for row in s.execute(select(Product.id, Product.sku, Product.name, Product.category)
                                              .where(Product.id.in_([item[3] for item in ranked])))}
    return pd.DataFrame([(pid, names[pid].sku, names[pid].name, names[pid].category, shipped, back, rate)
                         for rate, back, shipped, pid in ranked], columns=columns)


# --- KPI cards --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Kpi:
    key: str
    value: Decimal | int | None
    previous: Decimal | int | None
    unit: str                      # "money" | "percent" | "count"

    @property
    def change(self) -> Decimal | None:
        """Relative change against the previous period; None when there was nothing before."""
        if self.value is None or not self.previous:
            return None
        return (Decimal(self.value) - Decimal(self.previous)) / Decimal(self.previous)


def _kpi_values(s: Session, f: Filters) -> dict:
    everything = rollup_rows(s, f, ("fulfilled", *CHANGE_KINDS), ("kind",), use_reason=False, money=not f.reason)
    fulfilled_units = sum(row[2] for row in everything if row[0] == "fulfilled")
    # The reason filter narrows the changes, never the shipped units they are compared with.
    changes = {row[0]: row for row in (rollup_rows(s, f, CHANGE_KINDS, ("kind",)) if f.reason else everything)}
    refunded = sum((exact(changes[k][4], f.currency) for k in REFUND_KINDS if k in changes), ZERO)
    refund_events = sum(changes[k][1] for k in REFUND_KINDS if k in changes)
    returned_units = sum(changes[k][2] for k in RETURN_KINDS if k in changes)
    return {
        "refund_total": round_money(refunded, f.currency),
        "return_rate": ratio(returned_units, fulfilled_units),
        "cancellations": changes["cancel"][1] if "cancel" in changes else 0,
        # Rounded half-up to the minor unit once: what the card shows is what the CSV says.
        "average_refund": (round_money(refunded / refund_events, f.currency) if refund_events else None),
    }


KPI_UNITS = {"refund_total": "money", "return_rate": "percent", "cancellations": "count",
             "average_refund": "money"}


def kpis(s: Session, f: Filters) -> list[Kpi]:
    """Refund total, return rate, cancellations (change orders), average refund
    (refunded / change orders of refund kinds), each with the previous period's value."""
    now, before = _kpi_values(s, f), _kpi_values(s, f.previous())
    return [Kpi(key, now[key], before[key], unit) for key, unit in KPI_UNITS.items()]


def percent(value: Decimal | None, places: int = 1) -> Decimal | None:
    """A ratio as a percentage rounded half-up (what people read)."""
    if value is None:
        return None
    return (Decimal(value) * 100).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
