"""Tasks, the offset chain and the worker processes.

How it runs: the main process plans (customers' sign-ups, every order's time
and customer, every case) and forks two workers. The work is a list of chunk
tasks (customers, orders, cases) that both workers take in turn; a chunk is
simulated with ids numbered from 1, then offset by the rows of all earlier
chunks (`_Chain`), and written to a small SQLite file. The main process copies
the files into the target in task order (dependency order): `INSERT … SELECT`
on SQLite, COPY on PostgreSQL. Every chunk has its own random stream, so the
rows do not depend on which worker made them.
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from dataclasses import dataclass

from .cases import _CaseWriter
from .chunks import _NULL_POSITIONS, _Sink
from .common import DemoError
from .customers import _CustomerWriter
from .order_rows import _finalize_orders
from .orders import _OrderWriter
from .world import _World


# --- tasks, the offset chain and the workers ---------------------------------------------------
CUSTOMER_CHUNK = 25_000
ORDER_CHUNK = 20_000
CASE_CHUNK = 20_000


# Tables whose ids are numbered per chunk, then offset by the rows of all earlier chunks.
CHAINED = ("customer_emails", "customer_phones", "customer_addresses", "order_item_summaries",
           "fulfillment_orders", "fulfillment_order_lines", "change_orders", "change_order_lines", "credit_memos",
           "return_orders", "return_order_lines", "pending_approvals", "case_messages")


@dataclass(frozen=True)
class _Task:
    index: int
    kind: str       # "customers" | "orders" | "cases", in the order the target is loaded
    lo: int
    hi: int


def _tasks(world: _World) -> list[_Task]:
    """Customers, then orders with each chunk of cases right after the orders it links to.

    Loading cases early lets the main process index them for search while the
    workers are still busy with orders, instead of all at the end.
    """
    spans = []
    for lo in range(1, world.customers + 1, CUSTOMER_CHUNK):
        spans.append(("customers", lo, min(lo + CUSTOMER_CHUNK, world.customers + 1)))
    cases = []
    for lo in range(0, world.cases, CASE_CHUNK):
        hi = min(lo + CASE_CHUNK, world.cases)
        cases.append((max((c.order for c in world.case_plans[lo:hi]), default=-1), lo, hi))
    order_chunks = [(lo, min(lo + ORDER_CHUNK, world.orders)) for lo in range(0, world.orders, ORDER_CHUNK)]
    loaded = 0                       # orders loaded so far
    for lo, hi in [(0, 0)] + order_chunks:
        if hi > lo:
            spans.append(("orders", lo, hi))
        loaded = hi
        while cases and cases[0][0] < loaded:
            _, case_lo, case_hi = cases.pop(0)
            spans.append(("cases", case_lo, case_hi))
    spans += [("cases", lo, hi) for _, lo, hi in cases]
    return [_Task(i, kind, lo, hi) for i, (kind, lo, hi) in enumerate(spans)]


class _Chain:
    """Where each task's rows start in the chained tables.

    Task n numbers its rows from 1, reports how many it made, waits until task
    n-1 has reported, and offsets its ids by the sum of all earlier tasks. The
    simulation (the slow part) of consecutive tasks runs in parallel; only the
    hand-over of counts is in order.
    """

    def __init__(self, tasks: int, context=None):
        width = len(CHAINED)
        self.width = width
        if context is None:
            self.offsets, self.reported, self.condition = [0] * ((tasks + 1) * width), _Box(0), None
        else:
            self.offsets = context.Array("q", (tasks + 1) * width, lock=False)
            self.reported = context.Value("i", 0, lock=False)
            self.condition = context.Condition()

    def take(self, index: int, counts: list[int]) -> dict[str, int]:
        if self.condition is None:
            return self._take(index, counts)
        with self.condition:
            self.condition.wait_for(lambda: self.reported.value >= index)
            base = self._take(index, counts)
            self.condition.notify_all()
            return base

    def _take(self, index: int, counts: list[int]) -> dict[str, int]:
        w = self.width
        base = list(self.offsets[index * w:(index + 1) * w])
        self.offsets[(index + 1) * w:(index + 2) * w] = [b + c for b, c in zip(base, counts)]
        self.reported.value = index + 1
        return dict(zip(CHAINED, base))


class _Box:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _offset_ids(sink: _Sink, raw: dict, base: dict) -> None:
    """Tables whose only chunk-local id is their own."""
    for name, rows in raw.items():
        offset = base.get(name)
        if offset:
            rows = [(row[0] + offset,) + row[1:] for row in rows]
        if _NULL_POSITIONS[name]:
            for row in rows:
                sink.add(name, row)
        else:
            sink.table(name).extend(rows)


class _Generator:
    """One worker's writers (the plans come with the world)."""

    def __init__(self, world: _World):
        self.world = world
        self.customers = _CustomerWriter(world)
        self.orders: _OrderWriter | None = None
        self.cases = _CaseWriter(world, world.order_ts, world.case_plans)

    def run(self, task: _Task, chain: _Chain, directory: str) -> tuple[str, list[int], int]:
        if task.kind == "orders" and self.orders is None:
            self.orders = _OrderWriter(self.world, self.world.order_ts, self.world.order_cust, self.world.case_plans)
        writer = {"customers": self.customers, "orders": self.orders, "cases": self.cases}[task.kind]
        raw = writer.simulate(task.lo, task.hi)
        base = chain.take(task.index, [len(raw.get(name, ())) for name in CHAINED])
        if task.kind == "orders":
            sink = _finalize_orders(raw, base)
        else:
            sink = _Sink()
            _offset_ids(sink, raw, base)
        path = os.path.join(directory, f"{task.index:05d}-{task.kind}.db")
        sink.write(path)
        return path, sink.counts, task.hi - task.lo

    def rollups(self) -> dict:
        return self.orders.rollups if self.orders is not None else {}


def _work(world, directory, tasks, chain, next_task, queue) -> None:
    """A worker process: take the next task until none is left, then hand over the rollup cells."""
    try:
        generator = _Generator(world)
        while True:
            with next_task.get_lock():
                index = next_task.value
                next_task.value = index + 1
            if index >= len(tasks):
                break
            queue.put(("chunk", index, *generator.run(tasks[index], chain, directory)))
        queue.put(("rollups", generator.rollups()))
    except BaseException:  # noqa: BLE001 - reported to the main process, which raises
        queue.put(("error", traceback.format_exc()))


def _run_in_process(world, directory, tasks):
    """The same chunks, made one after the other in this process (small demos, no fork)."""
    generator, chain = _Generator(world), _Chain(len(tasks))
    for task in tasks:
        yield ("chunk", task.index, *generator.run(task, chain, directory))
    yield ("rollups", generator.rollups())


def _run_forked(world, directory, tasks, workers: int = 2):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    chain, next_task = _Chain(len(tasks), context), context.Value("i", 0)
    processes = [context.Process(target=_work, args=(world, directory, tasks, chain, next_task, queue), daemon=True)
                 for _ in range(workers)]
    for process in processes:
        process.start()
    return _messages(queue, processes)


def _messages(queue, processes):
    try:
        finished = 0
        while finished < len(processes):
            try:
                message = queue.get(timeout=5)
            except Exception:  # noqa: BLE001 - queue.Empty: are the workers still alive?
                if not all(p.is_alive() or p.exitcode == 0 for p in processes):
                    raise DemoError("A demo data worker stopped unexpectedly.") from None
                continue
            if message[0] == "rollups":
                finished += 1
            yield message
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=10)
