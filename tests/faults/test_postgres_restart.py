"""PostgreSQL goes away under load and comes back: "try again" answers, then recovery without
restarting the app (the pool's pre-ping replaces the dead connections).

Runs its own PostgreSQL 15 cluster (initdb into a temporary folder, a free port,
as the postgres user when run as root), never the shared server, and stops it
at the end.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from model import check
from tests.faults.conftest import background_traffic, gunicorn, seed, sign_in
from tests.load import run
from tests.load.dash_client import toast_kind, try_again_message

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DOWN_SECONDS = 6


class PrivateCluster:
    """A throwaway PostgreSQL cluster on 127.0.0.1:<port>, trust auth, fsync off."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="sdo-pg-", dir="/tmp"))
        self.data = self.folder / "data"
        self.port = run.free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                  "-w", "start")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def cluster():
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL server binaries in {PG_BIN}")
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def health(base: str) -> int:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_postgres_restart_under_load_answers_try_again_then_recovers_by_itself(cluster, tmp_path, forget_engines):
    from tests.load.run import recreate_postgres

    url = cluster.url("servicedesk")
    recreate_postgres(url)
    data = seed(url)
    with gunicorn(url, tmp_path / "gunicorn.log", workers=2, threads=4) as (base, master):
        workers_before = {w.pid for w in psutil.Process(master.pid).children()}
        agent = sign_in(base)
        reply = _reply(agent, data.case_numbers[0])
        with background_traffic(base, data.order_numbers, pause=0.1) as traffic:
            time.sleep(3)
            went_down = time.monotonic()
            cluster.stop()
            time.sleep(1)
            during = {"health": health(base)}
            reply_while_down = agent.post(reply)
            time.sleep(DOWN_SECONDS - 1)
            cluster.start()
            came_back = time.monotonic()
            time.sleep(4)
        after_health = health(base)
        confirm = agent.prepare_return(data.order_numbers[0])
        refunded = agent.call(confirm)
        workers_after = {w.pid for w in psutil.Process(master.pid).children()}

    down = traffic.between(went_down, came_back)
    after = traffic.between(came_back + 2, float("inf"))
    before = [a for a in traffic.answers if a[0] + a[1] < went_down]  # answered before the stop
    print(f"before: {len(before)} requests, statuses {sorted({a[2] for a in before}, key=str)}; "
          f"down {came_back - went_down:.1f} s: {len(down)} requests, "
          f"statuses {sorted({a[2] for a in down}, key=str)}, "
          f"slowest {max(a[1] for a in down):.2f} s; after: {len(after)} requests, statuses "
          f"{sorted({a[2] for a in after}, key=str)}; health during {during['health']}, after {after_health}")

    assert before and all(a[2] == 200 for a in before)
    # While the database is away: a clear 503 "try again", quickly, never a 500 or a hang.
    assert down and all(a[2] in (200, 503, "toast") for a in down), down
    unavailable = [a for a in down if a[2] != 200]
    assert unavailable and all("try again" in a[3].lower() for a in unavailable)
    assert max(a[1] for a in down) < 10
    assert during["health"] == 503
    assert "try again" in (try_again_message(reply_while_down) or "").lower()
    # Back: the same workers (no restart) serve everything again.
    assert after and all(a[2] == 200 for a in after), after
    assert after_health == 200
    assert workers_after == workers_before
    assert toast_kind(refunded["order-toast"]["children"]) == "success"
    assert check.run(url).violations == []


def _reply(agent, case_number: str) -> dict:
    agent.go(f"/cases/{case_number}")
    return agent.body(trigger="case-send.n_clicks", overrides={
        "case-send.n_clicks": 1, "case-compose-kind.value": "reply", "case-compose-body.value": "We are on it."})
