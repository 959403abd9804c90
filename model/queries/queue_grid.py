"""AG Grid's filter and sort models for the queue, mapped to SQL through an allow-list.

Grid columns go through `GRID_COLUMNS`, operators through the per-kind operator
maps, and every value is a bound parameter; anything else raises
`QueueQueryError`. Each column sorts on an indexed column of `cases` (ranks and
copies of other tables' values, migration 0003), so no sort needs a join.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Integer, and_, bindparam, not_, or_, select, text

from ..entities import Case, CaseTag, User
from .queue_filters import CHOICES, QueueQueryError, day_bounds, without_index

MAX_VALUE_LENGTH = 200
MAX_CONDITIONS = 2
MAX_SORTS = 3


@dataclass(frozen=True)
class GridColumn:
    """How one grid column sorts and filters. `kind` picks the operator map."""

    sort: object
    kind: str  # "text" | "code" | "choice" | "date" | "tags"
    target: object = None  # what filters test (defaults to `sort`)
    choices: tuple[str, ...] = field(default_factory=tuple)
    via: tuple | None = None  # (Case foreign key, entity id): test `target` on a small table, match by id
    trigram: str | None = None  # the column of SQLite's cases_fts_trigram that holds this text

    @property
    def tested(self):
        return self.sort if self.target is None else self.target


GRID_COLUMNS: dict[str, GridColumn] = {
    "number": GridColumn(Case.number, "code"),
    "subject": GridColumn(Case.subject, "text", trigram="subject"),
    "customer": GridColumn(Case.customer_name, "text", trigram="people"),  # people: name and emails
    "channel": GridColumn(Case.channel, "choice", choices=CHOICES["channel"]),
    "status": GridColumn(Case.status_rank, "choice", target=Case.status, choices=CHOICES["status"]),
    "type": GridColumn(Case.type, "choice", choices=CHOICES["type"]),
    "priority": GridColumn(Case.priority_rank, "choice", target=Case.priority, choices=CHOICES["priority"]),
    # A few dozen people: the name is tested on users, the cases found by the assignee index.
    "assignee": GridColumn(Case.assignee_name, "text", target=User.display_name, via=(Case.assignee_id, User.id)),
    "tags": GridColumn(Case.tag_list, "tags"),
    "order": GridColumn(Case.order_number, "code"),
    "created": GridColumn(Case.created_at, "date"),
    "modified": GridColumn(Case.updated_at, "date"),
    "due": GridColumn(Case.due_at, "date"),
    "last_message": GridColumn(Case.last_message_at, "date"),
}

def _literal(value: str) -> str:
    """A LIKE pattern matching exactly the value (escape character "/")."""
    return value.replace("/", "//").replace("%", "/%").replace("_", "/_")


# ILIKE (PostgreSQL) / lower() LIKE (SQLite): PostgreSQL's trigram indexes on the subject and
# the customer's name (migration 0003) serve every positive test, equality included.
TEXT_OPERATORS = {
    "contains": lambda col, v: col.icontains(v, autoescape=True),
    "notContains": lambda col, v: or_(col.is_(None), not_(col.icontains(v, autoescape=True))),
    "equals": lambda col, v: col.ilike(_literal(v), escape="/"),
    "notEqual": lambda col, v: or_(col.is_(None), not_(col.ilike(_literal(v), escape="/"))),
    "startsWith": lambda col, v: col.istartswith(v, autoescape=True),
    "endsWith": lambda col, v: col.iendswith(v, autoescape=True),
    "blank": lambda col, v: or_(col.is_(None), col == ""),
    "notBlank": lambda col, v: and_(col.is_not(None), col != ""),
}
# Case and order numbers are upper-case codes ("CS-00000042"): the value is upper-cased instead
# of the column lowered, so equality and prefixes can use the column's index.
CODE_OPERATORS = {
    **TEXT_OPERATORS,
    "equals": lambda col, v: col == v.upper(),
    "notEqual": lambda col, v: or_(col.is_(None), col != v.upper()),
    "startsWith": lambda col, v: and_(col >= v.upper(), col < v.upper() + "\U0010ffff",
                                      col.startswith(v.upper(), autoescape=True)),
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
POSITIVE_TEXT = ("contains", "equals", "startsWith", "endsWith")
NEGATIONS = {"notContains": "contains", "notEqual": "equals"}


@dataclass(frozen=True)
class Plan:
    """How the conditions are written for the database at hand."""

    dialect: str = "sqlite"
    indexed: bool = True  # False: id tests in without_index form (see queue_filters)

    def ids(self, column):
        return column if self.indexed else without_index(column)


def grid_where(filter_model: Mapping | None, plan: Plan = Plan()) -> list:
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
        conditions.append(_column_condition(column_id, column, model, plan))
    return conditions


def _column_condition(column_id: str, column: GridColumn, model: Mapping, plan: Plan):
    parts = model.get("conditions")
    if parts is None:
        return _one_condition(column_id, column, model, plan)
    operator = model.get("operator", "AND")
    if operator not in ("AND", "OR") or not isinstance(parts, list) or not 0 < len(parts) <= MAX_CONDITIONS:
        raise QueueQueryError(f"The filter on {column_id} is not understood.")
    built = [_one_condition(column_id, column, part if isinstance(part, Mapping) else {}, plan) for part in parts]
    return and_(*built) if operator == "AND" else or_(*built)


def _one_condition(column_id: str, column: GridColumn, model: Mapping, plan: Plan):
    operator = model.get("type")
    if column.kind == "date":
        return _date_condition(column_id, column, model, operator)
    operators = {"choice": CHOICE_OPERATORS, "code": CODE_OPERATORS}.get(column.kind, TEXT_OPERATORS)
    if operator not in operators:
        raise QueueQueryError(f"The filter {str(operator)[:30]!r} is not available on {column_id}.")
    value = _filter_value(column_id, model.get("filter")) if operator not in NO_VALUE else None
    if column.kind == "choice":
        value = value.lower()
        if value not in column.choices:
            raise QueueQueryError(f"{value[:40]!r} is not a {column_id}; choose from {', '.join(column.choices)}.")
        return operators[operator](column.tested, value)
    if column.kind == "tags":
        return _tags_condition(operator, value, plan)
    if column.via is not None:
        return _via_condition(column, operators[operator], operator, value, plan)
    condition = operators[operator](column.tested, value)
    if column.trigram and plan.dialect == "sqlite" and operator in POSITIVE_TEXT and len(value) >= 3:
        # The trigram index narrows the cases to those holding the text (any case, anywhere);
        # the LIKE above then keeps exactly the matches.
        found = text("SELECT rowid FROM cases_fts_trigram WHERE cases_fts_trigram MATCH :trigram_query")
        query = f'{column.trigram} : "{value.replace(chr(34), chr(34) * 2)}"'
        found = found.bindparams(bindparam("trigram_query", query, unique=True)).columns(id=Integer)
        condition = and_(plan.ids(Case.id).in_(found), condition)
    return condition


def _via_condition(column: GridColumn, test, operator: str, value: str | None, plan: Plan):
    """The cases whose row on the other table passes; a negation or "blank" also takes
    the cases with none (no assignee is blank, and not equal to anybody)."""
    foreign_key, entity_id = column.via
    if operator == "notBlank":
        return foreign_key.is_not(None)
    if operator == "blank":
        return foreign_key.is_(None)
    if operator in NEGATIONS:
        positive = TEXT_OPERATORS[NEGATIONS[operator]](column.tested, value)
        return or_(foreign_key.is_(None), foreign_key.not_in(select(entity_id).where(positive)))
    return plan.ids(foreign_key).in_(select(entity_id).where(test(column.tested, value)))


def _filter_value(column_id: str, value) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value).strip():
        raise QueueQueryError(f"Type something to filter {column_id} by.")
    value = str(value).strip()
    if len(value) > MAX_VALUE_LENGTH:
        raise QueueQueryError(f"A filter value is at most {MAX_VALUE_LENGTH} characters.")
    return value


def _date_condition(column_id: str, column: GridColumn, model: Mapping, operator):
    if operator not in DATE_OPERATORS:
        raise QueueQueryError(f"The date filter {str(operator)[:30]!r} is not available on {column_id}.")
    first = day_bounds(model.get("dateFrom"), column_id) if operator not in NO_VALUE else None
    last = day_bounds(model.get("dateTo") or model.get("dateFrom"), column_id) if operator == "inRange" else first
    return DATE_OPERATORS[operator](column.tested, first, last)


def _tags_condition(operator: str, value: str | None, plan: Plan):
    """Tests the case's tags one by one: "no tag contains x", not "some tag does not contain x"."""
    if operator in NO_VALUE:
        tagged = Case.id.in_(select(CaseTag.case_id))
        return not_(tagged) if operator == "blank" else tagged
    positive = NEGATIONS.get(operator, operator)
    # Tags are stored lower-case (model.actions.cases): equality can use the tag's index.
    test = (CaseTag.tag == value.lower()) if positive == "equals" else TEXT_OPERATORS[positive](CaseTag.tag, value)
    matching = plan.ids(Case.id).in_(select(CaseTag.case_id).where(test))
    return not_(matching) if operator in NEGATIONS else matching


def grid_order_by(sort_model) -> list:
    """ORDER BY for AG Grid's sortModel, newest first by default, always ending with the id."""
    if not sort_model:
        return [Case.created_at.desc(), Case.id.desc()]
    if not isinstance(sort_model, list) or len(sort_model) > MAX_SORTS:
        raise QueueQueryError("Sort by at most three columns.")
    order = []
    for item in sort_model:
        column = GRID_COLUMNS.get(item.get("colId")) if isinstance(item, Mapping) else None
        if column is None:
            named = item.get("colId") if isinstance(item, Mapping) else item
            raise QueueQueryError(f"The column {str(named)[:40]!r} cannot be sorted.")
        direction = item.get("sort")
        if direction not in ("asc", "desc"):
            raise QueueQueryError("Sort ascending or descending.")
        order.append(column.sort.asc() if direction == "asc" else column.sort.desc())
    last_direction = sort_model[-1]["sort"]
    order.append(Case.id.asc() if last_direction == "asc" else Case.id.desc())
    return order
