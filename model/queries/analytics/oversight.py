"""Refund oversight: refunds per person against the team, and the approval threshold's "what if".

Both read rollups the money flow keeps (`refund_rollups`, `refund_size_rollups`):
a change order that refunded money counts once, under the person who asked for
it, and under its exact amount.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pandas as pd
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...entities import RefundRollup, RefundSizeRollup, User
from ...money import from_minor, round_money, to_minor
from ...policy import current_policy
from .filters import Filters
from .series import exact, money_rows


def refunds_per_agent(s: Session, f: Filters, *, spread: Decimal = Decimal(3)) -> pd.DataFrame:
    """Change orders that refunded money (only refund kinds do), per person: actor_id, agent,
    refunds, refunded, average; `outlier` when the total
    or the average is above median + spread × MAD of the team (MAD: median absolute deviation).
    The category filter does not apply: a refund belongs to a change order, not a category."""
    A = RefundRollup
    # Without a reason or channel, the cells per day and person (level 1) answer.
    where = [A.currency == f.currency if not f.convert else A.currency.in_(f.currencies),
             A.level == (0 if f.channel or f.reason else 1), A.day >= f.start, A.day <= f.end]
    if f.channel:
        where.append(A.channel == f.channel)
    if f.reason:
        where.append(A.reason == f.reason)
    rows = money_rows(s, f, [A.actor_id, func.sum(A.refunds)], [A.refunded], where=where, group_by=[A.actor_id],
                      currency_column=A.currency, day_column=A.day)
    names = dict(s.execute(select(User.id, User.display_name).where(User.id.in_([r[0] for r in rows]))).all()) \
        if rows else {}
    records = []
    for actor, count, total in rows:
        if count:
            money = exact(total, f.currency)
            records.append((actor, names.get(actor, ""), int(count), round_money(money, f.currency),
                            round_money(money / int(count), f.currency)))
    frame = pd.DataFrame(records, columns=["actor_id", "agent", "refunds", "refunded", "average"])
    frame["outlier"] = outliers(list(frame["refunded"]), spread) | outliers(list(frame["average"]), spread)
    return frame.sort_values(["refunded", "agent"], ascending=[False, True]).reset_index(drop=True)


def outliers(values: list[Decimal], spread: Decimal = Decimal(3)) -> pd.Series:
    """True for values above median + spread × MAD (exact Decimals); nobody is an outlier in a team of two."""
    if len(values) < 3:
        return pd.Series([False] * len(values), dtype=bool)
    median = statistics.median(values)
    mad = statistics.median([abs(v - median) for v in values])
    limit = median + spread * mad
    return pd.Series([v > limit if mad > 0 else v > median for v in values], dtype=bool)


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
    limit = to_minor(threshold, currency)
    z = RefundSizeRollup
    above = z.refunded_minor > limit
    row = s.execute(select(func.coalesce(func.sum(z.refunds), 0),
                           func.coalesce(func.sum(case((above, z.refunds), else_=0)), 0),
                           func.coalesce(func.sum(case((above, z.refunds * z.refunded_minor), else_=0)), 0))
                    .where(z.currency == currency, z.day >= since, z.day <= today)).one()
    return WhatIf(currency, round_money(Decimal(threshold), currency), since, int(row[0]), int(row[1]),
                  from_minor(int(row[2]), currency), current_policy().threshold(currency))

