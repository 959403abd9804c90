"""Customer 360 and order summary speed: the pages' real callbacks, each beside the raw SQL it ran.

    python -m bench.customer_order --database-url URL [--samples 200] [--seed 1]
                                   [--login agent --password agent-demo]

Builds the app with `create_app` in this process, signs in through the login
form with Flask's test client and POSTs to /_dash-update-component what the
browser sends to open a page:

- customer 360 (`/customers/<id>`): the page router's callback (the whole
  layout: profile, KPIs, chart), then the first block of the order-history
  grid and of the case-history grid (AG Grid's getRowsRequest), as the browser
  asks for them right after; "full page" is the three together.
- order summary (`/orders/<number>`): the page router's callback (the whole
  page with the Actions panel).

Customers and orders are a random sample (fixed seed) of the database. For each
request it records the SQL statements the callback sent and replays them at
once on a raw DBAPI cursor (execute + fetchall), so each server time stands
beside the raw SQL time of its own queries in the same run; the ratio says what
the layers above SQL cost. Target: p95 of each full page ≤ 100 ms.

Server time is wall time inside the process (auth, Dash, the callback, JSON).
"cpu" is the CPU time the request thread spent: on a machine shared with other
work, wall time also counts the waits for a core, and the CPU time shows the
request's own cost. The load average before and after the run is printed.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from bench.run_all import Recorder, percentile  # noqa: E402
from model import db as model_db  # noqa: E402
from model.entities import Case, Customer, OrderSummary  # noqa: E402
from tests.load.dash_client import AppClient, route_body  # noqa: E402

TARGET_MS = 100.0
HISTORY_GRIDS = ("customer-orders-grid", "customer-cases-grid")
FIRST_BLOCK = {"startRow": 0, "endRow": 50, "sortModel": [], "filterModel": {}}
WARM_UP = 5
REQUESTS = ("360 layout", "360 orders grid", "360 cases grid", "360 full page", "order summary full page")


@dataclass
class Timings:
    """Server and raw SQL milliseconds of one kind of request (or of a whole page)."""

    name: str
    server_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def add(self, server: float, cpu: float, sql: float, statements: int, size: int) -> None:
        self.server_ms.append(server)
        self.cpu_ms.append(cpu)
        self.sql_ms.append(sql)
        self.statements.append(statements)
        self.sizes.append(size)

    def line(self) -> str:
        p50, p95 = statistics.median(self.server_ms), percentile(self.server_ms, 95)
        sql50, sql95 = statistics.median(self.sql_ms), percentile(self.sql_ms, 95)
        cpu50, cpu95 = statistics.median(self.cpu_ms), percentile(self.cpu_ms, 95)
        return (f"{self.name:26s} {len(self.server_ms):4d} {p50:7.1f} {p95:7.1f} {max(self.server_ms):7.1f} "
                f"{cpu50:7.1f} {cpu95:7.1f} {sql50:8.1f} {sql95:8.1f} {p50 / sql50 if sql50 else float('inf'):6.1f} "
                f"{statistics.mean(self.statements):6.1f} {statistics.mean(self.sizes) / 1024:7.1f}")


class Browser:
    """A signed-in person opening pages: each request timed (wall and CPU) and its SQL replayed raw."""

    def __init__(self, person: AppClient, recorder: Recorder):
        self.person, self.recorder = person, recorder

    def post(self, body: dict) -> tuple:
        """(response, server ms, server CPU ms, raw SQL ms, statements, bytes) of one callback request."""
        seen = {}

        def call():
            started, cpu_started = time.perf_counter(), time.thread_time()
            seen["answer"] = self.person.post(body)
            seen["server"] = (time.perf_counter() - started) * 1000
            seen["cpu"] = (time.thread_time() - cpu_started) * 1000

        statements = self.recorder.capture(call)
        answer = seen["answer"]
        if answer.status_code != 200:
            raise SystemExit(f"{body['output'][:60]}: HTTP {answer.status_code} {answer.get_data(as_text=True)[:300]}")
        data = answer.get_data()
        return (json.loads(data)["response"], seen["server"], seen["cpu"], self.recorder.replay_ms(statements),
                len(statements), len(data))

    def open_page(self, path: str) -> tuple:
        response, *measures = self.post(route_body(self.person.callbacks, path))
        return json.dumps(response["_pages_content"]["children"]), *measures

    def grid_block(self, grid: str, customer_id: int) -> tuple:
        callbacks = self.person.callbacks
        trigger = f"{grid}.getRowsRequest"
        body = callbacks.body(callbacks.find(trigger=trigger),
                              {trigger: FIRST_BLOCK, "customer-id.children": str(customer_id)}, changed=[trigger])
        return self.post(body)


def customer_page(browser: Browser, customer_id: int, timings: dict[str, Timings]) -> None:
    layout, *page = browser.open_page(f"/customers/{customer_id}")
    if '"customer-page"' not in layout:
        raise SystemExit(f"/customers/{customer_id} did not render the customer 360: {layout[:300]}")
    timings["360 layout"].add(*page)
    total = list(page)
    for grid in HISTORY_GRIDS:
        if f'"{grid}"' not in layout:  # no orders (or no cases): the page shows a sentence, no grid
            continue
        response, *block = browser.grid_block(grid, customer_id)
        if not response[grid]["getRowsResponse"]["rowData"]:
            raise SystemExit(f"{grid} of customer {customer_id} came back empty")
        timings[f"360 {grid.split('-')[1]} grid"].add(*block)
        total = [a + b for a, b in zip(total, block)]
    timings["360 full page"].add(*total)


def order_page(browser: Browser, number: str, timings: dict[str, Timings]) -> None:
    layout, *page = browser.open_page(f"/orders/{number}")
    if '"order-page"' not in layout:
        raise SystemExit(f"/orders/{number} did not render the order summary: {layout[:300]}")
    timings["order summary full page"].add(*page)


def sample(url: str, count: int, seed: int) -> tuple[list[int], list[str]]:
    """Random customers and order numbers of the database (the same for the same seed)."""
    with model_db.read_session(url) as s:
        customer_ids = s.scalars(select(Customer.id).order_by(Customer.id)).all()
        last_order = s.scalar(select(func.max(OrderSummary.id)))
        chosen = random.Random(seed).sample(range(1, last_order + 1), min(count, last_order))
        numbers = s.scalars(select(OrderSummary.number).where(OrderSummary.id.in_(chosen))).all()
    return random.Random(seed).sample(customer_ids, min(count, len(customer_ids))), numbers


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.customer_order", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--samples", type=int, default=200, help="customers and orders opened (each)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--login", default="agent")
    parser.add_argument("--password", default="agent-demo")
    args = parser.parse_args(argv)

    from app import create_app

    url = model_db.database_url(args.database_url)
    app = create_app(url, secret_key="bench-secret-key")
    browser = Browser(AppClient(app.server.test_client(), args.login, args.password),
                      Recorder(model_db.get_engine(url)))
    customers, orders = sample(url, args.samples + WARM_UP, args.seed)
    scratch = {name: Timings(name) for name in REQUESTS}
    for customer_id, number in zip(customers[:WARM_UP], orders[:WARM_UP]):  # untimed: caches, imports
        customer_page(browser, customer_id, scratch)
        order_page(browser, number, scratch)
    gc.collect()
    gc.freeze()  # as a production server does after start-up (PITFALLS: GC pauses)

    timings = {name: Timings(name) for name in REQUESTS}
    load_before = os.getloadavg()
    for customer_id, number in zip(customers[WARM_UP:], orders[WARM_UP:]):
        customer_page(browser, customer_id, timings)
        order_page(browser, number, timings)
    with model_db.read_session(url) as s:
        counts = [s.scalar(select(func.count()).select_from(entity)) for entity in (Customer, OrderSummary, Case)]
    print(f"{url.split('://')[0]}: {counts[0]:,} customers, {counts[1]:,} orders, {counts[2]:,} cases; "
          f"{len(customers) - WARM_UP} customers and {len(orders) - WARM_UP} orders sampled (seed {args.seed}); "
          f"times in ms")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in load_before)}, after: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"{'request':26s} {'n':>4s} {'p50':>7s} {'p95':>7s} {'max':>7s} {'cpu p50':>7s} {'cpu p95':>7s} "
          f"{'sql p50':>8s} {'sql p95':>8s} {'ratio':>6s} {'stmts':>6s} {'KB':>7s}")
    for measured in timings.values():
        if measured.server_ms:
            print(measured.line())
    pages = [timings["360 full page"], timings["order summary full page"]]
    misses = [page.name for page in pages if percentile(page.server_ms, 95) > TARGET_MS]
    print(f"target p95 ≤ {TARGET_MS:.0f} ms per full page: "
          + ("met" if not misses else f"missed by {', '.join(misses)}"))
    return 1 if misses else 0



if __name__ == "__main__":
    raise SystemExit(main())
