"""Analytics rollups: cells the writers keep in the same transaction as the facts.

Order side (kept by the action services, model.actions._common): `order_rollups`
(day × kind × reason × category × channel × currency), `product_rollups` (units
fulfilled and returned per product, by day and by month), `refund_rollups`
(refunds per person) and `refund_size_rollups` (refunds per amount, for the
approval threshold's "what if").

Case side (kept by database triggers on `cases`, migration 0004, so every
writer keeps them without knowing: services, bulk edits, the demo loader):
`case_rollups` (per day), `case_timings` (per case, durations in whole
seconds) and `case_open_counts` (open cases per assignee).

Days are UTC dates. The composite primary keys are the read path: a range of
days in one currency is one contiguous stretch of the key (SQLite stores these
tables in key order: WITHOUT ROWID).
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..money import ZERO
from .base import Base

WITHOUT_ROWID = {"sqlite_with_rowid": False}
OPEN_CASE_STATUSES = ("new", "open", "pending")


class OrderRollup(Base):
    """Per day × kind × reason × category × channel × currency.

    kind: placed, fulfilled, cancel, discount, return, rma, shipping_credit.
    `events` counts orders (placed, fulfilled) or change orders; `units` the
    units; `amount` the money: grand total placed, captured, released or refunded.
    `refunded` is the part of `amount` that went back to the customer.
    """

    __tablename__ = "order_rollups"
    __table_args__ = (UniqueConstraint("day", "kind", "reason", "category", "channel", "currency",
                                       name="uq_order_rollups_key"),
                      # Charts read one currency, some kinds and a range of days: these indexes hold
                      # all they need (covering), so the table itself is never visited. Views without a
                      # category filter read order_rollup_totals instead; with one, the second index.
                      Index("ix_order_rollups_read", "currency", "kind", "day", "reason", "category", "channel",
                            "events", "units", "amount", "refunded"),
                      Index("ix_order_rollups_category", "currency", "category", "kind", "day", "reason", "channel",
                            "events", "units", "amount", "refunded"))

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(String(40), default="")
    category: Mapped[str] = mapped_column(String(80), default="")
    channel: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3))
    events: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)


class OrderRollupTotal(Base):
    """`order_rollups` added up over categories, per day × kind × reason × channel × currency,
    and over reasons and channels as well: reason and channel "*" stand for all of them, so each
    order_rollups cell counts in four cells here ((r, c), (r, *), (*, c), (*, *)).

    A trigger on order_rollups keeps it (migration 0004), so every writer of an order rollup
    keeps this one too. A chart without a category filter reads exactly the cells of its other
    filters: a year of refunds by day with no filter is 4 kinds × 365 cells.
    """

    __tablename__ = "order_rollup_totals"
    __table_args__ = (WITHOUT_ROWID,)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    # Which of reason and channel are added up ("*"): 0 neither, 1 channel, 2 reason, 3 both.
    # First in the key after the currency, so a query reads the cells of its level only.
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    events: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    amount: Mapped[Decimal] = mapped_column(default=ZERO)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)


class ProductRollup(Base):
    """Units fulfilled and returned per product × channel × currency, at two grains.

    grain "day": the UTC day `day`; grain "month": the calendar month that starts
    on `day`. Both hold the same events, so a year reads twelve month cells per
    product and only its ragged ends by day. `reason` is the return reason on
    returned units and "" on fulfilled ones; `category` is the order line's.
    """

    __tablename__ = "product_rollups"
    __table_args__ = (CheckConstraint("grain IN ('day', 'month')", name="grain"), WITHOUT_ROWID)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    category: Mapped[str] = mapped_column(String(80), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    fulfilled_units: Mapped[int] = mapped_column(default=0)
    returned_units: Mapped[int] = mapped_column(default=0)


class RefundRollup(Base):
    """Change orders that refunded money, per day × person × kind × reason × channel × currency.

    `actor_id` is the change order's actor (who asked, when it was approved); 0 when none.
    Level 0 holds the cells; level 1 the same per day and person with kind, reason and channel
    added up ("*"), which is all the unfiltered chart reads.
    """

    __tablename__ = "refund_rollups"
    __table_args__ = (WITHOUT_ROWID,)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    reason: Mapped[str] = mapped_column(String(40), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    refunds: Mapped[int] = mapped_column(default=0)
    refunded: Mapped[Decimal] = mapped_column(default=ZERO)


class RefundSizeRollup(Base):
    """How many change orders refunded exactly `refunded_minor` minor units (cents, yen) on a day."""

    __tablename__ = "refund_size_rollups"
    __table_args__ = (WITHOUT_ROWID,)

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    refunds: Mapped[int] = mapped_column(default=0)


class ExchangeRate(Base):
    """1 unit of `currency` is worth `rate` units of `target` from `effective_on` until the
    pair's next rate. Analytics converts with these (shown on the page); money is never
    converted in the stored facts."""

    __tablename__ = "exchange_rates"
    __table_args__ = (UniqueConstraint("currency", "target", "effective_on", name="uq_exchange_rates_pair_day"),
                      CheckConstraint("rate > 0", name="rate_positive"),
                      CheckConstraint("currency <> target", name="two_currencies"))

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    target: Mapped[str] = mapped_column(String(3))
    effective_on: Mapped[date]
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8, asdecimal=True))


class CaseRollup(Base):
    """Case counts per UTC day (triggers on `cases` keep them).

    created / resolved: cases created / resolved that day; resolved_late: cases due that
    day and resolved after their due time; open_due: unresolved cases due that day;
    responded / resolutions: cases created that day that have a first response / are resolved.
    """

    __tablename__ = "case_rollups"
    __table_args__ = (WITHOUT_ROWID,)

    day: Mapped[date] = mapped_column(primary_key=True)
    created: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    resolved_late: Mapped[int] = mapped_column(default=0)
    open_due: Mapped[int] = mapped_column(default=0)
    responded: Mapped[int] = mapped_column(default=0)
    resolutions: Mapped[int] = mapped_column(default=0)


class CaseTiming(Base):
    """One row per case: its UTC creation day and how long the first response and the
    resolution took, in whole seconds (timestamps truncated to the second)."""

    __tablename__ = "case_timings"
    __table_args__ = (Index("ix_case_timings_first_response", "first_response_seconds", "created_day"),
                      Index("ix_case_timings_resolution", "resolution_seconds", "created_day"))

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    created_day: Mapped[date]
    first_response_seconds: Mapped[int | None] = mapped_column(BigInteger)
    resolution_seconds: Mapped[int | None] = mapped_column(BigInteger)


class CaseDurationBucket(Base):
    """How many cases created on `created_day` took [bucket, bucket + 1) hours to their first
    response (measure "first_response") or resolution ("resolution"); the last bucket
    (MAX_DURATION_BUCKET) holds everything longer. A median finds its bucket here, then reads
    the exact values of that bucket only from case_timings."""

    __tablename__ = "case_duration_buckets"
    __table_args__ = (WITHOUT_ROWID,)

    measure: Mapped[str] = mapped_column(String(16), primary_key=True)
    created_day: Mapped[date] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cases: Mapped[int] = mapped_column(default=0)


MAX_DURATION_BUCKET = 1440   # hours: 60 days and longer share the last bucket


class CaseOpenCount(Base):
    """Cases now new, open or pending, per assignee (0: unassigned)."""

    __tablename__ = "case_open_counts"

    assignee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    open_cases: Mapped[int] = mapped_column(default=0)
