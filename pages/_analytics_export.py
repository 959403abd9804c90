"""Streaming CSV export of an analytics drilldown: GET /analytics/export.csv?…

`dcc.send_data_frame` builds the whole file in memory and base64-encodes it
(dash#1874), so large exports stream from this Flask route instead: rows
are read in batches (`yield_per`) and written as they come, on a read-only
session that takes no write lock. Same roles as the page; app.py's
`before_request` already refuses requests without a session.
"""
from __future__ import annotations

from urllib.parse import urlencode

import flask

from model.queries import analytics as queries

from pages._db import read_session
from pages._guard import current_user_record, has_role

EXPORT_PATH = "/analytics/export.csv"
ROLES = ("lead", "manager")
FILTER_KEYS = ("start", "end", "currency", "channel", "category", "reason", "granularity", "convert", "product")


def export_href(filters: queries.Filters, chart: str, kind: str | None) -> str:
    params = {"start": filters.start.isoformat(), "end": filters.end.isoformat(), "currency": filters.currency,
              "channel": filters.channel or "", "category": filters.category or "", "reason": filters.reason or "",
              "convert": "1" if filters.convert else "", "product": filters.product or "",
              "chart": chart, "kind": kind or ""}
    return f"{EXPORT_PATH}?{urlencode(params)}"


def _export():
    if not has_role(current_user_record(), *ROLES):
        flask.abort(403)
    args = flask.request.args
    try:
        filters = queries.parse_filters({key: args.get(key) for key in FILTER_KEYS})
    except ValueError as error:
        return str(error), 400, {"Content-Type": "text/plain; charset=utf-8"}
    chart, kind = args.get("chart", "refunds"), args.get("kind") or None
    if chart not in queries.DRILLDOWN_CHARTS or (kind is not None and kind not in queries.CHANGE_KINDS):
        return "Unknown chart.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    if filters.convert:  # a day without a rate is refused now, not halfway through the file
        try:
            with read_session() as s:
                queries.check_rates(s, filters, chart, kind)
        except queries.MissingRate as error:
            return str(error), 400, {"Content-Type": "text/plain; charset=utf-8"}

    def rows():
        with read_session() as s:
            yield from queries.drilldown_csv(s, filters, chart, kind=kind)

    name = f"{chart}-{filters.currency}-{filters.start}-{filters.end}.csv"
    return flask.Response(flask.stream_with_context(rows()), mimetype="text/csv",
                          headers={"Content-Disposition": f'attachment; filename="{name}"',
                                   "Cache-Control": "no-store"})


def register_export_route(server: flask.Flask) -> None:
    """Add the export route to `server` (once; call from create_app before the first request)."""
    if "analytics_export" not in server.view_functions:
        server.add_url_rule(EXPORT_PATH, "analytics_export", _export, methods=["GET"])
