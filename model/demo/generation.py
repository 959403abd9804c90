"""generate(): build the world, run the workers, load their chunks and the rollups into the target."""
from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from datetime import date, datetime, timedelta

from .chunks import TABLES, _Sink
from .common import ANCHOR, DAY, DemoError, _rng, _Table
from .plan_cases import _plan_cases
from .plan_orders import _first_products, _plan_customers, _plan_orders
from .postgres_loader import _PostgresLoader
from .rollups import _rollup_rows
from .sqlite_loader import _SqliteLoader
from .users import DEMO_USERS, _password_hashes
from .workers import _run_forked, _run_in_process, _tasks
from .world import _build_pools, _build_products, _World


def _build_world(seed: int, customers: int, orders: int, cases: int, backend: str,
                 anchor: datetime = ANCHOR) -> _World:
    world = _World(seed=seed, anchor=int(anchor.timestamp()), customers=customers, orders=orders,
                   cases=cases, backend=backend)
    world.first_names, world.last_names, world.streets = _build_pools(seed)
    world.products = _build_products()
    weights = [1 / (rank + 8) ** 0.9 for rank in range(len(world.products))]
    order = list(range(len(world.products)))
    _rng(0, "catalogue").shuffle(order)
    world.popular = _Table(zip(order, weights), size=16384)
    # Day strings cover customers created up to 6 years before the anchor.
    world.day0 = world.anchor // DAY - 6 * 366
    world.days = [(date(1970, 1, 1) + timedelta(days=world.day0 + k)).isoformat()
                  for k in range(6 * 366 + 400)]
    suffix = "+00:00" if backend == "postgresql" else ".000000"
    world.times = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(DAY)]
    _plan_customers(world)
    world.order_ts, world.order_cust = _plan_orders(world)
    world.first_products = _first_products(world)
    world.case_plans = _plan_cases(world, world.order_ts, world.order_cust)
    return world


def _check_empty(engine) -> None:
    from sqlalchemy import text

    with engine.connect() as connection:
        for table in ("users", "customers", "products", "order_summaries", "cases"):
            if connection.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first():
                raise DemoError(f"The database already has data (table {table} is not empty); "
                                "the demo generator writes into an empty database only.")


def _seed_rows(world: _World, hashes: dict[str, str]) -> _Sink:
    """Users and the product catalogue."""
    sink = _Sink()
    created = world.ts(world.anchor - 3 * 365 * DAY)
    for n, user in enumerate(DEMO_USERS, start=1):
        sink.add("users", (n, user["login"], user["display_name"], user["role"], hashes[user["password"]],
                           user["language"], user["time_zone"], 1, created))
    for n, (sku, name, category, prices, _) in enumerate(world.products, start=1):
        sink.add("products", (n, sku, name, category, prices[0] / 100))
    return sink


def generate(database_url: str | None = None, *, customers: int, orders: int, cases: int, seed: int = 1,
             progress: bool = False, anchor: datetime = ANCHOR, processes: bool | None = None) -> dict:
    """Fill an empty database with demo data; returns the rows written per table.

    `processes`: generate in two worker processes (default: when fork is available
    and the demo is big enough to pay for them). The rows are the same either way.
    """
    from tqdm import tqdm

    from .. import db, rollup_rebuild

    for what, value in (("customers", customers), ("orders", orders), ("cases", cases)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise DemoError(f"The number of {what} must be a whole number, 0 or more.")
    if customers == 0 and (orders or cases):
        raise DemoError("Orders and cases need at least one customer.")
    url = db.database_url(database_url)
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    engine = db.make_engine(url)
    directory = tempfile.mkdtemp(prefix="demo-chunks-")
    try:
        db.upgrade(engine=engine)
        _check_empty(engine)
        world = _build_world(seed, customers, orders, cases, backend, anchor)
        tasks = _tasks(world)
        if processes is None:
            processes = orders + customers + cases >= 20_000 and "fork" in multiprocessing.get_all_start_methods()
        loader = (_PostgresLoader if backend == "postgresql" else _SqliteLoader)(engine)
        totals = [0] * len(TABLES)
        bar = tqdm(total=customers + orders + cases, disable=not progress, file=sys.stderr, unit=" records",
                   unit_scale=True, desc="demo data", smoothing=0.05)
        stream = (_run_forked if processes else _run_in_process)(world, directory, tasks)
        try:
            path = os.path.join(directory, "seed.db")
            seed_rows = _seed_rows(world, _password_hashes(seed))
            seed_rows.write(path)
            _load(loader, path, seed_rows.counts, totals)
            waiting, next_index, partials = {}, 0, []
            for message in stream:
                if message[0] == "error":
                    raise DemoError("Generating demo data failed in a worker:\n" + message[1])
                if message[0] == "rollups":
                    partials.append(message[1])
                    continue
                waiting[message[1]] = message[2:]
                while next_index in waiting:       # load in task (= dependency) order
                    path, counts, units = waiting.pop(next_index)
                    _load(loader, path, counts, totals)
                    bar.update(units)
                    next_index += 1
            if next_index != len(tasks):
                raise DemoError("A demo data worker stopped before finishing its work.")
            rollups = _rollup_rows(world, partials)
            path = os.path.join(directory, "rollups.db")
            rollups.write(path)
            _load(loader, path, rollups.counts, totals)
            loader.finish()
            with engine.begin() as connection:      # the loader set the rollup triggers aside
                rollup_rebuild.rebuild_order_rollup_totals(connection)
                rollup_rebuild.rebuild_case_rollups(connection)
        finally:
            stream.close()              # stops the workers if something failed
            bar.close()
            loader.restore()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
        engine.dispose()
    return {name: count for (name, _, _), count in zip(TABLES, totals)}


def _load(loader, path: str, counts: list[int], totals: list[int]) -> None:
    loader.load(path, counts)
    os.remove(path)
    for i, count in enumerate(counts):
        totals[i] += count
