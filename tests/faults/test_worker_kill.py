"""A gunicorn worker killed (SIGKILL) in the middle of a refund, under load, on PostgreSQL.

To kill it *in the middle* and not before or after, the test holds a row lock
on today's rollup cell that the refund updates late in its flow, after its
change order and credit memo rows are written: the worker's transaction waits
there, the test finds that backend in pg_stat_activity, maps its client port to
the worker process and kills it. Then: nothing of the refund is left (no
change order, credit memo or idempotency key), model.check holds, and the
person's retry of the same form (same idempotency key) refunds once; a second
retry refunds nothing more.
"""
from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime, timezone

import psutil
import pytest
from sqlalchemy import create_engine, func, select, text

from model import check
from model.entities import ChangeOrder, CreditMemo, IdempotencyKey, OrderPaymentSummary, OrderSummary
from tests.faults.conftest import background_traffic, gunicorn, postgres_sibling, seed, sign_in
from tests.load.dash_client import toast_kind

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def refunds_of(engine, number: str) -> tuple[int, int]:
    with engine.connect() as conn:
        order_id = conn.execute(select(OrderSummary.id).where(OrderSummary.number == number)).scalar_one()
        return (conn.execute(select(func.count()).select_from(ChangeOrder).where(ChangeOrder.order_id == order_id))
                .scalar_one(),
                conn.execute(select(func.count()).select_from(CreditMemo).where(CreditMemo.order_id == order_id))
                .scalar_one())


def waiting_backend(engine, seconds: float = 30) -> dict:
    """The backend of the refund, waiting for the test's row lock (pid, client port)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            row = conn.execute(text(
                "SELECT pid, client_port FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND query ILIKE '%order_rollups%'")).first()
        if row is not None:
            return {"pid": row.pid, "port": row.client_port}
        time.sleep(0.05)
    raise AssertionError("the refund never reached the rollup update")


def worker_with_port(master, port: int) -> psutil.Process:
    for worker in psutil.Process(master.pid).children():
        if any(c.laddr and c.laddr.port == port for c in worker.net_connections(kind="tcp")):
            return worker
    raise AssertionError(f"no gunicorn worker holds the connection from port {port}")


def backend_gone(engine, pid: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}).scalar() == 0:
                return True
        time.sleep(0.1)
    return False


def test_sigkill_mid_refund_leaves_nothing_half_written_and_the_retry_refunds_once(tmp_path, forget_engines):
    url = postgres_sibling("faults_kill")
    if url is None:
        pytest.skip("TEST_DATABASE_URL (PostgreSQL) is not set")
    data = seed(url)
    engine = create_engine(url)
    with gunicorn(url, tmp_path / "gunicorn.log", workers=2, threads=4) as (base, master):
        agent = sign_in(base)
        # A first refund creates today's rollup cell for (return, damaged, kitchen, web, USD).
        first = agent.call(agent.prepare_return(data.order_numbers[0]))
        assert toast_kind(first["order-toast"]["children"]) == "success"
        confirm = agent.prepare_return(data.order_numbers[1])
        key = next(st["value"]["key"] for st in confirm["state"]
                   if isinstance(st, dict) and st.get("id") == "order-action-request")
        before = refunds_of(engine, data.order_numbers[1])

        outcome = {}
        with background_traffic(base, data.order_numbers) as traffic:
            time.sleep(2)
            with engine.connect() as blocker:
                blocker.begin()
                blocker.execute(text(
                    "SELECT 1 FROM order_rollups WHERE day = :day AND kind = 'return' AND reason = 'damaged' "
                    "AND category = 'kitchen' AND channel = 'web' AND currency = 'USD' FOR UPDATE"),
                    {"day": datetime.now(timezone.utc).date()})

                def confirm_refund():
                    try:
                        outcome["status"] = agent.post(confirm).status_code
                    except Exception as error:  # noqa: BLE001 - the worker dies under it
                        outcome["error"] = type(error).__name__

                request = threading.Thread(target=confirm_refund)
                request.start()
                backend = waiting_backend(engine)
                with engine.connect() as conn:  # in the middle: its change order is written, not committed
                    assert conn.execute(text("SELECT count(*) FROM pg_locks WHERE pid = :pid AND granted"),
                                        {"pid": backend["pid"]}).scalar() > 0
                victim = worker_with_port(master, backend["port"])
                killed_at = time.monotonic()
                os.kill(victim.pid, signal.SIGKILL)
                request.join(timeout=30)
                blocker.rollback()
            assert backend_gone(engine, backend["pid"])
            time.sleep(3)  # the master starts a new worker; traffic goes on
        assert "error" in outcome or outcome.get("status", 200) >= 500, outcome

        # Nothing of the killed refund survived.
        assert refunds_of(engine, data.order_numbers[1]) == before
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(IdempotencyKey)
                                .where(IdempotencyKey.key == key)).scalar_one() == 0
        assert check.run(url).violations == []

        # The person confirms the same form again: refunded once, and only once.
        retry = agent.call(confirm)
        assert toast_kind(retry["order-toast"]["children"]) == "success"
        assert refunds_of(engine, data.order_numbers[1]) == (before[0] + 1, before[1] + 1)
        again = agent.call(confirm)
        assert toast_kind(again["order-toast"]["children"]) == "success"
        assert refunds_of(engine, data.order_numbers[1]) == (before[0] + 1, before[1] + 1)

    # Background requests: only those in flight on the killed worker could fail, never with a 500
    # page from the app, and everything after the new worker started went through.
    failures = [a for a in traffic.answers if a[2] != 200]
    print(f"killed worker {victim.pid} (backend {backend['pid']}); the refund's request saw {outcome}; "
          f"background: {len(traffic.answers)} requests, "
          f"failed {[(round(a[0] - killed_at, 2), a[2]) for a in failures]}")
    assert all(a[2] in (503, "toast") or str(a[2]).endswith("Error") for a in failures), failures
    assert all(a[2] == 200 for a in traffic.between(killed_at + 2, float("inf"))), failures
    assert len(traffic.answers) > 10
    assert check.run(url).violations == []
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OrderPaymentSummary)
                            .where(OrderPaymentSummary.refunded > OrderPaymentSummary.captured)).scalar_one() == 0
    engine.dispose()
