"""Every benchmark in bench/ on one database, written to bench/REPORT.md with each figure beside its baseline.

    python -m bench.run_all --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load_1m
    python -m bench.run_all --database-url URL --quick --only framework,cache --report /tmp/r.md

1. Each bench/<name>.py (found by listing the folder) runs as
   `python -m bench.<name> --database-url URL …`; its own table, which sets
   each figure beside its baseline (raw SQL, raw inserts, facts vs rollups),
   goes into the report as it printed it. demo_scale generates a fresh
   database of its own (--demo-orders) rather than reading this one.
2. Framework overhead, measured here: on the production app (wsgi.py, cache
   off) a trivial callback is registered (one Input, one Output, returns its
   value) and timed beside the queue grid's real paging request and the raw SQL
   that request ran (captured and replayed on a DBAPI cursor). Target: queue
   paging ≤ 3× the trivial callback.
3. Callback survey: server time of each page's main requests as a browser
   makes them; the slowest is profiled with pyinstrument and the profile's
   heaviest frames go into the report.
4. The last load test (bench/LOAD.md, written by `python -m tests.load.run
   --report bench/LOAD.md`) is included when present.

The database must have the demo users (model.demo). Nothing here writes to it
except bench/actions, which works on a copy.
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.load.dash_client import AppClient, chart_body, chart_names, try_again_message  # noqa: E402

BENCH = ROOT / "bench"
SKIP = {"run_all", "__init__"}
QUICK_ARGS = {"actions": ["--samples", "20"], "analytics": ["--repeat", "5"], "queue": ["--repeat", "5"],
              "customer_order": ["--samples", "20"], "cache": ["--repeat", "5"]}
FULL_ARGS = {"actions": ["--samples", "100"], "analytics": ["--repeat", "10"], "queue": ["--repeat", "20"],
             "customer_order": ["--samples", "100"], "cache": ["--repeat", "10"]}
TRIVIAL_OUT, TRIVIAL_IN = "bench-trivial-out", "bench-trivial-in"
PROFILE_LINES = 45
TRANSACTION_WORDS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def benches() -> list[str]:
    return sorted(p.stem for p in BENCH.glob("*.py") if p.stem not in SKIP and not p.stem.startswith("_"))


# --- 1. the benches' own reports ------------------------------------------------------------------
def run_bench(name: str, url: str, *, quick: bool, demo_orders: int) -> tuple[str, str, float, int]:
    """(command, output, seconds, exit code) of one bench."""
    if name == "demo_scale":
        args = ["--orders", str(demo_orders), "--cases", str(demo_orders // 5),
                "--customers", str(max(50, demo_orders * 3 // 10)), "--quiet"]
    else:
        args = ["--database-url", url, *(QUICK_ARGS if quick else FULL_ARGS).get(name, [])]
    command = [sys.executable, "-m", f"bench.{name}", *args]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=3 * 3600)
    output = done.stdout + (f"\n[stderr]\n{done.stderr[-3000:]}" if done.returncode else "")
    shown = " ".join(["python -m", f"bench.{name}", *args])
    return shown, output.strip(), time.perf_counter() - started, done.returncode


# --- 2 and 3: on the production app, in this process ----------------------------------------------
class Recorder:
    """The SQL statements the app sends while `recording` is on (to replay them raw)."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.recording, self.statements = engine, False, []
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many):
        # Transaction control is the driver's business: replay the queries themselves.
        if self.recording and not statement.lstrip().upper().startswith(TRANSACTION_WORDS):
            self.statements.append((statement, parameters))

    def capture(self, call):
        self.statements, self.recording = [], True
        try:
            call()
        finally:
            self.recording = False
        return list(self.statements)

    def replay_ms(self, statements) -> float:
        from bench.queue import replay_ms

        return replay_ms(self.engine, statements)


def build(url: str):
    from dash import Input, Output

    import wsgi

    app = wsgi.production_app(url, secret_key=os.environ.get("SECRET_KEY", "bench-run-all"), redis_url="none")
    app.callback(Output(TRIVIAL_OUT, "children"), Input(TRIVIAL_IN, "value"))(lambda value: value)
    return app


def timed_ms(client: AppClient, body: dict, repeat: int, cpu: list | None = None) -> list[float]:
    """Wall milliseconds of `repeat` requests; their CPU milliseconds (this thread) go to `cpu`.

    Wall time counts waits for a core when the machine is busy; CPU time is the request's own cost.
    """
    times = []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.thread_time()
        answer = client.post(body)
        times.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.thread_time() - started_cpu) * 1000)
        if answer.status_code not in (200, 204) or (answer.status_code == 200 and try_again_message(answer)):
            raise RuntimeError(f"{body['output'][:60]}: {answer.status_code} {answer.get_data(as_text=True)[:200]}")
    return times


def grid_body(client: AppClient, start: int = 0, sort=None) -> dict:
    client.go("/")
    request = {"startRow": start, "endRow": start + 100, "sortModel": sort or [], "filterModel": {}}
    return client.body(output="home-grid.getRowsResponse", changed=["home-grid.getRowsRequest"],
                       overrides={"home-grid.getRowsRequest": request})


def framework_overhead(app, url: str, repeat: int) -> list[dict]:
    from model import db as model_db

    agent = AppClient(app.server.test_client(), "agent", "agent-demo")
    trivial = agent.callbacks.body(agent.callbacks.find(output=f"{TRIVIAL_OUT}.children"),
                                   {f"{TRIVIAL_IN}.value": "ping"}, changed=[f"{TRIVIAL_IN}.value"])
    recorder = Recorder(model_db.get_engine(url))
    rows = []
    for name, body in (("trivial callback (auth + Dash, no query)", trivial),
                       ("queue paging: first 100 rows", grid_body(agent)),
                       ("queue paging: rows 100–200, newest first",
                        grid_body(agent, 100, [{"colId": "created", "sort": "desc"}]))):
        timed_ms(agent, body, 2)  # warm: plans, caches of this process
        cpu = []
        times = timed_ms(agent, body, repeat, cpu)
        statements = recorder.capture(lambda: agent.post(body))
        sql = [recorder.replay_ms(statements) for _ in range(repeat)] if statements else [0.0]
        rows.append({"name": name, "p50": statistics.median(times), "p95": percentile(times, 95),
                     "cpu": statistics.median(cpu), "sql": statistics.median(sql), "statements": len(statements)})
    return rows


def survey_requests(app) -> dict[str, tuple[AppClient, dict]]:
    from tests.load.dash_client import route_body

    agent = AppClient(app.server.test_client(), "agent", "agent-demo")
    lead = AppClient(app.server.test_client(), "lead", "lead-demo")
    manager = AppClient(app.server.test_client(), "manager", "manager-demo")
    rows = agent.call(grid_body(agent))["home-grid"]["getRowsResponse"]["rowData"]
    case = next((r for r in rows if r.get("number")), None)
    order = next((r["order"] for r in rows if r.get("order")), None)
    requests = {"open page: queue": (agent, route_body(agent.callbacks, "/")),
                "queue rows (first page)": (agent, grid_body(agent))}
    if case:
        requests["open page: case"] = (agent, route_body(agent.callbacks, f"/cases/{case['number']}"))
        if case.get("customer_id"):
            requests["open page: customer"] = (agent, route_body(agent.callbacks,
                                                                 f"/customers/{case['customer_id']}"))
    if order:
        requests["open page: order"] = (agent, route_body(agent.callbacks, f"/orders/{order}"))
    lead.go("/")
    requests["lead: queue header"] = (lead, lead.body(output="home-kpis.children",
                                                      trigger="home-kpi-interval.n_intervals",
                                                      overrides={"home-kpi-interval.n_intervals": 1}))
    layout = manager.go("/analytics")
    requests["open page: analytics"] = (manager, route_body(manager.callbacks, "/analytics"))
    summary = manager.body(output="analytics-kpis.children", changed=["analytics-dates.start_date"])
    requests["analytics: summary (30 days)"] = (manager, summary)
    filters = manager.call(summary)["analytics-filters"]["data"]
    for name in chart_names(layout):
        requests[f"analytics chart: {name} (30 days)"] = (manager, chart_body(manager.callbacks, name, filters))
    requests["analytics: what-if"] = (manager, manager.body(output="analytics-what-if.children",
                                                            changed=["analytics-currency.value"]))
    return requests


def survey(app, repeat: int) -> tuple[list[dict], str, str]:
    """Server time of each request; the slowest one's name and its pyinstrument profile."""
    from pyinstrument import Profiler

    rows = []
    requests = survey_requests(app)
    for name, (client, body) in requests.items():
        cpu = []
        try:
            timed_ms(client, body, 1)
            times = timed_ms(client, body, repeat, cpu)
        except RuntimeError as error:  # one broken request is a finding, not the end of the report
            rows.append({"name": name, "error": str(error).split(": ", 1)[-1][:160]})
            continue
        rows.append({"name": name, "p50": statistics.median(times), "p95": percentile(times, 95),
                     "cpu": statistics.median(cpu)})
    slowest = max((row for row in rows if "error" not in row), key=lambda row: row["p50"])["name"]
    client, body = requests[slowest]
    profiler = Profiler(interval=0.001)
    profiler.start()
    for _ in range(3):
        client.post(body)
    profiler.stop()
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    return rows, slowest, "\n".join(text.splitlines()[:PROFILE_LINES])


# --- the report ---------------------------------------------------------------------------------
def report(url: str, sections: list[str], *, started: datetime, load_before, load_after) -> str:
    database = url.split("://")[0] + " " + url.rsplit("/", 1)[-1]
    head = [f"# Benchmark report ({database})", "",
            f"Run {started:%Y-%m-%d %H:%M} UTC on {os.cpu_count()} cores ({platform.python_implementation()} "
            f"{platform.python_version()}); load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
            "(other work on the machine lengthens wall times). Written by `python -m bench.run_all "
            "--database-url …`; every figure is measured by the command shown beside it.", ""]
    return "\n".join(head + sections) + "\n"


def framework_section(rows: list[dict]) -> str:
    trivial = rows[0]["p50"]
    lines = ["## Framework overhead: queue paging beside a trivial callback and its raw SQL", "",
             "Production app (wsgi.py, cache off), Flask test client, server time in ms; raw SQL = the statements "
             "the request sent, replayed on a DBAPI cursor.", "",
             "| request | p50 | p95 | CPU p50 | raw SQL p50 | statements | × trivial (target ≤ 3×) | × raw SQL |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for index, row in enumerate(rows):
        sql = f"{row['sql']:.1f}" if row["statements"] else "—"
        over_sql = f"{row['p50'] / row['sql']:.1f}×" if index and row["sql"] else "—"
        lines.append(f"| {row['name']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['cpu']:.1f} | {sql} | "
                     f"{row['statements']} | {row['p50'] / trivial:.1f}× | {over_sql} |")
    return "\n".join(lines) + "\n"


def survey_section(rows: list[dict], slowest: str, profile: str) -> str:
    lines = ["## Callback survey and the slowest callback's profile", "",
             "Server time in ms of each request a page makes when opened (production app, cache off); CPU = the "
             "request thread's own CPU time.", "",
             "| request | p50 | p95 | CPU p50 |", "|---|---:|---:|---:|"]
    lines += [f"| {row['name']} | failed: {row['error']} | | |" if "error" in row else
              f"| {row['name']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['cpu']:.1f} |" for row in rows]
    lines += ["", f"Slowest: **{slowest}**. pyinstrument, 3 requests (heaviest frames):", "", "```", profile, "```"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--report", type=Path, default=BENCH / "REPORT.md")
    parser.add_argument("--quick", action="store_true", help="few repetitions (a smoke run)")
    parser.add_argument("--only", help="comma-separated: bench names, 'framework', 'survey'")
    parser.add_argument("--demo-orders", type=int, default=100_000, help="size of demo_scale's own database")
    args = parser.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    started, load_before = datetime.now(timezone.utc), os.getloadavg()
    repeat = 5 if args.quick else 30
    sections = []

    if wanted is None or wanted & {"framework", "survey"}:
        app = build(args.database_url)
        if wanted is None or "framework" in wanted:
            print("framework overhead …", flush=True)
            sections.append(framework_section(framework_overhead(app, args.database_url, repeat)))
        if wanted is None or "survey" in wanted:
            print("callback survey …", flush=True)
            sections.append(survey_section(*survey(app, repeat)))
        from model import db as model_db

        model_db.dispose_all()

    for name in benches():
        if wanted is not None and name not in wanted:
            continue
        print(f"bench.{name} …", flush=True)
        command, output, seconds, code = run_bench(name, args.database_url, quick=args.quick,
                                                   demo_orders=args.demo_orders)
        status = "" if code == 0 else f" — **exit code {code}** (a bench exits 1 when a target of its own is missed)"
        sections.append(f"## bench.{name}\n\n`{command}` ({seconds:.0f} s){status}\n\n{output}\n")

    load_report = BENCH / "LOAD.md"
    if (wanted is None or "load" in wanted) and load_report.exists():
        sections.append(load_report.read_text())
    text = report(args.database_url, sections, started=started, load_before=load_before,
                  load_after=os.getloadavg())
    args.report.write_text(text)
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
