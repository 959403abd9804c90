"""Case lists: the small grid of newest open cases on the home page."""
from __future__ import annotations

import dash_ag_grid as dag

from .i18n import N_, _

STATUS_LABELS = {
    "new": N_("New"),
    "open": N_("Open"),
    "pending": N_("Pending"),
    "resolved": N_("Resolved"),
    "closed": N_("Closed"),
}
PRIORITY_LABELS = {
    "low": N_("Low"),
    "normal": N_("Normal"),
    "high": N_("High"),
    "urgent": N_("Urgent"),
}
COLUMNS = [
    ("number", N_("Number"), 120),
    ("subject", N_("Subject"), 320),
    ("status", N_("Status"), 110),
    ("priority", N_("Priority"), 110),
    ("assignee", N_("Assignee"), 160),
    ("created", N_("Created"), 150),
]


def case_row(*, number: str, subject: str, status: str, priority: str, assignee: str | None,
             created: str) -> dict:
    """One grid row with codes turned into labels for the reader."""
    return {
        "number": number,
        "subject": subject,
        "status": _(STATUS_LABELS.get(status, status)),
        "priority": _(PRIORITY_LABELS.get(priority, priority)),
        "assignee": assignee if assignee is not None else _("Unassigned"),
        "created": created,
    }


def make_case_grid(rows: list[dict], *, id: str) -> dag.AgGrid:  # noqa: A002
    """A client-side grid of at most a hundred cases; cells are plain text."""
    return dag.AgGrid(
        id=id,
        rowData=rows,
        columnDefs=[{"field": field, "headerName": _(header), "minWidth": width}
                    for field, header, width in COLUMNS],
        defaultColDef={"sortable": True, "resizable": True, "filter": True},
        getRowId="params.data.number",
        columnSize="responsiveSizeToFit",
        dashGridOptions={"domLayout": "autoHeight", "animateRows": False},
        style={"width": "100%"},
    )
