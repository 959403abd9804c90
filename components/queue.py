"""The queue grid (AG Grid, infinite row model) and its column definitions.

Rows travel as data: codes and ISO times, turned into labels and local times
in the browser with the translated label maps baked into the column defs, so a
page of 100 rows stays small and cheap to build on the server.
"""
from __future__ import annotations

import json
import unicodedata

import dash_ag_grid as dag

from .i18n import N_, _

STATUS_LABELS = {"new": N_("New"), "open": N_("Open"), "pending": N_("Pending"), "resolved": N_("Resolved"),
                 "closed": N_("Closed")}
PRIORITY_LABELS = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
TYPE_LABELS = {"payment": N_("Payment"), "claim": N_("Claim"), "shipment": N_("Shipment"),
               "return": N_("Return"), "cancellation": N_("Cancellation"), "other": N_("Other")}
CHANNEL_LABELS = {"email": N_("Email"), "phone": N_("Phone"), "chat": N_("Chat"), "web": N_("Web"),
                  "internal": N_("Internal")}
SLA_LABELS = {"breached": N_("Breached"), "due_soon": N_("Due within an hour"), "ok": N_("On time")}

# (field, header, width, filter kind, label map)
COLUMNS = [
    ("number", N_("Case"), 130, "text", None),
    ("subject", N_("Subject"), 280, "text", None),
    ("customer", N_("Customer"), 170, "text", None),
    ("channel", N_("Channel"), 110, None, CHANNEL_LABELS),
    ("status", N_("Status"), 110, None, STATUS_LABELS),
    ("type", N_("Type"), 120, None, TYPE_LABELS),
    ("priority", N_("Priority"), 110, None, PRIORITY_LABELS),
    ("assignee", N_("Assignee"), 150, "text", None),
    ("tags", N_("Tags"), 140, "text", None),
    ("order", N_("Order"), 130, "text", None),
    ("created", N_("Created"), 160, "date", None),
    ("modified", N_("Modified"), 160, "date", None),
    ("due", N_("SLA due"), 170, "date", None),
    ("last_message", N_("Last message"), 240, "date", None),
]
TEXT_FILTER_OPTIONS = ["contains", "notContains", "equals", "notEqual", "startsWith", "endsWith", "blank",
                       "notBlank"]
DATE_FILTER_OPTIONS = ["equals", "notEqual", "lessThan", "greaterThan", "inRange", "blank", "notBlank"]
LOCALES = {"en": "en-US", "es": "es-ES", "ja": "ja-JP"}
PAGE_SIZE = 100


def _labels(mapping: dict[str, str]) -> dict[str, str]:
    return {code: _(label) for code, label in mapping.items()}


def _time_formatter(language: str, time_zone: str) -> dict:
    options = json.dumps({"timeZone": time_zone, "dateStyle": "medium", "timeStyle": "short"})
    locale = json.dumps(LOCALES.get(language, "en-US"))
    # Times travel as epoch seconds (grid_row): a quarter of an ISO string's bytes.
    return {"function": f"params.value ? new Date(params.value * 1000).toLocaleString({locale}, {options}) : ''"}


def column_defs(*, language: str = "en", time_zone: str = "UTC") -> list[dict]:
    unassigned = json.dumps(_("Unassigned"))
    defs = []
    for field, header, width, filter_kind, labels in COLUMNS:
        column = {"field": field, "colId": field, "headerName": _(header), "minWidth": width, "sortable": True}
        if filter_kind == "text":
            column.update(filter="agTextColumnFilter",
                          filterParams={"filterOptions": TEXT_FILTER_OPTIONS, "maxNumConditions": 2,
                                        "debounceMs": 400})
        elif filter_kind == "date":
            column.update(filter="agDateColumnFilter",
                          filterParams={"filterOptions": DATE_FILTER_OPTIONS, "maxNumConditions": 2})
        else:
            column["filter"] = False  # the filter bar has these as choices
        if labels:
            column["valueFormatter"] = {"function": f"({json.dumps(_labels(labels))})[params.value] || params.value"}
        defs.append(column)
    by_field = {c["field"]: c for c in defs}
    by_field["number"].update(cellRenderer="CaseLink", pinned="left")
    by_field["assignee"]["valueFormatter"] = {"function": f"params.value || {unassigned}"}
    by_field["tags"]["valueFormatter"] = {"function": "(params.value || []).join(', ')"}
    for field in ("created", "modified", "due"):
        by_field[field]["valueFormatter"] = _time_formatter(language, time_zone)
    by_field["last_message"]["valueFormatter"] = {"function": (
        f"params.data && params.data.last_message ? ({_time_formatter(language, time_zone)['function']}) + "
        "' · ' + (params.data.preview || '') : ''")}
    sla = _labels(SLA_LABELS)
    by_field["due"]["cellClassRules"] = {
        "sla-breached": "params.data && params.data.sla_state === 'breached'",
        "sla-due-soon": "params.data && params.data.sla_state === 'due_soon'",
    }
    by_field["due"]["tooltipValueGetter"] = {"function": f"params.data ? ({json.dumps(sla)})[params.data.sla_state] : ''"}
    return defs


# What a cell can show of a text, in columns (a CJK character takes two): the grid gets
# no more than that, which keeps a page of 100 rows small whatever the language.
SUBJECT_COLUMNS = 120
PREVIEW_COLUMNS = 60
LEFT_OUT = ("resolved_at", "last_message_preview")


def clip(value: str | None, columns: int) -> str | None:
    """The text cut to `columns` display columns (East Asian wide characters count two), with …."""
    if not value or len(value) * 2 <= columns:
        return value
    if value.isascii():
        return value if len(value) <= columns else value[:columns - 1] + "…"
    used = 0
    for index, character in enumerate(value[:columns]):
        used += 2 if unicodedata.east_asian_width(character) in "WF" else 1
        if used > columns - 1 and index + 1 < len(value):
            return value[:index] + "…"
    return value if len(value) <= columns else value[:columns - 1] + "…"


def grid_row(row: dict) -> dict:
    """A query row as JSON for the grid (times already in epoch seconds): no nulls, long texts clipped,
    ids kept for actions (Take and the bulk bar read `id`, `assignee_id` and `status`)."""
    out = {}
    for key, value in row.items():
        if value is None or key in LEFT_OUT:
            continue
        out[key] = value
    out["subject"] = clip(row["subject"], SUBJECT_COLUMNS)
    if row.get("last_message_preview"):
        out["preview"] = clip(row["last_message_preview"], PREVIEW_COLUMNS)
    return out


def make_queue_grid(*, id: str, language: str = "en", time_zone: str = "UTC", selectable: bool = True) -> dag.AgGrid:  # noqa: A002
    """The server-side queue grid: the browser asks for blocks of PAGE_SIZE rows."""
    options = {
        "rowBuffer": 0,
        "cacheBlockSize": PAGE_SIZE,
        "maxBlocksInCache": 20,
        "infiniteInitialRowCount": 1,
        "animateRows": False,
        "suppressColumnVirtualisation": True,  # 14 columns: render them all, tests and readers see every cell
        "tooltipShowDelay": 300,
        "rowClassRules": {"queue-row-breached": "params.data && params.data.sla_state === 'breached'"},
    }
    if selectable:
        options["rowSelection"] = {"mode": "multiRow", "checkboxes": True, "headerCheckbox": False,
                                   "enableClickSelection": False}
    return dag.AgGrid(
        id=id,
        rowModelType="infinite",
        columnDefs=column_defs(language=language, time_zone=time_zone),
        defaultColDef={"resizable": True},
        getRowId="params.data.number",  # unique, and already a string as AG Grid wants
        # assets/dashAgGridFunctions.js: the selection goes to the home-selected store.
        eventListeners={"selectionChanged": ["queueSelectionChanged(params)"]} if selectable else None,
        dashGridOptions=options,
        style={"height": "65vh", "width": "100%"},
        className="ag-theme-alpine queue-grid",
    )
