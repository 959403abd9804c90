"""Queue health for leads, from the case rollups the triggers on `cases` keep.

`case_rollups` gives per-day counts, `case_duration_buckets` how many cases took each
whole hour, `case_timings` each case's durations in whole seconds (indexed by
duration: a median reads one hour's worth of them), and
`case_open_counts` the open cases per assignee. Nothing here scans `cases`
except today's unresolved cases that are already past due.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...entities import Case, CaseDurationBucket, CaseOpenCount, CaseRollup, CaseTiming, User
from ...entities.rollups import MAX_DURATION_BUCKET
from .filters import as_date, bucket_start

SECONDS_PER_HOUR = Decimal(3600)


@dataclass(frozen=True)
class QueueHealth:
    flow: pd.DataFrame                          # period, created, resolved, breached, backlog (at the bucket's end)
    first_response_median_hours: Decimal | None
    resolution_median_hours: Decimal | None
    open_per_agent: pd.DataFrame                # agent, open (now; unassigned as "")


def case_flow(s: Session, start: date, end: date, granularity: str = "day", *,
              now: datetime | None = None) -> pd.DataFrame:
    """Per bucket: cases created, resolved, SLA breaches (due in the bucket and resolved after
    their due time, or not resolved by `now`) and the backlog at the bucket's end."""
    now = now or datetime.now(timezone.utc)
    c = CaseRollup
    rows = {as_date(row.day): row for row in s.execute(
        select(c.day, c.created, c.resolved, c.resolved_late, c.open_due).where(c.day >= start, c.day <= end))}
    before = s.execute(select(func.coalesce(func.sum(c.created), 0) - func.coalesce(func.sum(c.resolved), 0))
                       .where(c.day < start)).scalar_one()
    today = now.astimezone(timezone.utc).date()
    overdue_today = 0
    if start <= today <= end:
        midnight = datetime.combine(today, time(), timezone.utc)
        overdue_today = s.execute(select(func.count()).where(
            Case.due_at >= midnight, Case.due_at < now, Case.resolved_at.is_(None))).scalar_one()
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    created, resolved, breached = [], [], []
    for day in days:
        row = rows.get(day)
        created.append(row.created if row else 0)
        resolved.append(row.resolved if row else 0)
        late = row.resolved_late if row else 0
        open_due = (row.open_due if row else 0) if day < today else (overdue_today if day == today else 0)
        breached.append(late + open_due)
    daily = pd.DataFrame({"day": days, "created": created, "resolved": resolved, "breached": breached})
    daily["backlog"] = int(before) + (daily["created"] - daily["resolved"]).cumsum()
    daily["period"] = [bucket_start(d, granularity) for d in daily["day"]]
    return daily.groupby("period", sort=True).agg(created=("created", "sum"), resolved=("resolved", "sum"),
                                                  breached=("breached", "sum"),
                                                  backlog=("backlog", "last")).reset_index()


def _median_seconds(s: Session, measure: str, column, start: date, end: date) -> Decimal | None:
    """The exact median of `column` over the cases created in [start, end] that have it.

    The hour buckets (case_duration_buckets) say which hour holds the middle case(s) and
    how many come before; only that hour's durations are then read, in order, from the
    (duration, created day) index of case_timings."""
    b = CaseDurationBucket
    buckets = s.execute(select(b.bucket, func.sum(b.cases)).where(b.measure == measure, b.created_day >= start,
                                                                  b.created_day <= end)
                        .group_by(b.bucket).order_by(b.bucket)).all()
    count = sum(int(n) for _, n in buckets)
    if not count:
        return None
    ranks = [(count - 1) // 2] if count % 2 else [count // 2 - 1, count // 2]
    values = []
    for rank in ranks:
        before = 0
        for bucket, cases in buckets:
            if rank < before + int(cases):
                low = bucket * 3600
                stmt = (select(column).where(column >= low, CaseTiming.created_day >= start,
                                             CaseTiming.created_day <= end)
                        .order_by(column).offset(rank - before).limit(1))
                if bucket < MAX_DURATION_BUCKET:
                    stmt = stmt.where(column < low + 3600)
                values.append(s.execute(stmt).scalar_one())
                break
            before += int(cases)
    return Decimal(sum(values)) / len(values)


def response_medians(s: Session, start: date, end: date) -> tuple[Decimal | None, Decimal | None]:
    """Median hours to the first response and to resolution, of the cases created in the range."""
    medians = [_median_seconds(s, "first_response", CaseTiming.first_response_seconds, start, end),
               _median_seconds(s, "resolution", CaseTiming.resolution_seconds, start, end)]
    return tuple(None if m is None else m / SECONDS_PER_HOUR for m in medians)


def open_cases_per_agent(s: Session) -> pd.DataFrame:
    """Open cases (new, open, pending) per assignee now: agent ("" when unassigned), open."""
    rows = s.execute(select(User.display_name, CaseOpenCount.open_cases)
                     .outerjoin(User, User.id == CaseOpenCount.assignee_id)
                     .where(CaseOpenCount.open_cases > 0)).all()
    ordered = sorted(((name or "", int(count)) for name, count in rows), key=lambda row: (-row[1], row[0]))
    return pd.DataFrame(ordered, columns=["agent", "open"])


def queue_health(s: Session, start: date, end: date, granularity: str = "day", *,
                 now: datetime | None = None) -> QueueHealth:
    """Backlog, created vs resolved, SLA breaches, medians of first response and resolution
    (cases created in range) and open cases per agent."""
    first, resolution = response_medians(s, start, end)
    return QueueHealth(case_flow(s, start, end, granularity, now=now), first, resolution, open_cases_per_agent(s))
