"""The case queue's read side: a validated filter plus AG Grid's sort and filter
models, turned into one SQL page and a (briefly cached) total count.

Nothing from the browser reaches SQL as text: grid columns go through the
allow-list `GRID_COLUMNS`, operators through the per-kind operator maps, and
every value is a bound parameter. Anything else raises `QueueQueryError`.
"""
from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

from sqlalchemy import Integer, and_, case, exists, false, func, not_, or_, select, text, true
from sqlalchemy.orm import Session

from ..entities import (
    Case, CaseChannel, CasePriority, CaseStatus, CaseTag, CaseType, Customer, OrderSummary, User, utcnow,
)


class QueueQueryError(ValueError):
    """A filter, sort or page request the queue does not accept; the message is for a person."""


OPEN_STATUSES = (CaseStatus.NEW.value, CaseStatus.OPEN.value, CaseStatus.PENDING.value)
FINISHED_STATUSES = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
ASSIGNEE_WORDS = ("anyone", "me", "unassigned")
SLA_CHOICES = ("breached", "due_1h")
DUE_SOON = timedelta(hours=1)
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 8
MAX_VALUE_LENGTH = 200
MAX_TAGS = 10
MAX_PAGE = 500
COUNT_TTL_SECONDS = 5.0

CHOICES = {
    "status": tuple(s.value for s in CaseStatus),
    "type": tuple(t.value for t in CaseType),
    "priority": tuple(p.value for p in CasePriority),
    "channel": tuple(c.value for c in CaseChannel),
}


# --- the filter bar's filter, as it travels in the URL ---------------------------------
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
        unknown = sorted(set(params) - {"status", "type", "priority", "channel", "tag", "assignee", "sla",
                                        "from", "to", "q"})
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


# --- the grid's columns: the allow-list -------------------------------------------------
PRIORITY_RANK = {"low": 1, "normal": 2, "high": 3, "urgent": 4}
STATUS_RANK = {status: rank for rank, status in enumerate(CHOICES["status"])}
_first_tag = (select(func.min(CaseTag.tag)).where(CaseTag.case_id == Case.id)
              .correlate(Case).scalar_subquery())


@dataclass(frozen=True)
class GridColumn:
    """How one grid column sorts and filters. `kind` picks the operator map."""

    sort: object
    kind: str  # "text" | "choice" | "date" | "tags"
    target: object = None  # what filters test (defaults to `sort`)
    via: tuple | None = None  # (Case foreign key, entity id) when the column lives on another table
    choices: tuple[str, ...] = field(default_factory=tuple)


GRID_COLUMNS: dict[str, GridColumn] = {
    "number": GridColumn(Case.number, "text"),
    "subject": GridColumn(Case.subject, "text"),
    "customer": GridColumn(Customer.name, "text", via=(Case.customer_id, Customer.id)),
    "channel": GridColumn(Case.channel, "choice", choices=CHOICES["channel"]),
    "status": GridColumn(case(STATUS_RANK, value=Case.status), "choice", target=Case.status,
                         choices=CHOICES["status"]),
    "type": GridColumn(Case.type, "choice", choices=CHOICES["type"]),
    "priority": GridColumn(case(PRIORITY_RANK, value=Case.priority), "choice", target=Case.priority,
                           choices=CHOICES["priority"]),
    "assignee": GridColumn(User.display_name, "text", via=(Case.assignee_id, User.id)),
    "tags": GridColumn(_first_tag, "tags"),
    "order": GridColumn(OrderSummary.number, "text", via=(Case.order_id, OrderSummary.id)),
    "created": GridColumn(Case.created_at, "date"),
    "modified": GridColumn(Case.updated_at, "date"),
    "due": GridColumn(Case.due_at, "date"),
    "last_message": GridColumn(Case.last_message_at, "date"),
}

TEXT_OPERATORS = {
    "contains": lambda col, v: col.icontains(v, autoescape=True),
    "notContains": lambda col, v: or_(col.is_(None), not_(col.icontains(v, autoescape=True))),
    "equals": lambda col, v: func.lower(col) == v.lower(),
    "notEqual": lambda col, v: or_(col.is_(None), func.lower(col) != v.lower()),
    "startsWith": lambda col, v: col.istartswith(v, autoescape=True),
    "endsWith": lambda col, v: col.iendswith(v, autoescape=True),
    "blank": lambda col, v: or_(col.is_(None), col == ""),
    "notBlank": lambda col, v: and_(col.is_not(None), col != ""),
}
CHOICE_OPERATORS = {
    "equals": lambda col, v: col == v,
    "notEqual": lambda col, v: col != v,
}
DATE_OPERATORS = {  # on whole UTC days: (start of day, start of next day)
    "equals": lambda col, a, b: and_(col >= a[0], col < a[1]),
    "notEqual": lambda col, a, b: or_(col < a[0], col >= a[1]),
    "lessThan": lambda col, a, b: col < a[0],
    "greaterThan": lambda col, a, b: col >= a[1],
    "inRange": lambda col, a, b: and_(col >= a[0], col < b[1]),
    "blank": lambda col, a, b: col.is_(None),
    "notBlank": lambda col, a, b: col.is_not(None),
}
NO_VALUE = ("blank", "notBlank")
MAX_CONDITIONS = 2


def grid_where(filter_model: Mapping | None) -> list:
    """SQL conditions for AG Grid's filterModel; refuses unknown columns and operators."""
    if not filter_model:
        return []
    if not isinstance(filter_model, Mapping) or len(filter_model) > len(GRID_COLUMNS):
        raise QueueQueryError("The grid's filter is not understood.")
    conditions = []
    for column_id, model in filter_model.items():
        column = GRID_COLUMNS.get(column_id)
        if column is None:
            raise QueueQueryError(f"The column {str(column_id)[:40]!r} cannot be filtered.")
        if not isinstance(model, Mapping):
            raise QueueQueryError(f"The filter on {column_id} is not understood.")
        conditions.append(_column_condition(column_id, column, model))
    return conditions


def _column_condition(column_id: str, column: GridColumn, model: Mapping):
    parts = model.get("conditions")
    if parts is None:
        return _one_condition(column_id, column, model)
    operator = model.get("operator", "AND")
    if operator not in ("AND", "OR") or not isinstance(parts, list) or not 0 < len(parts) <= MAX_CONDITIONS:
        raise QueueQueryError(f"The filter on {column_id} is not understood.")
    built = [_one_condition(column_id, column, part if isinstance(part, Mapping) else {}) for part in parts]
    return and_(*built) if operator == "AND" else or_(*built)


def _one_condition(column_id: str, column: GridColumn, model: Mapping):
    operator = model.get("type")
    if column.kind == "date":
        if operator not in DATE_OPERATORS:
            raise QueueQueryError(f"The date filter {str(operator)[:30]!r} is not available on {column_id}.")
        first = _day_bounds(model.get("dateFrom"), column_id) if operator not in NO_VALUE else None
        last = _day_bounds(model.get("dateTo") or model.get("dateFrom"), column_id) \
            if operator == "inRange" else first
        return DATE_OPERATORS[operator](column.sort, first, last)
    operators = CHOICE_OPERATORS if column.kind == "choice" else TEXT_OPERATORS
    if operator not in operators:
        raise QueueQueryError(f"The filter {str(operator)[:30]!r} is not available on {column_id}.")
    value = model.get("filter")
    if operator not in NO_VALUE:
        if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
            raise QueueQueryError(f"Type something to filter {column_id} by.")
        value = str(value).strip()
        if len(value) > MAX_VALUE_LENGTH:
            raise QueueQueryError(f"A filter value is at most {MAX_VALUE_LENGTH} characters.")
    if column.kind == "choice":
        value = value.lower()
        if value not in column.choices:
            raise QueueQueryError(f"{value[:40]!r} is not a {column_id}; choose from {', '.join(column.choices)}.")
        return operators[operator](column.target if column.target is not None else column.sort, value)
    if column.kind == "tags":
        if operator in ("blank", "notBlank"):
            has_tags = exists().where(CaseTag.case_id == Case.id)
            return not_(has_tags) if operator == "blank" else has_tags
        matching = exists().where(CaseTag.case_id == Case.id, operators[operator](CaseTag.tag, value))
        negated = operator in ("notContains", "notEqual")
        if negated:  # "no tag contains x", not "some tag does not contain x"
            positive = "contains" if operator == "notContains" else "equals"
            return not_(exists().where(CaseTag.case_id == Case.id, operators[positive](CaseTag.tag, value)))
        return matching
    condition = operators[operator](column.sort, value)
    if column.via is None:
        return condition
    # A column of another table: test it in a subquery so counts never need the join.
    foreign_key, entity_id = column.via
    if operator in ("blank",):
        return or_(foreign_key.is_(None), foreign_key.in_(select(entity_id).where(condition)))
    if operator in ("notContains", "notEqual"):
        return or_(foreign_key.is_(None), foreign_key.in_(select(entity_id).where(condition)))
    return foreign_key.in_(select(entity_id).where(condition))


def _day_bounds(value, column_id: str) -> tuple[datetime, datetime]:
    try:
        day = date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        raise QueueQueryError(f"Pick a date to filter {column_id} by.") from None
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def grid_order_by(sort_model) -> list:
    """ORDER BY for AG Grid's sortModel, newest first by default, always ending with the id."""
    if not sort_model:
        return [Case.created_at.desc(), Case.id.desc()]
    if not isinstance(sort_model, list) or len(sort_model) > 3:
        raise QueueQueryError("Sort by at most three columns.")
    order = []
    for item in sort_model:
        column = GRID_COLUMNS.get(item.get("colId")) if isinstance(item, Mapping) else None
        if column is None:
            raise QueueQueryError(f"The column {str(item.get('colId') if isinstance(item, Mapping) else item)[:40]!r}"
                                  " cannot be sorted.")
        direction = item.get("sort")
        if direction not in ("asc", "desc"):
            raise QueueQueryError("Sort ascending or descending.")
        order.append(column.sort.asc() if direction == "asc" else column.sort.desc())
    last_direction = sort_model[-1]["sort"]
    order.append(Case.id.asc() if last_direction == "asc" else Case.id.desc())
    return order


# --- the filter bar's conditions -----------------------------------------------------------
def filter_where(flt: QueueFilter, *, user_id: int | None, dialect: str, now: datetime | None = None) -> list:
    now = now or utcnow()
    where = []
    if flt.statuses:
        where.append(Case.status.in_(flt.statuses))
    if flt.types:
        where.append(Case.type.in_(flt.types))
    if flt.priorities:
        where.append(Case.priority.in_(flt.priorities))
    if flt.channels:
        where.append(Case.channel.in_(flt.channels))
    if flt.assignee == "unassigned":
        where.append(Case.assignee_id.is_(None))
    elif flt.assignee == "me":
        where.append(Case.assignee_id == user_id if user_id is not None else false())
    elif flt.assignee != "anyone":
        where.append(Case.assignee_id == int(flt.assignee))
    for tag in flt.tags:
        where.append(exists().where(CaseTag.case_id == Case.id, CaseTag.tag == tag))
    if flt.sla == "breached":
        where += [Case.status.not_in(FINISHED_STATUSES), Case.due_at < now]
    elif flt.sla == "due_1h":
        where += [Case.status.not_in(FINISHED_STATUSES), Case.due_at >= now, Case.due_at < now + DUE_SOON]
    if flt.created_from:
        where.append(Case.created_at >= _day_bounds(flt.created_from.isoformat(), "created")[0])
    if flt.created_to:
        where.append(Case.created_at < _day_bounds(flt.created_to.isoformat(), "created")[1])
    if flt.search:
        where.append(search_condition(flt.search, dialect))
    return where


def search_words(search: str) -> list[str]:
    return re.findall(r"\w+", search)[:MAX_SEARCH_WORDS]


def search_condition(search: str, dialect: str):
    """Case ids whose number, subject, messages, customer name/email or order number hold every word.

    Words are prefixes ("refu" finds "refund"). Built from \\w+ runs only, so
    the user's text never becomes search syntax; it is a bound parameter.
    """
    words = search_words(search)
    if not words:
        return true()
    if dialect == "postgresql":
        query = " & ".join(f"{w.lower()}:*" for w in words)
        ids = text("SELECT case_id FROM case_search WHERE document @@ to_tsquery('simple', :search_query)")
    else:
        query = " ".join(f'"{w}"*' for w in words)
        ids = text("SELECT rowid FROM cases_fts WHERE cases_fts MATCH :search_query")
    return Case.id.in_(ids.bindparams(search_query=query).columns(id=Integer))


# --- one page ------------------------------------------------------------------------------
@dataclass(frozen=True)
class QueuePage:
    rows: list[dict]
    total: int


PAGE_COLUMNS = (
    Case.id, Case.number, Case.subject, Customer.name.label("customer"), Case.customer_id, Case.channel,
    Case.status, Case.type, Case.priority, User.display_name.label("assignee"), Case.assignee_id,
    OrderSummary.number.label("order"), Case.created_at.label("created"), Case.updated_at.label("modified"),
    Case.due_at.label("due"), Case.resolved_at, Case.last_message_at.label("last_message"),
    Case.last_message_preview,
)


def queue_page(s: Session, flt: QueueFilter, *, user_id: int | None, start_row: int = 0, end_row: int = 100,
               sort_model=None, filter_model=None, now: datetime | None = None) -> QueuePage:
    """Rows `start_row`..`end_row` of the queue (dicts of the grid's columns) and the total."""
    if not isinstance(start_row, int) or not isinstance(end_row, int) or start_row < 0 or end_row <= start_row:
        raise QueueQueryError("Ask for a page of rows.")
    limit = min(end_row - start_row, MAX_PAGE)
    now = now or utcnow()
    where = [*filter_where(flt, user_id=user_id, dialect=s.get_bind().dialect.name, now=now),
             *grid_where(filter_model)]
    order_by = grid_order_by(sort_model)
    statement = (
        select(*PAGE_COLUMNS)
        .outerjoin(Customer, Customer.id == Case.customer_id)
        .outerjoin(User, User.id == Case.assignee_id)
        .outerjoin(OrderSummary, OrderSummary.id == Case.order_id)
        .where(*where).order_by(*order_by).offset(start_row).limit(limit)
    )
    rows = [dict(row._mapping) for row in s.execute(statement)]
    tags = _tags_of(s, [row["id"] for row in rows])
    for row in rows:
        row["tags"] = tags.get(row["id"], [])
        row["sla_state"] = sla_state(row["status"], row["due"], row["resolved_at"], now)
    total = _cached_count(s, where, _count_key(s, flt, user_id, filter_model, now))
    return QueuePage(rows=rows, total=total)


def sla_state(status: str, due: datetime | None, resolved_at: datetime | None, now: datetime) -> str:
    """'breached', 'due_soon', 'ok', or '' when the case has no SLA."""
    if due is None:
        return ""
    if status in FINISHED_STATUSES:
        return "breached" if resolved_at is not None and resolved_at > due else "ok"
    if due < now:
        return "breached"
    return "due_soon" if due < now + DUE_SOON else "ok"


def _tags_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        for case_id, tag in s.execute(select(CaseTag.case_id, CaseTag.tag).where(CaseTag.case_id.in_(ids))
                                      .order_by(CaseTag.case_id, CaseTag.tag)):
            found.setdefault(case_id, []).append(tag)
    return found


# --- the total, cached per filter for a few seconds (PITFALLS: COUNT cache) -------------------
_count_cache: dict[tuple, tuple[float, int]] = {}
_count_lock = threading.Lock()
MAX_CACHED_COUNTS = 2000


def _count_key(s: Session, flt: QueueFilter, user_id, filter_model, now: datetime) -> tuple:
    personal = user_id if flt.assignee == "me" else None
    # SLA filters move with the clock: a new key each minute keeps them honest.
    minute = now.replace(second=0, microsecond=0) if flt.sla else None
    return (str(s.get_bind().url), flt, personal, json.dumps(filter_model or {}, sort_keys=True), minute)


def _cached_count(s: Session, where: list, key: tuple) -> int:
    clock = time.monotonic()
    with _count_lock:
        hit = _count_cache.get(key)
    if hit is not None and hit[0] > clock:
        return hit[1]
    total = s.scalar(select(func.count()).select_from(Case).where(*where))
    with _count_lock:
        if len(_count_cache) >= MAX_CACHED_COUNTS:
            _count_cache.clear()
        _count_cache[key] = (clock + COUNT_TTL_SECONDS, total)
    return total


def forget_counts() -> None:
    """Drop cached totals (after a write the person who made it should see it at once)."""
    with _count_lock:
        _count_cache.clear()


def existing_case_ids(s: Session, ids, *, limit: int = MAX_PAGE) -> list[int]:
    """Of the given case ids (the grid's selection), those that exist, in id order."""
    wanted = sorted({i for i in ids or () if isinstance(i, int) and not isinstance(i, bool)})
    if len(wanted) > limit:
        raise QueueQueryError(f"Select at most {limit} cases at once.")
    return list(s.scalars(select(Case.id).where(Case.id.in_(wanted)).order_by(Case.id))) if wanted else []
