"""The queue's filter bar: a validated `QueueFilter`, as it travels in the URL, and its SQL.

Nothing from the browser reaches SQL as text: choices are checked against the
enums, dates parsed, search words reduced to \\w runs, every value bound.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

from sqlalchemy import false, select

from ..entities import Case, CaseChannel, CasePriority, CaseStatus, CaseTag, CaseType, utcnow


class QueueQueryError(ValueError):
    """A filter, sort or page request the queue does not accept; the message is for a person."""


OPEN_STATUSES = (CaseStatus.NEW.value, CaseStatus.OPEN.value, CaseStatus.PENDING.value)
FINISHED_STATUSES = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
ASSIGNEE_WORDS = ("anyone", "me", "unassigned")
SLA_CHOICES = ("breached", "due_1h")
DUE_SOON = timedelta(hours=1)
MAX_SEARCH_LENGTH = 200
MAX_TAGS = 10
QUERY_KEYS = {"status", "type", "priority", "channel", "tag", "assignee", "sla", "from", "to", "q"}

CHOICES = {
    "status": tuple(s.value for s in CaseStatus),
    "type": tuple(t.value for t in CaseType),
    "priority": tuple(p.value for p in CasePriority),
    "channel": tuple(c.value for c in CaseChannel),
}


@dataclass(frozen=True)
class QueueFilter:
    """What the filter bar selects. Empty tuples mean "any"."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    types: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    assignee: str = "anyone"  # "anyone" | "me" | "unassigned" | a user id as text
    tags: tuple[str, ...] = ()
    sla: str | None = None  # None | "breached" | "due_1h"
    created_from: date | None = None
    created_to: date | None = None
    search: str = ""

    def to_query(self) -> str:
        """The URL query string (no '?') that `from_query` reads back to this filter."""
        params: list[tuple[str, str]] = []
        if self.statuses != OPEN_STATUSES:
            params.append(("status", ",".join(self.statuses) or "all"))
        for key, values in (("type", self.types), ("priority", self.priorities), ("channel", self.channels),
                            ("tag", self.tags)):
            if values:
                params.append((key, ",".join(values)))
        if self.assignee != "anyone":
            params.append(("assignee", self.assignee))
        if self.sla:
            params.append(("sla", self.sla))
        if self.created_from:
            params.append(("from", self.created_from.isoformat()))
        if self.created_to:
            params.append(("to", self.created_to.isoformat()))
        if self.search:
            params.append(("q", self.search))
        return urlencode(params)

    @classmethod
    def from_query(cls, query: str | Mapping | None) -> QueueFilter:
        """Parse and validate a URL query string (or a dict of lists/strings)."""
        if query is None:
            return cls()
        if isinstance(query, str):
            params = parse_qs(query.lstrip("?"), keep_blank_values=True)
        else:
            params = {k: v if isinstance(v, list | tuple) else [v] for k, v in query.items()}
        unknown = sorted(set(params) - QUERY_KEYS)
        if unknown:
            raise QueueQueryError(f"Unknown filter: {unknown[0][:40]}.")

        def one(key: str) -> str | None:
            values = params.get(key)
            return None if not values else str(values[-1])

        status_text = one("status")
        statuses = OPEN_STATUSES if status_text is None else (
            () if status_text in ("", "all") else _choices(status_text, "status"))
        return cls.build(
            statuses=statuses,
            types=_choices(one("type") or "", "type"),
            priorities=_choices(one("priority") or "", "priority"),
            channels=_choices(one("channel") or "", "channel"),
            assignee=one("assignee") or "anyone",
            tags=tuple(t for t in (one("tag") or "").split(",") if t.strip()),
            sla=one("sla") or None,
            created_from=one("from") or None,
            created_to=one("to") or None,
            search=one("q") or "",
        )

    @classmethod
    def build(cls, *, statuses=OPEN_STATUSES, types=(), priorities=(), channels=(), assignee="anyone",
              tags=(), sla=None, created_from=None, created_to=None, search="") -> QueueFilter:
        """A validated filter from loose values (lists, strings, dates as ISO text)."""
        checked = {}
        for key, values in (("status", statuses), ("type", types), ("priority", priorities),
                            ("channel", channels)):
            values = tuple(dict.fromkeys(values or ()))
            bad = [v for v in values if v not in CHOICES[key]]
            if bad:
                raise QueueQueryError(f"{str(bad[0])[:40]!r} is not a {key}; choose from "
                                      f"{', '.join(CHOICES[key])}.")
            checked[key] = values
        assignee = str(assignee or "anyone").strip()
        if assignee not in ASSIGNEE_WORDS and not (assignee.isdigit() and 0 < int(assignee) < 2**31):
            raise QueueQueryError("Assignee must be me, unassigned, anyone or a person.")
        tag_names = tuple(dict.fromkeys(str(t).strip().lower() for t in tags or () if str(t).strip()))
        if len(tag_names) > MAX_TAGS or any(len(t) > 40 for t in tag_names):
            raise QueueQueryError(f"Filter by at most {MAX_TAGS} tags of up to 40 characters.")
        if sla not in (None, *SLA_CHOICES):
            raise QueueQueryError("SLA must be breached or due within an hour.")
        start, end = _date(created_from, "From"), _date(created_to, "To")
        if start and end and start > end:
            raise QueueQueryError("The created range ends before it starts.")
        search = " ".join(str(search or "").split())
        if len(search) > MAX_SEARCH_LENGTH:
            raise QueueQueryError(f"Search for at most {MAX_SEARCH_LENGTH} characters.")
        return cls(statuses=checked["status"], types=checked["type"], priorities=checked["priority"],
                   channels=checked["channel"], assignee=assignee, tags=tag_names, sla=sla,
                   created_from=start, created_to=end, search=search)

    def with_(self, **changes) -> QueueFilter:
        return replace(self, **changes)


def _choices(text_value: str, key: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text_value.split(",") if v.strip())
    bad = [v for v in values if v not in CHOICES[key]]
    if bad:
        raise QueueQueryError(f"{bad[0][:40]!r} is not a {key}; choose from {', '.join(CHOICES[key])}.")
    return values


def _date(value, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise QueueQueryError(f"{label} must be a date like 2026-11-23.") from None


def day_bounds(value, column_id: str) -> tuple[datetime, datetime]:
    """The UTC day of an ISO date (or date-time) as (its start, the next day's start)."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        raise QueueQueryError(f"Pick a date to filter {column_id} by.") from None
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def without_index(column):
    """The column as an expression no index serves (`column || ''`, `column + 0`).

    SQLite's planner reaches for the index of a filter on a common value
    (status, type, a frequent tag or word) and then sorts every match: 30,000
    rows to show 100. When the count says matches are plentiful, the queue
    hands it the filter in this form instead, so it walks the sort's index and
    stops after one page (migration 0003 gives every sort key an index).
    """
    return column + 0 if column.type.python_type is int else column.concat("")


def filter_where(flt: QueueFilter, *, user_id: int | None, now: datetime | None = None,
                 indexed: bool = True) -> list:
    """SQL conditions on cases for the filter bar's filter, but for its search
    (queue_search.search_condition, which needs the database to read its words).

    `indexed=False`: the categorical tests in `without_index` form.
    """
    now = now or utcnow()
    plain = (lambda column: column) if indexed else without_index
    where = []
    for values, column in ((flt.statuses, Case.status), (flt.types, Case.type), (flt.priorities, Case.priority),
                           (flt.channels, Case.channel)):
        if values:
            where.append(plain(column).in_(values))
    if flt.assignee == "unassigned":
        where.append(plain(Case.assignee_id).is_(None))
    elif flt.assignee == "me":
        where.append(plain(Case.assignee_id) == user_id if user_id is not None else false())
    elif flt.assignee != "anyone":
        where.append(plain(Case.assignee_id) == int(flt.assignee))
    for tag in flt.tags:
        where.append(plain(Case.id).in_(select(CaseTag.case_id).where(CaseTag.tag == tag)))
    # Open as a list, not "not finished": the (status, due_at) index serves a list.
    if flt.sla == "breached":
        where += [plain(Case.status).in_(OPEN_STATUSES), Case.due_at < now]
    elif flt.sla == "due_1h":
        where += [Case.status.in_(OPEN_STATUSES), Case.due_at >= now, Case.due_at < now + DUE_SOON]
    if flt.created_from:
        where.append(Case.created_at >= day_bounds(flt.created_from.isoformat(), "created")[0])
    if flt.created_to:
        where.append(Case.created_at < day_bounds(flt.created_to.isoformat(), "created")[1])
    return where
