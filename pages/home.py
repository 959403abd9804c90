"""Queue (home): the newest open cases.

A small first version; the full server-side queue (filters, saved views,
Take, bulk actions) replaces it later.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dash
from dash import html
from sqlalchemy import select

from components.feedback import make_empty_state
from components.i18n import N_, _
from components.queue import case_row, make_case_grid
from model.entities import Case, CaseStatus, User

from pages._db import read_session
from pages._guard import current_user_record

dash.register_page(__name__, path="/", name=N_("Queue"), title="Queue · Service Desk Ops", order=0, nav=True)

OPEN_STATUSES = (CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING)
MAX_ROWS = 100


def layout(**_query):
    user = current_user_record()
    if user is None:  # the server refuses Dash requests without a session; belt and braces
        return html.Div()
    rows = newest_open_cases(time_zone=user.time_zone)
    body = (make_case_grid(rows, id="home-grid") if rows
            else make_empty_state(_("No open cases"), id="home-empty",
                                  hint=_("New cases show up here as soon as they arrive.")))
    return html.Div([html.H1(_("Open cases"), className="h4 mb-3", id="home-title"), body], id="home-page")


def newest_open_cases(*, time_zone: str = "UTC", limit: int = MAX_ROWS) -> list[dict]:
    """The newest open cases as grid rows, with times in the reader's time zone."""
    statement = (
        select(Case.number, Case.subject, Case.status, Case.priority,
               User.display_name.label("assignee"), Case.created_at)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.status.in_(OPEN_STATUSES))
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    zone = _zone(time_zone)
    with read_session() as s:
        return [case_row(number=r.number, subject=r.subject, status=r.status, priority=r.priority,
                         assignee=r.assignee, created=_local_time(r.created_at, zone))
                for r in s.execute(statement)]


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_time(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
