"""The case queue's read side: the filter bar's filter plus AG Grid's sort and filter
models, turned into one SQL page over `cases` alone and a cheap, briefly cached count.

The parts live beside this module: the filter bar and its URL in
`queue_filters`, the grid's models in `queue_grid`, full-text search in
`queue_search`; their public names are re-exported here.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import BigInteger, Integer, cast, extract, func, select
from sqlalchemy.orm import Session

from ..entities import Case, CaseTag, utcnow
from ..ids import valid_id
from .queue_filters import (  # noqa: F401 - the queue's public names
    CHOICES, DUE_SOON, FINISHED_STATUSES, MAX_SEARCH_LENGTH, OPEN_STATUSES, QueueFilter, QueueQueryError,
    filter_where,
)
from .queue_grid import GRID_COLUMNS, Plan, grid_order_by, grid_where  # noqa: F401
from .queue_search import search_condition, search_words  # noqa: F401

MAX_PAGE = 500
COUNT_TTL_SECONDS = 5.0
# Totals are counted up to here; past it the grid scrolls on without a known end
# until a page comes back short (the count stays an index walk of bounded length).
COUNT_CAP = 2_000
# Up to this many matches SQLite may start from a filter's index and sort them all (fast
# enough); with more, walking the sort's index finds one page sooner (see queue_page).
SORT_MATCHES_THRESHOLD = COUNT_CAP
POSTGRES_COUNT_ESTIMATE = 500  # PostgreSQL counts when the planner expects at most this many matches


@dataclass(frozen=True)
class QueuePage:
    rows: list[dict]
    total: int | None  # None: more than COUNT_CAP, the end is not known yet


def epoch_seconds(column, dialect: str):
    """A UTC timestamp column as whole seconds since 1970, computed by the database: the grid
    wants numbers, and converting 500 datetimes a page in Python costs more than the query."""
    if dialect == "postgresql":
        return cast(func.floor(extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


# Everything the grid shows lives on cases (copies kept by triggers): no joins. Times are
# epoch seconds (TIME_COLUMNS).
TEXT_COLUMNS = (
    Case.id, Case.number, Case.subject, Case.customer_name.label("customer"), Case.channel, Case.status,
    Case.type, Case.priority, Case.assignee_name.label("assignee"), Case.assignee_id,
    Case.order_number.label("order"), Case.tag_list, Case.last_message_preview,
)
TIME_COLUMNS = {"created": Case.created_at, "modified": Case.updated_at, "due": Case.due_at,
                "resolved_at": Case.resolved_at, "last_message": Case.last_message_at}


@lru_cache(maxsize=None)
def page_columns(dialect: str) -> tuple:
    """The page's columns, built once per dialect (a page request would otherwise rebuild five casts)."""
    return (*TEXT_COLUMNS, *(epoch_seconds(column, dialect).label(name) for name, column in TIME_COLUMNS.items()))


TAG_LIST_CUT = 200  # model.entities.cases.TAG_LIST_LENGTH: a list this long may be cut


def page_where(s: Session, flt: QueueFilter, *, user_id: int | None, filter_model=None,
               now: datetime | None = None, indexed: bool = True) -> list:
    """Every condition of the page: filter bar, its search, the grid's column filters.

    `indexed=False` (many matches): on SQLite the id and category tests in a
    form no index serves (`without_index`). PostgreSQL's planner weighs the
    LIMIT itself: its conditions stay as they are.
    """
    dialect = s.get_bind().dialect.name
    plan = Plan(dialect=dialect, indexed=indexed or dialect != "sqlite")
    where = [*filter_where(flt, user_id=user_id, now=now, indexed=plan.indexed), *grid_where(filter_model, plan)]
    if flt.search:
        where.append(search_condition(s, flt.search, indexed=indexed))
    return where


def queue_page(s: Session, flt: QueueFilter, *, user_id: int | None, start_row: int = 0, end_row: int = 100,
               sort_model=None, filter_model=None, now: datetime | None = None) -> QueuePage:
    """Rows `start_row`..`end_row` of the queue (dicts of the grid's columns, times in epoch
    seconds) and the total.

    The total is counted first (cheap: capped, estimated on PostgreSQL, cached):
    when many cases match, the page query walks the sort's index and tests each
    case (see page_where), which reaches a page of matches long before a sort of
    all of them would end.
    """
    if not isinstance(start_row, int) or not isinstance(end_row, int) or isinstance(start_row, bool) \
            or start_row < 0 or end_row <= start_row:
        raise QueueQueryError("Ask for a page of rows.")
    limit = min(end_row - start_row, MAX_PAGE)
    now = now or utcnow()
    order_by = grid_order_by(sort_model)
    where = page_where(s, flt, user_id=user_id, filter_model=filter_model, now=now)
    total = _cached_count(s, where, _count_key(s, flt, user_id, filter_model, now))
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite" and (total is None or total >= SORT_MATCHES_THRESHOLD):  # PostgreSQL: the same
        where = page_where(s, flt, user_id=user_id, filter_model=filter_model, now=now, indexed=False)
    statement = select(*page_columns(dialect)).where(*where).order_by(*order_by).offset(start_row).limit(limit)
    rows = [row._asdict() for row in s.connection().execute(statement)]  # Core rows: no ORM needed
    long_lists = [row["id"] for row in rows if row["tag_list"] and len(row["tag_list"]) >= TAG_LIST_CUT]
    more_tags = _tags_of(s, long_lists)
    now_seconds = int(now.timestamp())
    for row in rows:
        tag_list = row.pop("tag_list")
        row["tags"] = more_tags.get(row["id"]) or (tag_list.split(", ") if tag_list else [])
        row["sla_state"] = sla_state(row["status"], row["due"], row["resolved_at"], now_seconds)
    if total is None and len(rows) < limit and (rows or start_row == 0):
        total = start_row + len(rows)  # not counted: a short page is the last one, its end is the total
    return QueuePage(rows=rows, total=total)


def sla_state(status: str, due: int | None, resolved_at: int | None, now: int) -> str:
    """'breached', 'due_soon', 'ok', or '' when the case has no SLA (times in epoch seconds)."""
    if due is None:
        return ""
    if status in FINISHED_STATUSES:
        return "breached" if resolved_at is not None and resolved_at > due else "ok"
    if due < now:
        return "breached"
    return "due_soon" if due < now + DUE_SOON.total_seconds() else "ok"


def _tags_of(s: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if ids:
        for case_id, tag in s.connection().execute(
                select(CaseTag.case_id, CaseTag.tag).where(CaseTag.case_id.in_(ids))
                .order_by(CaseTag.case_id, CaseTag.tag)):
            found.setdefault(case_id, []).append(tag)
    return found


# --- the total: capped, and cached per filter for a few seconds (PITFALLS: COUNT cache) ----------
_count_cache: dict[tuple, tuple[float, int | None]] = {}
_count_lock = threading.Lock()
MAX_CACHED_COUNTS = 2000


def _count_key(s: Session, flt: QueueFilter, user_id, filter_model, now: datetime) -> tuple:
    personal = user_id if flt.assignee == "me" else None
    # SLA filters move with the clock: a new key each minute keeps them honest.
    minute = now.replace(second=0, microsecond=0) if flt.sla else None
    return (str(s.get_bind().url), flt, personal, json.dumps(filter_model or {}, sort_keys=True), minute)


def count_cases(s: Session, where: list) -> int | None:
    """How many cases match, or None when more than COUNT_CAP do.

    SQLite counts at most COUNT_CAP + 1 matches. On PostgreSQL such a LIMIT
    invites fast-start plans that walk a whole index for a rare match (150 ms
    for a subject filter), and counting a few thousand text matches means
    re-reading each row (90 ms): it asks the planner's estimate first and counts
    only when few cases are expected; otherwise the total stays unknown until a
    short page gives it (queue_page).
    """
    connection = s.connection()
    if connection.dialect.name == "postgresql":
        if _estimated_rows(connection, select(Case.id).where(*where)) > POSTGRES_COUNT_ESTIMATE:
            return None
        total = connection.scalar(select(func.count()).select_from(Case).where(*where))
    else:
        capped = select(Case.id).where(*where).limit(COUNT_CAP + 1).subquery()
        total = connection.scalar(select(func.count()).select_from(capped))
    return total if total <= COUNT_CAP else None


def _estimated_rows(connection, statement) -> float:
    """PostgreSQL's estimate of the rows a statement returns (EXPLAIN: planning only)."""
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return float(plan[0]["Plan"]["Plan Rows"])


def _cached_count(s: Session, where: list, key: tuple) -> int | None:
    clock = time.monotonic()
    with _count_lock:
        hit = _count_cache.get(key)
    if hit is not None and hit[0] > clock:
        return hit[1]
    total = count_cases(s, where)
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
    wanted = sorted({i for i in ids or () if valid_id(i) is not None})  # beyond 32 bits: no case
    if len(wanted) > limit:
        raise QueueQueryError(f"Select at most {limit} cases at once.")
    return list(s.scalars(select(Case.id).where(Case.id.in_(wanted)).order_by(Case.id))) if wanted else []
