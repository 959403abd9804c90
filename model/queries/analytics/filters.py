"""What the analytics controls choose, the buckets of a range, and currency conversion.

One currency at a time, or every currency converted into one (`Filters.convert`)
with the `exchange_rates` table: an amount of a day is worth amount × the rate in
effect that day. Conversion is exact (Decimal products and sums, no rounding on
the way); a figure is rounded half-up to the target's minor unit once, where it
is shown, so a drilldown's total and the chart point it explains round the same
exact number. Unit counts need no conversion: converted views count every currency.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import and_, case, select
from sqlalchemy.orm import Session

from ...entities import Channel, ExchangeRate
from ...money import MINOR_UNITS

GRANULARITIES = ("day", "week", "month")
REFUND_KINDS = ("discount", "return", "rma", "shipping_credit")
RETURN_KINDS = ("return", "rma")
CHANGE_KINDS = ("cancel", *REFUND_KINDS)
DRILLDOWN_CHARTS = ("refunds", "returns", "cancellations")
MAX_RANGE_DAYS = 3 * 366


class MissingRate(ValueError):
    """A currency has data on a day no exchange rate covers; the message says which."""

    def __init__(self, currency: str, target: str, day: date):
        super().__init__(f"No exchange rate from {currency} to {target} covers {day.isoformat()}: add one to convert.")
        self.currency, self.target, self.day = currency, target, day


@dataclass(frozen=True)
class Filters:
    """What the page's controls choose. `end` is inclusive; days are UTC dates.

    `convert`: every currency converted into `currency`; `product` narrows drilldowns.
    """

    start: date
    end: date
    currency: str = "USD"
    channel: str | None = None
    category: str | None = None
    reason: str | None = None
    granularity: str = "day"
    convert: bool = False
    product: int | None = None

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("The end of the range is before its start.")
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"Granularity is one of {', '.join(GRANULARITIES)}.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def currencies(self) -> tuple[str, ...]:
        """The currencies whose rows this view reads."""
        return tuple(sorted(MINOR_UNITS)) if self.convert else (self.currency,)

    def previous(self) -> "Filters":
        """The period of the same length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    def narrowed(self, start: date | None, end: date | None) -> "Filters":
        """This filter limited to [start, end] (a chart bucket), never wider than the range."""
        return replace(self, start=max(self.start, start or self.start), end=min(self.end, end or self.end))


def parse_filters(params: dict) -> Filters:
    """Filters from untrusted text (a callback's values, a query string); ValueError if wrong."""
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
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValueError("Choose a range of at most three years.")
    convert = params.get("convert")
    if convert not in (None, "", False, True, "1", "0", "true", "false"):
        raise ValueError("convert is not one of the choices.")
    product = params.get("product")
    try:
        product = int(product) if product not in (None, "") else None
    except (TypeError, ValueError):
        raise ValueError("product is not one of the choices.") from None
    return Filters(start=start, end=end, currency=text("currency", MINOR_UNITS) or "USD",
                   channel=text("channel", {c.value for c in Channel}), category=text("category"),
                   reason=text("reason"), granularity=text("granularity", GRANULARITIES) or "day",
                   convert=convert in (True, "1", "true"), product=product)


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
        return next_month(start) - timedelta(days=1)
    return start


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def as_date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00 UTC, day after end 00:00 UTC): half-open, index-friendly."""
    return (datetime.combine(start, time(), timezone.utc),
            datetime.combine(end + timedelta(days=1), time(), timezone.utc))


# --- conversion -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatePeriod:
    """`rate` converts `currency` into the target on the days [start, end] (inclusive)."""

    currency: str
    target: str
    rate: Decimal
    effective_on: date
    start: date
    end: date


@dataclass(frozen=True)
class Conversion:
    """The rates a converted view over [start, end] uses, one period per rate in effect."""

    target: str
    start: date
    end: date
    periods: tuple[RatePeriod, ...]

    def rate(self, currency: str, day: date) -> Decimal:
        if currency == self.target:
            return Decimal(1)
        for period in self.periods:
            if period.currency == currency and period.start <= day <= period.end:
                return period.rate
        raise MissingRate(currency, self.target, day)

    def period_index(self, currency_column, day_column):
        """SQL: -1 for the target currency, the index of the rate period of (currency, day), else NULL."""
        whens = [(currency_column == self.target, -1)] + [
            (and_(currency_column == p.currency, day_column >= p.start, day_column <= p.end), index)
            for index, p in enumerate(self.periods)]
        return case(*whens, else_=None)

    def rate_of_period(self, index: int | None, currency: str, first_day) -> Decimal:
        if index == -1:
            return Decimal(1)
        if index is None:
            raise MissingRate(currency, self.target, as_date(first_day))
        return self.periods[index].rate


def load_conversion(s: Session, f: Filters) -> Conversion | None:
    """The rates into f.currency over f's range (None unless f.convert)."""
    if not f.convert:
        return None
    rows = s.execute(select(ExchangeRate.currency, ExchangeRate.rate, ExchangeRate.effective_on)
                     .where(ExchangeRate.target == f.currency, ExchangeRate.effective_on <= f.end)
                     .order_by(ExchangeRate.currency, ExchangeRate.effective_on)).all()
    periods: list[RatePeriod] = []
    for index, (currency, rate, effective_on) in enumerate(rows):
        following = rows[index + 1] if index + 1 < len(rows) and rows[index + 1][0] == currency else None
        last = following[2] - timedelta(days=1) if following else f.end
        first = max(effective_on, f.start)
        if last >= f.start and first <= last:
            periods.append(RatePeriod(currency, f.currency, Decimal(rate), effective_on, first, min(last, f.end)))
    return Conversion(f.currency, f.start, f.end, tuple(periods))


def convert_minor(minor: int, currency: str, rate: Decimal) -> Decimal:
    """An amount in whole minor units of `currency`, times `rate`: exact."""
    return Decimal(minor).scaleb(-MINOR_UNITS.get(currency, 2)) * rate
