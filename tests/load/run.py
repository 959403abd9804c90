"""One command for the load test: gunicorn on a database, locust against it, then the checks.

    # the full run (PostgreSQL, 1M orders: a fresh copy of demo_1m each time, 50 people, 10 minutes)
    .venv/bin/python -m tests.load.run --fresh-copy-of demo_1m \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/load_1m --users 50 --minutes 10 \\
        --report bench/LOAD.md
    # the short run CI does (tests/load/test_load.py): a small generated SQLite database, 10 people, 1 minute
    .venv/bin/python -m tests.load.run --generate 2000 --users 10 --minutes 1

Steps: prepare the database (a copy of a template, or generated demo data),
list orders that have units to return today (the agents' returns), start
gunicorn with gunicorn.conf.py (wsgi:server) on a free loopback port, run
locust headless (tests/load/locustfile.py) bounded by --users and --minutes,
measure each worker's resident memory (psutil) while and after it runs, stop
gunicorn, then run `model.check` and count payments whose refunds exceed
their capture. Prints (and with --report writes) the locust table per request
type and the verdict; exits 1 when a target is missed:
0 failed requests, p95 ≤ --p95-ms for all requests and for every request type
with at least --min-samples requests (below that a "p95" is the slowest one),
model.check clean, refunded ≤ captured everywhere, every worker ≤ --rss-mb.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))


@dataclass
class Outcome:
    rows: list[dict] = field(default_factory=list)       # locust stats per request type
    refusals: dict = field(default_factory=dict)
    rss_mb: dict = field(default_factory=dict)             # worker pid -> MB after the run
    cpu_seconds: float = 0.0                               # CPU the workers used during the run
    load_average: float = 0.0                              # 1-minute load average as locust stopped
    peak_rss_mb: float = 0.0
    check_output: str = ""
    check_ok: bool = False
    over_refunded: int = -1
    problems: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    workers: list[dict] = field(default_factory=list)     # per worker: cache and GC figures at exit
    unjudged: list[str] = field(default_factory=list)      # request types with too few samples for a p95


# --- the database ---------------------------------------------------------------------
def fresh_copy(template: str, url: str) -> None:
    """Drop the database of `url` and create it again from `template` (PostgreSQL)."""
    from sqlalchemy import create_engine, text

    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        try:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            copied = True
        except Exception as error:  # noqa: BLE001 - someone is connected to the template
            print(f"CREATE DATABASE … TEMPLATE failed ({str(error).splitlines()[0]}); using pg_dump")
            conn.execute(text(f'CREATE DATABASE "{name}"'))
            copied = False
    admin.dispose()
    if not copied:
        host = base.split("@", 1)[1].split("/", 1)[0]
        hostname, _, port = host.partition(":")
        user = base.split("://", 1)[1].split("@", 1)[0].split(":", 1)[0]
        connection = ["-h", hostname, "-p", port or "5432", "-U", user]
        dump = subprocess.Popen(["pg_dump", *connection, "-Fc", template], stdout=subprocess.PIPE)
        subprocess.run(["pg_restore", *connection, "-d", name, "--no-owner"], stdin=dump.stdout, check=True)
        if dump.wait() != 0:
            raise SystemExit("pg_dump failed")


def recreate_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    base, _, name = url.rpartition("/")
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def generate(url: str, orders: int) -> None:
    """An empty database of that name, filled with `orders` demo orders (and matching cases)."""
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        recreate_postgres(url)
    subprocess.run([PYTHON, "-m", "model.demo", "--customers", str(max(50, orders // 6)), "--orders", str(orders),
                    "--cases", str(max(100, orders // 4)), "--seed", "1", "--database-url", url, "--quiet"],
                   cwd=ROOT, check=True)


def returnable_orders(url: str, limit: int = 5000) -> list[str]:
    """Order numbers with a unit shipped inside the return window and not yet returned."""
    from sqlalchemy import select

    from model import db as model_db
    from model.entities import FulfillmentOrder, FulfillmentOrderLine, OrderItemSummary as L, OrderSummary
    from model.policy import current_policy

    since = datetime.now(timezone.utc) - timedelta(days=current_policy().return_window_days - 1)
    engine = model_db.make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(OrderSummary.number).distinct()
                .join(L, L.order_id == OrderSummary.id)
                .join(FulfillmentOrderLine, FulfillmentOrderLine.line_id == L.id)
                .join(FulfillmentOrder, FulfillmentOrder.id == FulfillmentOrderLine.fulfillment_order_id)
                .where(FulfillmentOrder.fulfilled_at >= since, FulfillmentOrder.is_reship.is_(False),
                       L.fulfilled - L.returned - L.return_initiated > 0)
                .limit(limit)).scalars().all()
    finally:
        engine.dispose()
    return list(rows)


def over_refunded(url: str) -> int:
    from sqlalchemy import func, select

    from model import db as model_db
    from model.entities import OrderPaymentSummary

    engine = model_db.make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(OrderPaymentSummary)
                                .where(OrderPaymentSummary.refunded > OrderPaymentSummary.captured)).scalar_one()
    finally:
        engine.dispose()


# --- the server -----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the server at {base} did not become healthy in {seconds:.0f} s")


def start_server(url: str, port: int, *, workers: int, threads: int, log_path: Path,
                 extra_env: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "HOST": "127.0.0.1",
           "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads),
           "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_hex(32), **(extra_env or {})}
    env.pop("DB_POOL_SIZE", None)
    env.pop("DB_MAX_OVERFLOW", None)
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "wsgi:server"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def worker_processes(master: subprocess.Popen):
    import psutil

    try:
        return psutil.Process(master.pid).children()
    except psutil.NoSuchProcess:
        return []


def rss_mb(processes) -> dict[int, float]:
    import psutil

    sizes = {}
    for process in processes:
        try:
            sizes[process.pid] = process.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            pass
    return sizes


def cpu_seconds(processes) -> float:
    import psutil

    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def stop_server(master: subprocess.Popen) -> None:
    if master.poll() is None:
        master.send_signal(signal.SIGTERM)
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()


# --- locust ---------------------------------------------------------------------------
LOAD_VENV = ROOT / ".venv-load"
LOAD_REQUIREMENTS = ROOT / "requirements-load.txt"


def ensure_locust() -> Path:
    """locust from its own virtualenv (see requirements-load.txt), installed when missing or changed."""
    import hashlib
    import venv

    locust = LOAD_VENV / "bin" / "locust"
    stamp = LOAD_VENV / ".installed.sha256"
    digest = hashlib.sha256(LOAD_REQUIREMENTS.read_bytes()).hexdigest()
    if locust.exists() and stamp.exists() and stamp.read_text() == digest:
        return locust
    print("installing locust into .venv-load …", flush=True)
    if not (LOAD_VENV / "bin" / "python").exists():
        venv.EnvBuilder(with_pip=True).create(LOAD_VENV)
    subprocess.run([str(LOAD_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "-r", str(LOAD_REQUIREMENTS)], check=True)
    stamp.write_text(digest)
    return locust


def run_locust(base: str, *, users: int, spawn_rate: float, seconds: int, workdir: Path,
               pool_file: Path, outcomes_file: Path, think: tuple[float, float] | None) -> Path:
    prefix = workdir / "locust"
    env = {**os.environ, "LOAD_USERS": str(users), "LOAD_RETURN_ORDERS": str(pool_file),
           "LOAD_OUTCOMES": str(outcomes_file), "PYTHONPATH": str(ROOT)}
    if think:
        env["LOAD_THINK_MIN"], env["LOAD_THINK_MAX"] = (str(v) for v in think)
    command = [str(ensure_locust()), "-f", str(ROOT / "tests" / "load" / "locustfile.py"), "--headless",
               "-u", str(users), "-r", str(spawn_rate), "-t", f"{seconds}s", "--host", base,
               "--csv", str(prefix), "--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING"]
    with open(workdir / "locust.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                       timeout=seconds + 300)
    return Path(f"{prefix}_stats.csv")


WORKER_STATS = re.compile(
    r"worker (?P<pid>\d+) stats: cache hits (?P<hits>\d+) misses (?P<misses>\d+) bypassed (?P<bypassed>\d+); "
    r"gc full collections (?P<full>\d+), longest (?P<full_max>[\d.]+) ms, total (?P<full_total>[\d.]+) ms; "
    r"young collections (?P<young>\d+), longest (?P<young_max>[\d.]+) ms")


def worker_stats(log_path: Path) -> list[dict]:
    """What each worker logged when it stopped (gunicorn.conf.py's worker_exit)."""
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    return [{k: float(v) for k, v in m.groupdict().items()} for m in WORKER_STATS.finditer(text)]


def read_stats(path: Path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(f))


# --- the verdict ----------------------------------------------------------------------
def evaluate(outcome: Outcome, *, p95_ms: float, rss_limit: float, min_samples: int) -> None:
    """The targets; a request type with fewer than `min_samples` requests is listed, not judged
    (its "p95" is its slowest request), while the p95 of all requests together always is."""
    rows = [r for r in outcome.rows if r["Name"] != "Aggregated"]
    total = next((r for r in outcome.rows if r["Name"] == "Aggregated"), None)
    if not rows or total is None or int(total["Request Count"]) == 0:
        outcome.problems.append("locust made no requests")
        return
    if int(total["Failure Count"]):
        outcome.problems.append(f"{total['Failure Count']} failed requests")
    if float(total["95%"]) > p95_ms:
        outcome.problems.append(f"p95 of all requests is {total['95%']} ms (target ≤ {p95_ms:.0f})")
    for row in rows:
        if int(row["Request Count"]) < min_samples:
            outcome.unjudged.append(row["Name"])
        elif float(row["95%"]) > p95_ms:
            outcome.problems.append(f"p95 of {row['Name']!r} is {row['95%']} ms (target ≤ {p95_ms:.0f})")
    if not outcome.check_ok:
        outcome.problems.append("model.check found broken invariants")
    if outcome.over_refunded != 0:
        outcome.problems.append(f"{outcome.over_refunded} payments refunded more than captured")
    if not outcome.rss_mb:
        outcome.problems.append("no worker memory measured")
    for pid, size in outcome.rss_mb.items():
        if size > rss_limit:
            outcome.problems.append(f"worker {pid} holds {size:.0f} MB (target ≤ {rss_limit:.0f})")


def check_summary(output: str) -> str:
    """model.check's closing line ("all rules hold …", "N violations …"), else its first line."""
    lines = [line for line in (output or "").strip().splitlines() if line.strip()]
    closing = [line for line in lines if line.startswith("model.check:")]
    return (closing or lines or ["—"])[-1 if closing else 0]


def markdown(outcome: Outcome, *, p95_ms: float) -> str:
    s = outcome.settings
    lines = [f"## Load test: {s['users']} users for {s['seconds'] // 60} min {s['seconds'] % 60} s "
             f"on {s['database']}",
             "",
             f"gunicorn {s['workers']} workers × {s['threads']} threads (gthread), think time "
             f"{s['think'][0]:g}–{s['think'][1]:g} s, started {s['started']}; command: `{s['command']}`",
             "",
             "| request type | requests | failures | median ms | p95 ms | p99 ms | max ms | avg bytes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in outcome.rows:
        flag = " ⚠" if float(row["95%"]) > p95_ms else ""
        lines.append(f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{float(row['Median Response Time']):.0f} | {row['95%']}{flag} | {row['99%']} | "
                     f"{float(row['Max Response Time']):.0f} | {float(row['Average Content Size']):.0f} |")
    total = next((r for r in outcome.rows if r["Name"] == "Aggregated"), None)
    if total:
        count = int(total["Request Count"]) or 1
        lines += ["", f"Throughput {float(total['Requests/s']):.1f} requests/s; the gunicorn workers used "
                  f"{outcome.cpu_seconds:.0f} CPU-seconds, {outcome.cpu_seconds * 1000 / count:.1f} ms per request "
                  f"(load average {outcome.load_average:.1f} on {os.cpu_count()} cores as the run ended)."]
    if outcome.refusals:
        lines += ["", "Outcomes the app explained (not failures): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(outcome.refusals.items())) + "."]
    if outcome.workers:
        hits, misses = sum(w["hits"] for w in outcome.workers), sum(w["misses"] for w in outcome.workers)
        lines += ["", f"Shared cache (all workers): {hits:.0f} hits, {misses:.0f} misses, "
                  f"{sum(w['bypassed'] for w in outcome.workers):.0f} bypassed"
                  + (f" ({hits / (hits + misses):.0%} hit rate)." if hits + misses else ".")
                  + f" Garbage collector (CPU time): {sum(w['full'] for w in outcome.workers):.0f} full "
                  f"collections, longest {max(w['full_max'] for w in outcome.workers):.1f} ms; "
                  f"{sum(w['young'] for w in outcome.workers):.0f} young ones, longest "
                  f"{max(w['young_max'] for w in outcome.workers):.1f} ms."]
    rss = ", ".join(f"{size:.0f}" for size in sorted(outcome.rss_mb.values()))
    lines += ["", f"Resident memory per worker after the run (psutil): {rss} MB; peak during the run "
              f"{outcome.peak_rss_mb:.0f} MB.",
              f"`model.check`: {check_summary(outcome.check_output)}",
              f"Payments with refunded > captured: {outcome.over_refunded}.",
              "", "**Verdict: " + ("all targets met**" if not outcome.problems
                                   else "missed**: " + "; ".join(outcome.problems))]
    if outcome.unjudged:
        lines += ["", f"Too few requests for a p95 (under {s['min_samples']}; listed, not judged): "
                  + ", ".join(outcome.unjudged) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="the database the server uses (it is written to); "
                        "default: a temporary SQLite file")
    parser.add_argument("--fresh-copy-of", metavar="TEMPLATE", help="PostgreSQL: recreate the database from "
                        "this one first")
    parser.add_argument("--generate", type=int, metavar="ORDERS", help="fill the database with demo data first")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 3)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", 4)))
    parser.add_argument("--think", type=float, nargs=2, metavar=("MIN", "MAX"), default=None,
                        help="seconds between a person's steps (default 3 10)")
    parser.add_argument("--p95-ms", type=float, default=300)
    parser.add_argument("--rss-mb", type=float, default=300)
    parser.add_argument("--min-samples", type=int, default=20,
                        help="judge a request type's p95 only from this many requests on")
    parser.add_argument("--report", type=Path, help="also write the summary (markdown) here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (locust CSVs, server log)")
    parser.add_argument("--no-check", action="store_true", help="tuning runs: skip model.check (minutes at 1M "
                        "orders); the verdict then counts it as missed")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    url = args.database_url or f"sqlite:///{workdir / 'load.db'}"
    if args.fresh_copy_of:
        print(f"copying {args.fresh_copy_of} …", flush=True)
        fresh_copy(args.fresh_copy_of, url)
    if args.generate:
        print(f"generating {args.generate:,} demo orders …", flush=True)
        generate(url, args.generate)
    from model import db as model_db

    model_db.upgrade(url)
    model_db.dispose_all()
    pool = returnable_orders(url)
    pool_file, outcomes_file = workdir / "returnable.json", workdir / "outcomes.json"
    pool_file.write_text(json.dumps(pool))
    seconds = int(args.minutes * 60)
    think = tuple(args.think) if args.think else (float(os.environ.get("LOAD_THINK_MIN", 3)),
                                                   float(os.environ.get("LOAD_THINK_MAX", 10)))
    outcome = Outcome(settings={
        "users": args.users, "seconds": seconds, "workers": args.workers, "threads": args.threads,
        "min_samples": args.min_samples,
        "think": think, "database": url.split("://")[0] + " " + url.rsplit("/", 1)[-1],
        "started": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m tests.load.run " + " ".join(argv if argv is not None else sys.argv[1:])})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    print(f"{len(pool):,} returnable orders; gunicorn on {base} ({args.workers}×{args.threads}); "
          f"locust {args.users} users for {seconds} s; work folder {workdir}", flush=True)
    master = start_server(url, port, workers=args.workers, threads=args.threads, log_path=workdir / "gunicorn.log")
    try:
        wait_healthy(base)
        sampling = threading.Event()

        def sample_memory():
            while not sampling.wait(5):
                sizes = rss_mb(worker_processes(master))
                outcome.peak_rss_mb = max([outcome.peak_rss_mb, *sizes.values()])

        sampler = threading.Thread(target=sample_memory, daemon=True)
        sampler.start()
        cpu_before = cpu_seconds(worker_processes(master))
        stats = run_locust(base, users=args.users, spawn_rate=args.spawn_rate, seconds=seconds, workdir=workdir,
                           pool_file=pool_file, outcomes_file=outcomes_file, think=think)
        sampling.set()
        outcome.rss_mb = rss_mb(worker_processes(master))
        outcome.cpu_seconds = cpu_seconds(worker_processes(master)) - cpu_before
        outcome.load_average = os.getloadavg()[0]
        outcome.peak_rss_mb = max([outcome.peak_rss_mb, *outcome.rss_mb.values()])
    finally:
        stop_server(master)
    outcome.workers = worker_stats(workdir / "gunicorn.log")
    outcome.rows = read_stats(stats) if stats.exists() else []
    if outcomes_file.exists():
        outcome.refusals = json.loads(outcomes_file.read_text())
    if args.no_check:
        outcome.check_output, outcome.check_ok = "skipped (--no-check)", False
    else:
        check = subprocess.run([PYTHON, "-m", "model.check", "--database-url", url, "--limit", "20"], cwd=ROOT,
                               capture_output=True, text=True)
        outcome.check_output, outcome.check_ok = check.stdout + check.stderr, check.returncode == 0
    outcome.over_refunded = over_refunded(url)
    evaluate(outcome, p95_ms=args.p95_ms, rss_limit=args.rss_mb, min_samples=args.min_samples)
    text = markdown(outcome, p95_ms=args.p95_ms)
    print(text)
    if not outcome.check_ok:
        print(outcome.check_output)
    if args.report:
        args.report.write_text(text)
    (workdir / "summary.json").write_text(json.dumps({
        "problems": outcome.problems, "rss_mb": outcome.rss_mb, "peak_rss_mb": outcome.peak_rss_mb,
        "over_refunded": outcome.over_refunded, "check_ok": outcome.check_ok, "refusals": outcome.refusals,
        "rows": outcome.rows}, indent=2))
    if args.keep or outcome.problems:
        print(f"details: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if outcome.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
