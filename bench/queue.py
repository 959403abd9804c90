"""Queue grid speed: the grid's real callback requests against the running app, beside raw SQL.

    python -m bench.queue --database-url URL [--login agent --password agent-demo]
                          [--repeat 40] [--only sort] [--warm]

Builds the app with `create_app` in this process, signs in through the login
form with Flask's test client, reads the queue grid's callback from
/_dash-dependencies and POSTs to /_dash-update-component exactly what the
browser sends when AG Grid's infinite row model asks for rows (the
`getRowsRequest` input with startRow/endRow/sortModel/filterModel, and the
filter-bar store as state): one request per single filter-bar filter, grid
column filter, sort (both directions), and full-text search.

For each request it prints the server time p50/p95 (the whole request inside
Flask: auth, Dash, the callback, JSON), the response size (raw JSON, and
gzipped as wsgi.py sends it: the size the target is checked against), and the
time of the same SQL run straight on the driver (the statements the callback
issued, captured and replayed on a raw DBAPI cursor): the ratio server/SQL
says what the layers above SQL cost.

Counts are cached for a few seconds per filter; by default every timed
request starts with that cache empty (a cold count, the worst case), and
--warm leaves it as a scrolling grid would find it.
"""
from __future__ import annotations

import argparse
import gc
import gzip
import json
import re
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select  # noqa: E402

from model import db as model_db  # noqa: E402
from model.entities import Case, CaseTag, Customer, User  # noqa: E402
from model.queries import queue as queue_queries  # noqa: E402

GRID_OUTPUT = "home-grid.getRowsResponse"
TARGET_MS, SEARCH_TARGET_MS, TARGET_BYTES = 50.0, 150.0, 30_000


@dataclass
class Scenario:
    group: str  # "filter" | "column filter" | "sort" | "search" | "page"
    name: str
    query: str  # the filter bar's state (the URL query string)
    request: dict  # AG Grid's getRowsRequest
    server_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    size: int = 0
    gzip_size: int = 0
    rows: int = 0
    row_count: int | None = None

    @property
    def target_ms(self) -> float:
        return SEARCH_TARGET_MS if self.group == "search" else TARGET_MS


def rows_request(start=0, end=100, sort=None, filters=None) -> dict:
    return {"startRow": start, "endRow": end, "sortModel": sort or [], "filterModel": filters or {}}


def text_filter(kind: str, value: str | None = None) -> dict:
    return {"filterType": "text", "type": kind, **({"filter": value} if value is not None else {})}


def scenarios(url: str, user_id: int) -> list[Scenario]:
    """Requests built from what the database holds (a real tag, customer, order, words)."""
    with model_db.read_session(url) as s:
        tag = s.scalar(select(CaseTag.tag).group_by(CaseTag.tag).order_by(func.count().desc(), CaseTag.tag)
                       .limit(1))
        sample = s.execute(select(Case.number, Case.created_at, Customer.name, Case.order_id, Case.assignee_id)
                           .join(Customer, Customer.id == Case.customer_id)
                           .where(Case.order_id.is_not(None), Case.assignee_id.is_not(None))
                           .order_by(Case.id.desc()).limit(1)).one()
        order_number = f"SO-{sample.order_id:08d}"
        person = s.scalar(select(User.display_name).where(User.id == sample.assignee_id))
    day = sample.created_at.date()
    every = "status=all"
    found: list[Scenario] = []

    def add(group, name, query, request):
        found.append(Scenario(group, name, query, request))

    add("filter", "default (open, newest first)", "", rows_request())
    for query in ("status=resolved", "status=new", "type=claim", "priority=urgent", "channel=chat",
                  "assignee=me", "assignee=unassigned", f"assignee={sample.assignee_id}", f"tag={tag}",
                  "sla=breached", "sla=due_1h", f"from={day.replace(day=1).isoformat()}&to={day.isoformat()}"):
        add("filter", query, f"{every}&{query}" if not query.startswith("status=") else query, rows_request())
    columns = {
        "number": text_filter("startsWith", sample.number[:-2]),
        "subject": text_filter("contains", "refund"),
        "customer": text_filter("startsWith", sample.name.split()[0]),
        "assignee": text_filter("equals", person),
        "tags": text_filter("equals", tag),
        "order": text_filter("equals", order_number),
        "created": {"filterType": "date", "type": "equals", "dateFrom": f"{day.isoformat()} 00:00:00"},
        "due": {"filterType": "date", "type": "lessThan", "dateFrom": f"{day.isoformat()} 00:00:00"},
    }
    for column, model in columns.items():
        add("column filter", f"{column} {model['type']}", every, rows_request(filters={column: model}))
    for column in queue_queries.GRID_COLUMNS:
        for direction in ("asc", "desc"):
            add("sort", f"{column} {direction}", every, rows_request(sort=[{"colId": column, "sort": direction}]))
    for column in ("priority", "customer", "assignee", "tags"):
        add("sort", f"open cases by {column} desc", "",
            rows_request(sort=[{"colId": column, "sort": "desc"}]))
    for words in ("refund", "damaged box", "返品", "届きません", "pedido", sample.number, order_number,
                  sample.name):
        add("search", words, f"{every}&q={words}", rows_request())
    add("page", "rows 5000-5100, newest first", every, rows_request(5000, 5100))
    add("page", "rows 5000-5100 by customer", every,
        rows_request(5000, 5100, sort=[{"colId": "customer", "sort": "asc"}]))
    return found


class SqlRecorder:
    """The statements the callback sends to the database, to replay them raw."""

    def __init__(self, engine):
        self.engine = engine
        self.on = False
        self.statements: list[tuple[str, object]] = []
        self.thread = threading.get_ident()
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _executemany):
        if self.on and threading.get_ident() == self.thread and "cases" in statement:
            self.statements.append((statement, parameters))

    def replay_ms(self, statements) -> float:
        return replay_ms(self.engine, statements)


def replay_ms(engine, statements) -> float:
    """Milliseconds to run `statements` on a raw DBAPI connection (execute, then fetch every row)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            if cursor.description is not None:
                cursor.fetchall()
        elapsed = (time.perf_counter() - started) * 1000
        cursor.close()
        raw.rollback()
    finally:
        raw.close()
    return elapsed


def sign_in(client, login: str, password: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = client.post("/login", data={"login": login, "password": password, "csrf_token": token, "next": "/"})
    if answer.status_code != 302:
        raise SystemExit(f"could not sign in as {login!r} (HTTP {answer.status_code})")


def grid_callback(client) -> dict:
    dependencies = client.get("/_dash-dependencies").get_json()
    for dependency in dependencies:
        if GRID_OUTPUT in dependency["output"]:
            return dependency
    raise SystemExit("the queue grid's callback is not registered")


def payload(dependency: dict, scenario: Scenario) -> dict:
    """The body Dash's renderer POSTs when the grid asks for rows."""
    outputs = []
    for part in dependency["output"].strip(".").split("..."):
        component, _, prop = part.rpartition(".")
        outputs.append({"id": component, "property": prop})
    state = [{"id": s["id"], "property": s["property"],
              "value": scenario.query if s["id"] == "home-filter" else None} for s in dependency["state"]]
    return {
        "output": dependency["output"],
        "outputs": outputs,
        "inputs": [{"id": "home-grid", "property": "getRowsRequest", "value": scenario.request}],
        "changedPropIds": ["home-grid.getRowsRequest"],
        "state": state,
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(share * (len(ordered) - 1)))))]


def run(scenario: Scenario, client, dependency, recorder: SqlRecorder, *, repeat: int, warm: bool) -> None:
    body = json.dumps(payload(dependency, scenario))
    headers = {"Content-Type": "application/json"}
    for attempt in range(repeat + 2):  # two untimed warm-ups
        if not warm:
            queue_queries.forget_counts()
        recorder.statements, recorder.on = [], True
        started = time.perf_counter()
        answer = client.post("/_dash-update-component", data=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        recorder.on = False
        if answer.status_code != 200:
            raise SystemExit(f"{scenario.name}: HTTP {answer.status_code} {answer.get_data(as_text=True)[:300]}")
        if attempt < 2:
            data = answer.get_data()
            response = json.loads(data)["response"]["home-grid"]["getRowsResponse"]
            scenario.size, scenario.gzip_size = len(data), len(gzip.compress(data, 6))
            scenario.rows, scenario.row_count = len(response["rowData"]), response.get("rowCount")
            if "home-grid-error" in data.decode():
                raise SystemExit(f"{scenario.name}: the grid refused the request: {data[:300]!r}")
            continue
        statements = recorder.statements
        scenario.server_ms.append(elapsed)
        if not warm:
            queue_queries.forget_counts()
        scenario.sql_ms.append(recorder.replay_ms(statements))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--login", default="agent")
    parser.add_argument("--password", default="agent-demo")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--only", help="run the scenarios whose group or name contains this text")
    parser.add_argument("--warm", action="store_true", help="keep cached counts between requests")
    args = parser.parse_args(argv)

    from app import create_app

    url = model_db.database_url(args.database_url)
    app = create_app(url, secret_key="bench-secret-key")
    gc.collect()
    gc.freeze()  # as a production server does after start-up (PITFALLS: GC pauses)
    client = app.server.test_client()
    sign_in(client, args.login, args.password)
    dependency = grid_callback(client)
    recorder = SqlRecorder(model_db.get_engine(url))
    with model_db.read_session(url) as s:
        user_id = s.scalar(select(User.id).where(User.login == args.login))
        total = s.scalar(select(func.count()).select_from(Case))
    chosen = [sc for sc in scenarios(url, user_id)
              if not args.only or args.only in sc.group or args.only in sc.name]
    print(f"{url.split('://')[0]}: {total:,} cases; {args.repeat} timed requests each, "
          f"{'warm' if args.warm else 'cold'} counts; times in ms, sizes in bytes")
    print(f"{'request':44s} {'rows':>5s} {'total':>8s} {'p50':>7s} {'p95':>7s} {'sql p50':>8s} {'ratio':>6s} "
          f"{'bytes':>7s} {'gzip':>6s}  ok")
    failures = 0
    for scenario in chosen:
        run(scenario, client, dependency, recorder, repeat=args.repeat, warm=args.warm)
        p50, p95 = statistics.median(scenario.server_ms), percentile(scenario.server_ms, 0.95)
        sql = statistics.median(scenario.sql_ms)
        ok = p95 <= scenario.target_ms and scenario.gzip_size <= TARGET_BYTES
        failures += not ok
        count = "?" if scenario.row_count is None else f"{scenario.row_count:,}"
        print(f"{(scenario.group + ': ' + scenario.name)[:44]:44s} {scenario.rows:5d} {count:>8s} {p50:7.1f} "
              f"{p95:7.1f} {sql:8.1f} {p50 / sql if sql else float('inf'):6.1f} {scenario.size:7,d} "
              f"{scenario.gzip_size:6,d}  {'yes' if ok else 'NO'}")
    worst = max(chosen, key=lambda sc: percentile(sc.server_ms, 0.95))
    print(f"{len(chosen) - failures}/{len(chosen)} within target (p95 ≤ {TARGET_MS:.0f} ms, search ≤ "
          f"{SEARCH_TARGET_MS:.0f} ms, ≤ {TARGET_BYTES:,} bytes as sent gzipped); slowest p95: {worst.group}: "
          f"{worst.name} {percentile(worst.server_ms, 0.95):.1f} ms; largest response "
          f"{max(sc.size for sc in chosen):,} bytes ({max(sc.gzip_size for sc in chosen):,} gzipped)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
