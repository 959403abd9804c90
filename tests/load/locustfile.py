"""Locust load test: agents, leads and managers of Service Desk Ops, as a browser drives the app.

Run it through tests/load/run.py (starts gunicorn, runs locust headless, then
checks the database and memory); see README "Production" for the full command.
By hand against a running server:

    locust -f tests/load/locustfile.py --headless -u 50 -r 5 -t 10m --host http://127.0.0.1:8000

Every request is one the page itself makes: sign in, the page shell, Dash's
layout and dependencies, the pages router for each page opened, and each
callback through /_dash-update-component with the body dash-renderer builds
(tests/load/dash_client.py), starting from the values the layout holds.

- Agents (most users): queue pages through the grid's getRowsRequest (sorted,
  scrolled), the filter bar, open a case, reply, open an order, return an item
  (Actions panel: open the form, preview, confirm with an idempotency key).
- Leads: the queue header KPIs, bulk assign of unassigned cases.
- Managers: analytics (all charts for a period, another granularity, what-if).

Between steps each person thinks for THINK_MIN..THINK_MAX seconds. Requests are
named by what they do, so locust reports one line (and one p95) per kind.
A refusal the app explains (an item already returned by someone else) is a
correct answer and counted apart in `refusals`, not as a failure; a 5xx, a
malformed answer or an unexpected message is a failure.

Environment: LOAD_USERS (to size leads and managers), LOAD_RETURN_ORDERS (a JSON
file of order numbers with returnable units, written by run.py), LOAD_OUTCOMES
(where to write the refusal counts at the end).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import threading
from collections import Counter

from locust import FastHttpUser, between, events, task

try:
    from tests.load import dash_client as dc
except ImportError:  # run by `locust -f` from the project root without the package on the path
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from tests.load import dash_client as dc

THINK_MIN = float(os.environ.get("LOAD_THINK_MIN", "3"))
THINK_MAX = float(os.environ.get("LOAD_THINK_MAX", "10"))
USERS = int(os.environ.get("LOAD_USERS", "50"))
AGENT_LOGINS = [f"agent{n:02d}" for n in range(1, 21)] + ["agent", "tanaka", "garcia"]
AGENT_PASSWORDS = {"tanaka": "tanaka-demo", "garcia": "garcia-demo"}
GRID_SORTS = ([], [{"colId": "created", "sort": "desc"}], [{"colId": "priority", "sort": "desc"}],
              [{"colId": "due", "sort": "asc"}], [{"colId": "modified", "sort": "desc"}])
FILTERS = [("home-filter-priority.value", ["high", "urgent"]), ("home-filter-type.value", ["return"]),
           ("home-filter-channel.value", ["email"]), ("home-filter-assignee.value", "unassigned"),
           ("home-filter-status.value", ["new"]), ("home-filter-type.value", ["shipment", "claim"])]
REPLIES = ["Thanks for your patience, we are looking into this now.",
           "ご連絡ありがとうございます。確認してご連絡いたします。",
           "Gracias por escribirnos; ya estamos revisando su pedido.",
           "We have issued the refund; it shows on your statement in 3-5 days."]
PAGE_HEADERS = {"Accept-Encoding": "gzip"}

refusals: Counter = Counter()
_outcomes_lock = threading.Lock()
_return_pool: list[str] = []
_agent_numbers = itertools.count()


def _load_return_pool() -> None:
    path = os.environ.get("LOAD_RETURN_ORDERS")
    if path and os.path.exists(path):
        with open(path) as f:
            numbers = json.load(f)
        random.Random(1).shuffle(numbers)
        _return_pool[:] = numbers


@events.test_start.add_listener
def _on_start(environment, **_kwargs):
    _load_return_pool()


@events.test_stop.add_listener
def _on_stop(environment, **_kwargs):
    path = os.environ.get("LOAD_OUTCOMES")
    if path:
        with open(path, "w") as f:
            json.dump(dict(refusals), f, indent=2, sort_keys=True)


def note(kind: str) -> None:
    with _outcomes_lock:
        refusals[kind] += 1


class InvalidAnswer(Exception):
    """The server answered 200 with something the page could not use."""


class DashUser(FastHttpUser):
    """A person with a browser: signs in once, then moves around the app."""

    abstract = True
    wait_time = between(THINK_MIN, THINK_MAX)
    login = "agent"
    password = "agent-demo"

    def on_start(self):
        self.origin = self.host.rstrip("/")
        self.post_headers = {**PAGE_HEADERS, "Origin": self.origin, "Referer": self.origin + "/"}
        self.sign_in()
        self.open_app()

    # --- plumbing ------------------------------------------------------------------
    def sign_in(self):
        with self.client.get("/login", name="login form", headers=PAGE_HEADERS, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"login form {r.status_code}")
                raise InvalidAnswer("no login form")
            token = dc.csrf_token(r.text)
        form = {"login": self.login, "password": self.password, "csrf_token": token, "next": "/"}
        with self.client.post("/login", data=form, name="sign in", allow_redirects=False, catch_response=True,
                              headers={**self.post_headers, "Referer": self.origin + "/login"}) as r:
            if r.status_code not in (302, 303):
                r.failure(f"sign in as {self.login}: {r.status_code}")
                raise InvalidAnswer("not signed in")

    def open_app(self):
        """What the browser loads once: the shell, the layout, the callback graph."""
        self.get("/", "page shell")
        self.get("/_dash-layout", "_dash-layout")
        self.callbacks = dc.Callbacks(self.get("/_dash-dependencies", "_dash-dependencies").json())
        self.layout = None

    def get(self, path, name):
        with self.client.get(path, name=name, headers=PAGE_HEADERS, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{path}: {r.status_code}")
                raise InvalidAnswer(path)
            return r

    def call(self, name, body, *, expect=(), allow_no_update=False) -> dict:
        """POST one callback; the response's `response` dict ({} for "no update")."""
        with self.client.post("/_dash-update-component", json=body, name=name, headers=self.post_headers,
                              catch_response=True) as r:
            if r.status_code == 204 and allow_no_update:
                return {}
            if r.status_code != 200:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")
                raise InvalidAnswer(name)
            try:
                body_json = r.json()
                payload = body_json["response"]
            except (ValueError, KeyError, TypeError):
                r.failure("not a Dash callback response")
                raise InvalidAnswer(name) from None
            error_toast = (body_json.get("sideUpdate") or {}).get("app-error")
            if error_toast:  # the callback raised: app.callback_failed answered with an error toast
                r.failure(f"callback failed: {str(error_toast)[:200]}")
                raise InvalidAnswer(name)
            missing = [e for e in expect if e not in payload]
            if missing:
                r.failure(f"missing outputs {missing}")
                raise InvalidAnswer(name)
            return payload

    def go(self, path, name):
        """Move to `path` inside the app: the router answers with the page's layout."""
        payload = self.call(name, dc.route_body(self.callbacks, path), expect=("_pages_content",))
        self.layout = payload["_pages_content"]["children"]
        return self.layout

    def values_for(self, dep, overrides=None):
        """Each plain input and state of `dep` as the current layout holds it, then `overrides`."""
        return {**dc.layout_values(self.layout, dep), **(overrides or {})}

    def run_callback(self, name, *, output=None, trigger=None, overrides=None, changed=(), expect=(),
                     allow_no_update=False):
        dep = self.callbacks.find(output=output, trigger=trigger)
        changed = changed or ([trigger] if trigger else [])
        body = self.callbacks.body(dep, self.values_for(dep, overrides), changed=changed)
        return self.call(name, body, expect=expect, allow_no_update=allow_no_update)

    # --- the queue -----------------------------------------------------------------
    def open_queue(self):
        self.go("/", "open page: queue")
        self.run_callback("queue selection", trigger="home-selected.data", overrides={"home-selected.data": []})
        return self.grid_rows("queue rows", query="")

    def grid_rows(self, name, *, query, start=0, sort=None, expect_rows=False):
        request = {"startRow": start, "endRow": start + 100, "sortModel": sort or [], "filterModel": {}}
        payload = self.run_callback(name, output="home-grid.getRowsResponse",
                                    overrides={"home-grid.getRowsRequest": request, "home-filter.data": query},
                                    changed=["home-grid.getRowsRequest"], expect=("home-grid",))
        rows = payload["home-grid"]["getRowsResponse"]["rowData"]
        if expect_rows and not rows:
            note("queue page empty")
        return rows


class Agent(DashUser):
    """Works cases: queue, filters, case thread and reply, orders and returns."""

    weight = 40

    def on_start(self):
        n = next(_agent_numbers)
        self.login = AGENT_LOGINS[n % len(AGENT_LOGINS)]
        self.password = AGENT_PASSWORDS.get(self.login, "agent-demo")
        super().on_start()
        self.rows = self.open_queue()

    @task(4)
    def browse_queue(self):
        self.rows = self.open_queue() or self.rows
        sort = random.choice(GRID_SORTS)
        self.rows = self.grid_rows("queue rows (sorted)", query="", sort=sort) or self.rows
        self.grid_rows("queue rows (scrolled)", query="", start=100, sort=sort)

    @task(2)
    def filter_queue(self):
        if self.layout is None or dc.find_component(self.layout, "home-grid") is None:
            self.open_queue()
        control, value = random.choice(FILTERS)
        payload = self.run_callback("queue filter", output="home-filter.data", trigger=control,
                                    overrides={control: value}, changed=[control], allow_no_update=True)
        query = (payload.get("home-filter") or {}).get("data")
        if query is None:
            note("filter refused or unchanged")
            return
        rows = self.grid_rows("queue rows (filtered)", query=query)
        self.rows = rows or self.rows

    @task(3)
    def open_case_and_reply(self):
        case = self.pick_case()
        if case is None:
            return
        layout = self.go(f"/cases/{case['number']}", "open page: case")
        ref = dc.find_component(layout, "case-ref")
        if ref is None:
            note("case not found")
            return
        self.wait()  # reads the thread, types the answer
        payload = self.run_callback("case reply", trigger="case-send.n_clicks", overrides={
            "case-send.n_clicks": 1, "case-ref.data": ref["data"], "case-compose-kind.value": "reply",
            "case-compose-body.value": random.choice(REPLIES)}, expect=("case-toast",))
        if dc.toast_kind(payload["case-toast"]["children"]) != "success":
            note("reply refused")

    @task(2)
    def open_order(self):
        number = self.pick_order()
        if number:
            self.go(f"/orders/{number}", "open page: order")

    @task(1)
    def return_an_item(self):
        if not _return_pool:
            note("no returnable order left")
            return
        number = _return_pool.pop()
        layout = self.go(f"/orders/{number}", "open page: order")
        clicked = dc.open_action_overrides(layout, "return")
        if clicked is None:
            note("return not offered")
            return
        opened = self.run_callback("return: open form", output="order-action-request.data", overrides=clicked[0],
                                   changed=clicked[1], expect=("order-action-body", "order-action-request"))
        form = dc.action_form_values(layout, opened, choose_line=random.choice, choose_reason=random.choice)
        if form is None:
            note("return form without lines")
            return
        values, changed = form
        self.run_callback("return: preview", output="order-action-confirm.disabled", trigger=dc.QUANTITIES,
                          overrides=values, changed=changed, expect=("order-action-preview",))
        self.wait()  # reads the preview, then confirms
        done = self.run_callback("return: confirm", trigger="order-action-confirm.n_clicks",
                                 overrides={**values, "order-action-confirm.n_clicks": 1}, expect=("order-toast",))
        kind = dc.toast_kind(done["order-toast"]["children"])
        note({"success": "return refunded", "warning": "return waits for approval"}.get(kind, "return refused"))

    def pick_case(self):
        rows = [r for r in self.rows or [] if r.get("number")]
        return random.choice(rows) if rows else None

    def pick_order(self):
        linked = [r["order"] for r in self.rows or [] if r.get("order")]
        if linked:
            return random.choice(linked)
        return random.choice(_return_pool) if _return_pool else None


class Lead(DashUser):
    """Watches the queue header and assigns unassigned work in bulk."""

    weight = 6
    login, password = "lead", "lead-demo"

    def on_start(self):
        super().on_start()
        self.open_queue()
        self.people = self.assignees()

    def assignees(self):
        select = dc.find_component(self.layout, "home-bulk-assignee") or {}
        return [o["value"] for o in select.get("options", []) if o.get("value")]

    @task(3)
    def queue_header(self):
        self.open_queue()
        self.run_callback("lead: queue header", output="home-kpis.children", trigger="home-kpi-interval.n_intervals",
                          overrides={"home-kpi-interval.n_intervals": 1}, expect=("home-kpis",))

    @task(1)
    def bulk_assign(self):
        self.open_queue()
        rows = self.grid_rows("queue rows (filtered)", query="assignee=unassigned")
        if not rows or not self.people:
            note("nothing to assign")
            return
        chosen = random.sample(rows, k=min(len(rows), random.randint(2, 5)))
        selected = [{"id": r["id"], "number": r["number"], "status": r["status"], "assignee_id": r["assignee_id"]}
                    for r in chosen]
        payload = self.run_callback("lead: bulk assign", trigger="home-bulk-apply.n_clicks", overrides={
            "home-bulk-apply.n_clicks": 1, "home-selected.data": selected, "home-bulk-action.value": "assign",
            "home-bulk-assignee.value": random.choice(self.people)}, expect=("home-toast",))
        if dc.toast_kind(payload["home-toast"]["children"]) not in ("success", "warning"):
            note("bulk assign refused")


class Manager(DashUser):
    """Reads analytics: the summary and every chart for a period, other granularities, the what-if."""

    weight = 4
    login, password = "manager", "manager-demo"

    def charts(self, overrides=None, changed=("analytics-dates.start_date",)):
        """The summary callback, then each chart's own request (the browser sends them side by side)."""
        summary = self.run_callback("analytics: summary", output="analytics-kpis.children", overrides=overrides,
                                    changed=list(changed), expect=("analytics-filters",))
        filters = summary["analytics-filters"]["data"]
        if not filters:
            note("analytics filters refused")
            return
        for name in dc.chart_names(self.layout):
            self.call(f"analytics chart: {name}", dc.chart_body(self.callbacks, name, filters),
                      expect=(dc.stringify_id({"chart": name, "type": "analytics-graph"}),))

    @task(3)
    def analytics(self):
        self.go("/analytics", "open page: analytics")
        self.charts()
        self.run_callback("analytics: what-if", output="analytics-what-if.children",
                          changed=["analytics-currency.value"], expect=("analytics-what-if",))

    @task(1)
    def analytics_granularity(self):
        if self.layout is None or dc.find_component(self.layout, "analytics-granularity") is None:
            self.go("/analytics", "open page: analytics")
        self.charts(overrides={"analytics-granularity.value": random.choice(["week", "month"]),
                               "analytics-currency.value": random.choice(["USD", "EUR", "JPY"])},
                    changed=["analytics-granularity.value"])

    @task(1)
    def queue(self):
        self.open_queue()


def _sized_classes() -> None:
    # Leads and managers are a fixed share of the people (1 in 8 and 1 in 12), agents the rest.
    Manager.fixed_count = max(1, USERS // 12)
    Lead.fixed_count = max(1, USERS // 8)


_sized_classes()
