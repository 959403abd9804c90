"""Analytics read side: refunds, returns, cancellations and queue health.

Order figures come from `order_rollups` only (never order lines): one row per
day × kind × reason × category × channel × currency, written by the actions
in the same transaction (model/INVARIANTS.md, Rollups). Money is summed in SQL
as whole minor units (cents, yen) so SQLite's float storage cannot leak a
rounding error, then turned back into exact `Decimal`s. One currency at a
time: every order query filters on `Filters.currency`.

Drilldowns list the facts behind one chart value (credit memos, change
orders, change-order lines) with the same filters, so their sum equals the
value to the cent. Queue health aggregates `cases` in SQL, bounded by the range.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterator

import pandas as pd
from sqlalchemy import Date, Float, case, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from ..entities import (
    Case, CaseStatus, ChangeOrder, ChangeOrderLine, CreditMemo, OrderItemSummary, OrderRollup,
    OrderSummary, User,
)
from ..money import ZERO, from_minor, minor_units, round_money
from ..policy import current_policy

GRANULARITIES = ("day", "week", "month")
REFUND_KINDS = ("discount", "return", "rma", "shipping_credit")
RETURN_KINDS = ("return", "rma")
CHANGE_KINDS = ("cancel", *REFUND_KINDS)
OPEN_CASE_STATUSES = (CaseStatus.NEW.value, CaseStatus.OPEN.value, CaseStatus.PENDING.value)
DRILLDOWN_CHARTS = ("refunds", "returns", "cancellations")
MAX_DRILLDOWN_ROWS = 5000


@dataclass(frozen=True)
class Filters:
    """What the page's controls choose. `end` is inclusive; days are UTC dates."""

    start: date
    end: date
    currency: str = "USD"
    channel: str | None = None
    category: str | None = None
    reason: str | None = None
    granularity: str = "day"

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("The end of the range is before its start.")
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"Granularity is one of {', '.join(GRANULARITIES)}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Filters":
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def narrowed(self, start: date | None, end: date | None) -> "Filters":
        """This filter limited to [start, end] (a chart bucket), never wider than the range."""
        return replace(self, start=max(self.start, start or self.start), end=min(self.end, end or self.end))


def parse_filters(params: dict) -> Filters:
    """Filters from untrusted text (a callback's values, a query string); ValueError if wrong."""
    from ..entities import Channel
    from ..money import MINOR_UNITS

    def text(name: str, allowed=None) -> str | None:
        value = params.get(name) or None
        if value is not None and (not isinstance(value, str) or len(value) > 80
                                  or (allowed is not None and value not in allowed)):
            raise ValueError(f"{name} is not one of the choices.")
        return value

    try:
        start, end = date.fromisoformat(str(params["start"])[:10]), date.fromisoformat(str(params["end"])[:10])
    except (KeyError, TypeError, ValueError):
        raise ValueError("Choose a start and an end date.") from None
    if (end - start).days > 3 * 366:
        raise ValueError("Choose a range of at most three years.")
    return Filters(start=start, end=end, currency=text("currency", MINOR_UNITS) or "USD",
                   channel=text("channel", {c.value for c in Channel}), category=text("category"),
                   reason=text("reason"), granularity=text("granularity", GRANULARITIES) or "day")


def bucket_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())  # ISO weeks start on Monday
    if granularity == "month":
        return day.replace(day=1)
    return day


def bucket_end(start: date, granularity: str) -> date:
    if granularity == "week":
        return start + timedelta(days=6)
    if granularity == "month":
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return following - timedelta(days=1)
    return start


def _as_date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, day after end 00:00 UTC): half-open, index-friendly."""
    return (datetime.combine(start, time(), timezone.utc),
            datetime.combine(end + timedelta(days=1), time(), timezone.utc))


# --- rollups ---------------------------------------------------------------------
R = OrderRollup


def _minor_sum(column, currency: str):
    """Σ column in whole minor units: exact on SQLite (REAL) and PostgreSQL (NUMERIC)."""
    return func.coalesce(func.sum(func.round(column * (10 ** minor_units(currency)))), 0)


def _rollup_rows(s: Session, f: Filters, kinds: tuple[str, ...], by: tuple[str, ...], *,
                 use_reason: bool = True, use_category: bool = True) -> list[tuple]:
    """(*by, events, units, amount, refunded) of `kinds`, money in whole minor units (int)."""
    columns = [getattr(R, name) for name in by]
    stmt = (select(*columns, func.coalesce(func.sum(R.events), 0), func.coalesce(func.sum(R.units), 0),
                   _minor_sum(R.amount, f.currency), _minor_sum(R.refunded, f.currency))
            .where(R.day >= f.start, R.day <= f.end, R.currency == f.currency, R.kind.in_(kinds)))
    if f.channel:
        stmt = stmt.where(R.channel == f.channel)
    if f.category and use_category:
        stmt = stmt.where(R.category == f.category)
    if f.reason and use_reason:
        stmt = stmt.where(R.reason == f.reason)
    if columns:
        stmt = stmt.group_by(*columns)
    day = by.index("day") if "day" in by else None
    return [tuple(_as_date(v) if i == day else v for i, v in enumerate(row[:len(by)]))
            + (int(row[-4]), int(row[-3]), int(row[-2]), int(row[-1])) for row in s.execute(stmt)]


def _frame(rows: list[tuple], keys: tuple[str, ...], currency: str) -> pd.DataFrame:
    """Rows of (*keys, events, units, amount, refunded) as a frame with exact Decimal money."""
    return pd.DataFrame([(*row[:-2], from_minor(row[-2], currency), from_minor(row[-1], currency)) for row in rows],
                        columns=[*keys, "events", "units", "amount", "refunded"])


def _rollup_frame(s: Session, f: Filters, kinds: tuple[str, ...], by: tuple[str, ...], **options) -> pd.DataFrame:
    """Σ events, units, amount, refunded of `kinds` grouped by rollup columns `by`."""
    return _frame(_rollup_rows(s, f, kinds, by, **options), by, f.currency)


def _decimal_sum(values) -> Decimal:
    return sum(values, ZERO)


def _bucketed(rows: list[tuple], f: Filters, *, shift: int = 0) -> list[tuple]:
    """Daily rows (day, *keys, events, units, amount, refunded) summed into buckets (integers: exact).

    `shift` moves every day forward first (the previous period onto this one).
    """
    totals: dict[tuple, list[int]] = {}
    for day, *rest in rows:
        key = (bucket_start(day + timedelta(days=shift), f.granularity), *rest[:-4])
        cell = totals.setdefault(key, [0, 0, 0, 0])
        for index, value in enumerate(rest[-4:]):
            cell[index] += value
    return [(*key, *values) for key, values in sorted(totals.items())]


def refund_series(s: Session, f: Filters) -> pd.DataFrame:
    """Refunded money per bucket and kind: period, kind, events, units, amount, refunded."""
    daily = _rollup_rows(s, f, REFUND_KINDS, ("day", "kind"))
    return _frame(_bucketed(daily, f), ("period", "kind"), f.currency)


def previous_refund_series(s: Session, f: Filters) -> pd.DataFrame:
    """The previous period's refund total per bucket, moved onto this period's buckets."""
    daily = _rollup_rows(s, f.previous(), REFUND_KINDS, ("day",))
    return _frame(_bucketed(daily, f, shift=f.days), ("period",), f.currency)[["period", "refunded"]]


def returns_cancellations_series(s: Session, f: Filters) -> pd.DataFrame:
    """Units and change orders per bucket: period, series ("returns" | "cancellations"), units, events."""
    daily = [(day, "cancellations" if kind == "cancel" else "returns", *rest)
             for day, kind, *rest in _rollup_rows(s, f, ("cancel", *RETURN_KINDS), ("day", "kind"))]
    frame = _frame(_bucketed(daily, f), ("period", "series"), f.currency)
    return frame[["period", "series", "units", "events"]]


def _rate(numerator, denominator) -> float | None:
    return None if not denominator else numerator / denominator


def return_rate_by_category(s: Session, f: Filters) -> pd.DataFrame:
    """Returned units (return + rma) over fulfilled units, per category (the reason filter
    narrows the returns only): category, fulfilled_units, returned_units, rate."""
    shipped = _rollup_frame(s, f, ("fulfilled",), ("category",), use_reason=False)
    returned = _rollup_frame(s, f, RETURN_KINDS, ("category",))
    merged = (shipped[["category", "units"]].rename(columns={"units": "fulfilled_units"})
              .merge(returned[["category", "units"]].rename(columns={"units": "returned_units"}),
                     on="category", how="outer").fillna(0))
    merged = merged[merged["category"] != ""]  # the shipping rows carry money, no units
    merged[["fulfilled_units", "returned_units"]] = merged[["fulfilled_units", "returned_units"]].astype(int)
    merged["rate"] = [_rate(r, d) for r, d in zip(merged["returned_units"], merged["fulfilled_units"])]
    return merged.sort_values("category").reset_index(drop=True)


def cancellation_rate_by_channel(s: Session, f: Filters) -> pd.DataFrame:
    """Canceled units over ordered units, per channel: channel, ordered_units, canceled_units, rate."""
    placed = _rollup_frame(s, f, ("placed",), ("channel",), use_reason=False)
    canceled = _rollup_frame(s, f, ("cancel",), ("channel",))
    merged = (placed[["channel", "units"]].rename(columns={"units": "ordered_units"})
              .merge(canceled[["channel", "units"]].rename(columns={"units": "canceled_units"}),
                     on="channel", how="outer").fillna(0))
    merged[["ordered_units", "canceled_units"]] = merged[["ordered_units", "canceled_units"]].astype(int)
    merged["rate"] = [_rate(c, o) for c, o in zip(merged["canceled_units"], merged["ordered_units"])]
    return merged.sort_values("channel").reset_index(drop=True)


def refunds_by(s: Session, f: Filters, dimension: str) -> pd.DataFrame:
    """Refunded money per reason or channel: <dimension>, events, refunded (largest first)."""
    if dimension not in ("reason", "channel", "kind", "category"):
        raise ValueError(f"Unknown dimension {dimension!r}.")
    rows = sorted(_rollup_rows(s, f, REFUND_KINDS, (dimension,)), key=lambda row: (-row[-1], row[0]))
    return _frame(rows, (dimension,), f.currency)[[dimension, "events", "refunded"]]


# --- KPI cards -------------------------------------------------------------------
@dataclass(frozen=True)
class Kpi:
    key: str
    value: Decimal | float | int | None
    previous: Decimal | float | int | None
    unit: str                      # "money" | "percent" | "count"

    @property
    def change(self) -> float | None:
        """Relative change against the previous period; None when there was nothing before."""
        if self.value is None or not self.previous:
            return None
        return float((Decimal(str(self.value)) - Decimal(str(self.previous))) / Decimal(str(self.previous)))


def _kpi_values(s: Session, f: Filters) -> dict:
    everything = _rollup_rows(s, f, ("fulfilled", *CHANGE_KINDS), ("kind",), use_reason=False)
    fulfilled_units = sum(row[2] for row in everything if row[0] == "fulfilled")
    # The reason filter narrows the changes, never the shipped units they are compared with.
    changes = {row[0]: row for row in (_rollup_rows(s, f, CHANGE_KINDS, ("kind",)) if f.reason else everything)}
    refund_minor = sum(changes[k][4] for k in REFUND_KINDS if k in changes)
    refund_events = sum(changes[k][1] for k in REFUND_KINDS if k in changes)
    returned_units = sum(changes[k][2] for k in RETURN_KINDS if k in changes)
    return {
        "refund_total": from_minor(refund_minor, f.currency),
        "return_rate": _rate(returned_units, fulfilled_units),
        "cancellations": changes["cancel"][1] if "cancel" in changes else 0,
        # Rounded half-up to the minor unit: what the card shows is what the CSV says.
        "average_refund": (from_minor(int((Decimal(refund_minor) / refund_events).quantize(Decimal(1), ROUND_HALF_UP)),
                                      f.currency) if refund_events else None),
    }


KPI_UNITS = {"refund_total": "money", "return_rate": "percent", "cancellations": "count",
             "average_refund": "money"}


def kpis(s: Session, f: Filters) -> list[Kpi]:
    """Refund total, return rate, cancellations (change orders), average refund
    (refunded / change orders of refund kinds), each with the previous period's value."""
    now, before = _kpi_values(s, f), _kpi_values(s, f.previous())
    return [Kpi(key, now[key], before[key], unit) for key, unit in KPI_UNITS.items()]


# --- drilldown -------------------------------------------------------------------
def _order_filters(stmt, f: Filters):
    stmt = stmt.where(OrderSummary.currency == f.currency)
    if f.channel:
        stmt = stmt.where(OrderSummary.channel == f.channel)
    return stmt


def _drilldown_statement(f: Filters, chart: str, kind: str | None):
    """SQL for the records behind a value of `chart` (the filters say which point)."""
    since, until = _utc_bounds(f.start, f.end)
    co = ChangeOrder
    day = co.created_at
    if chart == "refunds":
        kinds = (kind,) if kind else REFUND_KINDS
        stmt = (select(CreditMemo.number.label("credit_memo"), OrderSummary.number.label("order_number"),
                       co.created_at.label("created_at"), co.kind, co.reason, OrderSummary.channel,
                       OrderSummary.currency, CreditMemo.amount.label("refunded"))
                .join(co, co.id == CreditMemo.change_order_id)
                .join(OrderSummary, OrderSummary.id == co.order_id)
                .order_by(co.created_at, CreditMemo.id))
        if f.category:
            # Credit memos are per change order: keep those that touched the category.
            stmt = stmt.where(exists().where(
                ChangeOrderLine.change_order_id == co.id, OrderItemSummary.id == ChangeOrderLine.line_id,
                OrderItemSummary.category == f.category))
    else:
        kinds = RETURN_KINDS if chart == "returns" else ("cancel",)
        if kind:
            kinds = (kind,)
        stmt = (select(OrderSummary.number.label("order_number"), co.created_at.label("created_at"), co.kind,
                       co.reason, OrderSummary.channel, OrderSummary.currency, OrderItemSummary.sku,
                       OrderItemSummary.category, ChangeOrderLine.quantity.label("units"),
                       ChangeOrderLine.amount.label("amount"))
                .join(co, co.id == ChangeOrderLine.change_order_id)
                .join(OrderItemSummary, OrderItemSummary.id == ChangeOrderLine.line_id)
                .join(OrderSummary, OrderSummary.id == co.order_id)
                .order_by(co.created_at, ChangeOrderLine.id))
        if f.category:
            stmt = stmt.where(OrderItemSummary.category == f.category)
    stmt = stmt.where(co.kind.in_(kinds), day >= since, day < until)
    if f.reason:
        stmt = stmt.where(co.reason == f.reason)
    return _order_filters(stmt, f)


def drilldown(s: Session, f: Filters, chart: str, *, kind: str | None = None,
              limit: int | None = MAX_DRILLDOWN_ROWS) -> pd.DataFrame:
    """Records behind one chart value, each with its order number for a link.

    refunds: credit memos (their sum equals the refund chart's value without a
    category filter: a credit memo is per change order, not per category);
    returns / cancellations: change-order lines with units (sum = the units shown).
    Narrow `f` to the clicked bucket with `Filters.narrowed` and the clicked bar's
    reason/channel/category with `dataclasses.replace`.
    """
    if chart not in DRILLDOWN_CHARTS:
        raise ValueError(f"Unknown chart {chart!r}.")
    stmt = _drilldown_statement(f, chart, kind)
    if limit is not None:
        stmt = stmt.limit(limit)
    frame = pd.DataFrame(s.execute(stmt).mappings().all(), columns=[c.name for c in stmt.selected_columns])
    for column in ("refunded", "amount"):
        if column in frame:
            frame[column] = [from_minor(round(Decimal(str(v)) * 10 ** minor_units(f.currency)), f.currency)
                             for v in frame[column]]
    if "created_at" in frame:
        frame["day"] = [v.date() if isinstance(v, datetime) else _as_date(v) for v in frame["created_at"]]
    return frame


def drilldown_csv(s: Session, f: Filters, chart: str, *, kind: str | None = None,
                  batch: int = 2000) -> Iterator[str]:
    """The whole drilldown as CSV text chunks, streamed from the database in batches."""
    stmt = _drilldown_statement(f, chart, kind).execution_options(yield_per=batch)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    result = s.execute(stmt)
    writer.writerow(list(result.keys()))
    for partition in result.partitions():
        for row in partition:
            writer.writerow(["" if v is None else v for v in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


# --- refund oversight ------------------------------------------------------------
def refunds_per_agent(s: Session, f: Filters, *, spread: float = 3.0) -> pd.DataFrame:
    """Refunds (change orders that refunded money) per actor: actor_id, agent, refunds,
    refunded, average; `outlier` when the total or the average is above
    median + spread × MAD of the team (MAD: median absolute deviation)."""
    since, until = _utc_bounds(f.start, f.end)
    co = ChangeOrder
    stmt = (select(co.actor_id, User.display_name, func.count(co.id), _minor_sum(co.refunded, f.currency))
            .join(OrderSummary, OrderSummary.id == co.order_id).outerjoin(User, User.id == co.actor_id)
            .where(co.kind.in_(REFUND_KINDS), co.created_at >= since, co.created_at < until, co.refunded > 0)
            .group_by(co.actor_id, User.display_name))
    if f.reason:
        stmt = stmt.where(co.reason == f.reason)
    rows = s.execute(_order_filters(stmt, f)).all()
    frame = pd.DataFrame([(actor, name or "", int(count), from_minor(int(total), f.currency))
                          for actor, name, count, total in rows],
                         columns=["actor_id", "agent", "refunds", "refunded"])
    frame["average"] = [round_money(t / n, f.currency) if n else ZERO
                        for t, n in zip(frame["refunded"], frame["refunds"])]
    frame["outlier"] = _outliers(frame["refunded"], spread) | _outliers(frame["average"], spread)
    return frame.sort_values(["refunded", "agent"], ascending=[False, True]).reset_index(drop=True)


def _outliers(values: pd.Series, spread: float) -> pd.Series:
    numbers = values.astype(float)
    if len(numbers) < 3:
        return pd.Series([False] * len(numbers), index=values.index)
    median = numbers.median()
    mad = (numbers - median).abs().median()
    return numbers > median + spread * mad if mad > 0 else numbers > median


@dataclass(frozen=True)
class WhatIf:
    currency: str
    threshold: Decimal
    since: date
    refunds: int            # refund change orders in the window
    above: int              # of those, how many would have needed approval
    above_total: Decimal
    current_threshold: Decimal


def threshold_what_if(s: Session, currency: str, threshold: Decimal, *, days: int = 90,
                      today: date | None = None) -> WhatIf:
    """How many of the past `days` days' refunds would exceed `threshold`, and their total."""
    today = today or datetime.now(timezone.utc).date()
    since = today - timedelta(days=days - 1)
    start, until = _utc_bounds(since, today)
    co = ChangeOrder
    above = co.refunded > threshold
    row = s.execute(
        select(func.count(co.id), func.coalesce(func.sum(case((above, 1), else_=0)), 0),
               func.coalesce(func.sum(case((above, func.round(co.refunded * 10 ** minor_units(currency))),
                                           else_=0)), 0))
        .join(OrderSummary, OrderSummary.id == co.order_id)
        .where(co.kind.in_(REFUND_KINDS), co.created_at >= start, co.created_at < until, co.refunded > 0,
               OrderSummary.currency == currency)).one()
    return WhatIf(currency, Decimal(threshold), since, int(row[0]), int(row[1]), from_minor(int(row[2]), currency),
                  current_policy().threshold(currency))


# --- queue health (cases) --------------------------------------------------------
def _utc_day(s: Session, column):
    if s.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def _seconds_between(s: Session, later, earlier):
    if s.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _daily_counts(s: Session, column, since: datetime, until: datetime, *extra) -> dict[date, int]:
    day = _utc_day(s, column).label("day")
    stmt = (select(day, func.count()).where(column >= since, column < until, *extra).group_by(day))
    return {_as_date(d): int(n) for d, n in s.execute(stmt)}


def _median_seconds(s: Session, later, earlier, since: datetime, until: datetime) -> float | None:
    """Median of later − earlier for cases created in the range (None without any)."""
    seconds = _seconds_between(s, later, earlier)
    where = (Case.created_at >= since, Case.created_at < until, later.is_not(None))
    if s.get_bind().dialect.name == "postgresql":
        value = s.execute(select(func.percentile_cont(0.5).within_group(seconds)).where(*where)).scalar()
        return None if value is None else float(value)
    count = s.execute(select(func.count()).where(*where)).scalar_one()
    if not count:
        return None
    ordered = select(cast(seconds, Float)).where(*where).order_by(seconds)
    middle = [float(v) for v in s.execute(ordered.offset((count - 1) // 2).limit(2 - count % 2)).scalars()]
    return sum(middle) / len(middle)


@dataclass(frozen=True)
class QueueHealth:
    flow: pd.DataFrame              # period, created, resolved, breached, backlog (at the bucket's end)
    first_response_median_hours: float | None
    resolution_median_hours: float | None
    open_per_agent: pd.DataFrame    # agent, open (current, unassigned as "")


def queue_health(s: Session, start: date, end: date, granularity: str = "day", *,
                 now: datetime | None = None) -> QueueHealth:
    """Backlog, created vs resolved, SLA breaches (due in the bucket and answered late or
    not resolved by now), medians of first response and resolution (cases created in range)."""
    now = now or datetime.now(timezone.utc)
    since, until = _utc_bounds(start, end)
    created = _daily_counts(s, Case.created_at, since, until)
    resolved = _daily_counts(s, Case.resolved_at, since, until)
    breached = _daily_counts(s, Case.due_at, since, until,
                             func.coalesce(Case.resolved_at, literal(now, Case.due_at.type)) > Case.due_at)
    backlog_start = s.execute(select(func.count()).where(
        Case.created_at < since, (Case.resolved_at.is_(None)) | (Case.resolved_at >= since))).scalar_one()
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    daily = pd.DataFrame({"day": days, "created": [created.get(d, 0) for d in days],
                          "resolved": [resolved.get(d, 0) for d in days],
                          "breached": [breached.get(d, 0) for d in days]})
    daily["backlog"] = backlog_start + (daily["created"] - daily["resolved"]).cumsum()
    daily["period"] = [bucket_start(d, granularity) for d in daily["day"]]
    flow = daily.groupby("period", sort=True).agg(created=("created", "sum"), resolved=("resolved", "sum"),
                                                  breached=("breached", "sum"),
                                                  backlog=("backlog", "last")).reset_index()
    agents = s.execute(
        select(User.display_name, func.count(Case.id)).select_from(Case)
        .outerjoin(User, User.id == Case.assignee_id).where(Case.status.in_(OPEN_CASE_STATUSES))
        .group_by(User.display_name).order_by(func.count(Case.id).desc())).all()
    hours = [None if v is None else v / 3600 for v in (
        _median_seconds(s, Case.first_response_at, Case.created_at, since, until),
        _median_seconds(s, Case.resolved_at, Case.created_at, since, until))]
    return QueueHealth(flow, hours[0], hours[1],
                       pd.DataFrame([(name or "", int(n)) for name, n in agents], columns=["agent", "open"]))


# --- choices for the controls ----------------------------------------------------
def filter_choices(s: Session) -> dict[str, list[str]]:
    """Currencies, channels, categories and reasons that occur (small tables and policy)."""
    from ..entities import Channel, Product
    from .. import money

    reasons = sorted({r for kind in CHANGE_KINDS for r in current_policy().reasons_for(kind)})
    return {"currency": sorted(money.MINOR_UNITS), "channel": [c.value for c in Channel],
            "category": list(s.execute(select(Product.category).distinct().order_by(Product.category)).scalars()),
            "reason": reasons}


__all__ = [
    "Filters", "parse_filters", "Kpi", "QueueHealth", "WhatIf", "bucket_start", "bucket_end", "refund_series",
    "previous_refund_series", "returns_cancellations_series", "return_rate_by_category",
    "cancellation_rate_by_channel", "refunds_by", "kpis", "drilldown", "drilldown_csv",
    "refunds_per_agent", "threshold_what_if", "queue_health", "filter_choices",
]
