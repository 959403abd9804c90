"""p50/p95 of each order action on a demo database, beside the same writes as hand-written SQL.

    python -m bench.actions --database-url sqlite:///data/demo.db [--samples 200]
    python -m bench.actions --database-url postgresql+psycopg://postgres@127.0.0.1:5432/demo

Works on a throwaway copy (a copied SQLite file, or CREATE DATABASE … TEMPLATE
on PostgreSQL), so the source database is never changed. Without
--database-url it generates a demo database of --orders orders first.
The figure is the ratio: action p50 / hand-written SQL p50 (target ≤ 3×,
p95 ≤ 50 ms).
"""
from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from model import actions as A
from model import db as model_db
from model.entities import (
    FulfillmentOrder, FulfillmentOrderLine, FulfillmentStatus, OrderItemSummary as L, OrderSummary as O, User,
)
from model.policy import current_policy, set_policy


def copy_database(url: str) -> str:
    """A throwaway copy of the database at `url`; returns its URL."""
    if url.startswith("sqlite"):
        source = Path(url.split("sqlite:///", 1)[1])
        target = Path(tempfile.mkdtemp()) / "bench-actions.db"
        with create_engine(url).connect() as conn:  # fold the WAL into the main file first
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    base, _, name = url.rpartition("/")
    copy = f"{name}_bench_copy"
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        conn.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"'))
    admin.dispose()
    return f"{base}/{copy}"


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def pick_lines(s, where, n, rng):
    ids = s.execute(select(L.id, L.order_id).where(where).limit(n * 20)).all()
    rng.shuffle(ids)
    seen, chosen = set(), []
    for line_id, order_id in ids:  # one line per order so samples don't queue on one row
        if order_id not in seen:
            seen.add(order_id)
            chosen.append((order_id, line_id))
        if len(chosen) == n:
            break
    return chosen


def time_calls(Session, calls):  # noqa: N803
    """Each call in its own committed transaction; milliseconds of the successful ones."""
    timings, refused = [], 0
    for call in calls:
        start = time.perf_counter()
        try:
            with Session.begin() as s:
                call(s)
        except A.ActionError:
            refused += 1
            continue
        timings.append((time.perf_counter() - start) * 1000)
    return timings, refused


def action_samples(Session, actor, n, rng):  # noqa: N803
    with Session() as s:
        cancel = pick_lines(s, (L.ordered - L.canceled - L.allocated - L.fulfilled) > 0, n, rng)
        returns = pick_lines(s, (L.fulfilled - L.returned - L.return_initiated) > 1, 2 * n, rng)
        discount = pick_lines(s, (L.allocated == 0) & (L.ordered - L.canceled - L.returned > 0)
                              & (L.unit_price > 5) & (L.fulfilled == L.ordered - L.canceled), n, rng)
        shipping = [r[0] for r in s.execute(select(O.id).where(
            O.shipping_captured - O.shipping_refunded >= 1).limit(n * 5)).all()]
        rng.shuffle(shipping)
        lost = s.execute(select(FulfillmentOrder.order_id).join(FulfillmentOrderLine).where(
            FulfillmentOrder.status == FulfillmentStatus.LOST,
            FulfillmentOrderLine.reshipped < FulfillmentOrderLine.quantity).distinct().limit(n)).scalars().all()
    rma, ret = returns[:n], returns[n:]
    return {
        "cancel_items": [lambda s, o=o, ln=ln: A.cancel_items(s, o, {ln: 1}, actor=actor, reason="customer_request")
                         for o, ln in cancel],
        "discount_items": [lambda s, o=o, ln=ln: A.discount_items(s, o, {ln: Decimal("1")}, actor=actor,
                                                                  reason="goodwill") for o, ln in discount],
        "return_items": [lambda s, o=o, ln=ln: A.return_items(s, o, {ln: 1}, actor=actor, reason="damaged")
                         for o, ln in ret],
        "credit_shipping": [lambda s, o=o: A.credit_shipping(s, o, Decimal("1"), actor=actor, reason="goodwill")
                            for o in shipping[:n]],
        "rma (create+receive+close)": [lambda s, o=o, ln=ln: _rma(s, o, ln, actor) for o, ln in rma],
        "reship_items": [lambda s, o=o: A.reship_items(s, o, None, actor=actor, reason="lost_in_transit")
                         for o in lost],
    }


def _rma(s, order_id, line_id, actor):
    rma = A.create_return_order(s, order_id, {line_id: 1}, actor=actor, reason="wrong_size")
    A.receive_return_order(s, rma.id, None, actor=actor)
    return A.close_return_order(s, rma.id, actor=actor)


RAW_RETURN = [  # one return with refund, by hand: the same reads under lock and the same writes
    ("SELECT o.id, o.currency, o.grand_total, p.authorized, p.captured, p.refunded FROM order_summaries o"
     " JOIN order_payment_summaries p ON p.order_id = o.id WHERE o.id = :o{lock}"),
    ("SELECT id, unit_price, tax_rate, ordered, canceled, fulfilled, returned, return_initiated, discount,"
     " captured, refunded FROM order_item_summaries WHERE order_id = :o"),
    # the return window: which units shipped when
    "SELECT id, status, fulfilled_at, is_reship FROM fulfillment_orders WHERE order_id = :o",
    ("SELECT fl.fulfillment_order_id, fl.line_id, fl.quantity FROM fulfillment_order_lines fl"
     " JOIN fulfillment_orders f ON f.id = fl.fulfillment_order_id WHERE f.order_id = :o"),
    # refundable = captured − refunded − refunds waiting for approval
    "SELECT coalesce(sum(amount), 0) FROM pending_approvals WHERE order_id = :o AND status = 'pending'",
    "UPDATE order_item_summaries SET returned = returned, tax = tax, refunded = refunded WHERE id = :l",
    "UPDATE order_summaries SET subtotal = subtotal, tax = tax, grand_total = grand_total WHERE id = :o",
    "UPDATE order_payment_summaries SET refunded = refunded WHERE order_id = :o",
    ("INSERT INTO change_orders (order_id, kind, reason, amount, released, refunded, created_at)"
     " VALUES (:o, 'return', 'damaged', 1, 0, 1, CURRENT_TIMESTAMP)"),
    ("INSERT INTO change_order_lines (change_order_id, line_id, quantity, subtotal_change, discount_change,"
     " tax_change, shipping_change, amount) VALUES ({last_change}, :l, 1, 1, 0, 0, 0, 1)"),
    ("INSERT INTO credit_memos (number, order_id, change_order_id, amount, fees, created_at)"
     " VALUES ('BENCH-' || :n, :o, {last_change}, 1, 0, CURRENT_TIMESTAMP)"),
    ("INSERT INTO order_rollups (day, kind, reason, category, channel, currency, events, units, amount, refunded)"
     " VALUES (CURRENT_DATE, 'bench', '', '', 'web', 'USD', 1, 1, 1, 1)"
     " ON CONFLICT (day, kind, reason, category, channel, currency)"
     " DO UPDATE SET events = order_rollups.events + 1"),
    # the analytics cells a return keeps: units returned per product (day and month cells),
    # refunds per person (cell and all-reasons cell) and by size
    ("INSERT INTO product_rollups (currency, grain, day, channel, reason, category, product_id, fulfilled_units,"
     " returned_units) VALUES ('USD', 'day', CURRENT_DATE, 'web', 'damaged', 'bench', 1, 0, 1),"
     " ('USD', 'month', CURRENT_DATE, 'web', 'damaged', 'bench', 1, 0, 1)"
     " ON CONFLICT (currency, grain, day, channel, reason, category, product_id)"
     " DO UPDATE SET returned_units = product_rollups.returned_units + 1"),
    ("INSERT INTO refund_rollups (currency, level, day, actor_id, kind, reason, channel, refunds, refunded)"
     " VALUES ('USD', 0, CURRENT_DATE, 0, 'bench', 'damaged', 'web', 1, 1),"
     " ('USD', 1, CURRENT_DATE, 0, '*', '*', '*', 1, 1)"
     " ON CONFLICT (currency, level, day, actor_id, kind, reason, channel)"
     " DO UPDATE SET refunds = refund_rollups.refunds + 1"),
    ("INSERT INTO refund_size_rollups (currency, day, refunded_minor, refunds) VALUES ('USD', CURRENT_DATE, 100, 1)"
     " ON CONFLICT (currency, day, refunded_minor) DO UPDATE SET refunds = refund_size_rollups.refunds + 1"),
    ("INSERT INTO audit_events (at, action, order_id, before_amount, after_amount)"
     " VALUES (CURRENT_TIMESTAMP, 'bench.raw', :o, 1, 1)"),
]


def raw_return(engine, order_id: int, line_id: int, n: int) -> None:
    """The same reads and writes as a return, as literal SQL through the same engine."""
    lock = " FOR UPDATE" if engine.dialect.name == "postgresql" else ""
    last_change = "(SELECT max(id) FROM change_orders)"
    with engine.begin() as conn:
        for sql in RAW_RETURN:
            conn.execute(text(sql.format(lock=lock, last_change=last_change)),
                         {"o": order_id, "l": line_id, "n": f"{n}-{order_id}"})


def paired_return_timings(Session, url, calls, raw_samples):  # noqa: N803
    """return_items and its hand-written SQL, alternated call by call, so that a busy
    machine slows both alike: milliseconds of each."""
    engine = model_db.get_engine(url)
    ours, raw = [], []
    for i, (call, (order_id, line_id)) in enumerate(zip(calls, raw_samples)):
        start = time.perf_counter()
        raw_return(engine, order_id, line_id, i)
        raw.append((time.perf_counter() - start) * 1000)
        timings, _ = time_calls(Session, [call])
        ours.extend(timings)
    return ours, raw


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url")
    parser.add_argument("--orders", type=int, default=20_000, help="demo size when no --database-url")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    source = args.database_url
    if source is None:
        from model.demo import generate
        source = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench-demo.db'}"
        generate(source, customers=max(50, args.orders // 3), orders=args.orders, cases=args.orders // 5, seed=1)
    url = copy_database(source)
    Session = model_db.connect(url)  # noqa: N806
    rng = random.Random(args.seed)
    # Demo orders are dated before today: widen the return window so shipped units qualify.
    set_policy(replace(current_policy(), return_window_days=100_000))
    with Session() as s:
        actor = s.execute(select(User).where(User.role == "manager")).scalars().first()
        orders = s.execute(select(func.count(O.id))).scalar_one()
    print(f"# Order actions on {model_db.get_engine(url).dialect.name}, {orders:,} orders, "
          f"{args.samples} samples each\n")
    print("| action | n | p50 ms | p95 ms | refused |")
    print("|---|---:|---:|---:|---:|")
    results = {}
    samples = action_samples(Session, actor, args.samples, rng)
    with Session() as s:
        raw_samples = pick_lines(s, L.fulfilled > 0, args.samples, rng)
    returns, raw = paired_return_timings(Session, url, samples.pop("return_items"), raw_samples)
    for name, calls in samples.items():
        timings, refused = time_calls(Session, calls)
        if not timings:
            print(f"| {name} | 0 | – | – | {refused} |")
            continue
        results[name] = (statistics.median(timings), percentile(timings, 95))
        print(f"| {name} | {len(timings)} | {results[name][0]:.2f} | {results[name][1]:.2f} | {refused} |")
    for name, timings in (("return_items", returns),
                          (f"hand-written SQL of one return ({len(RAW_RETURN)} statements)", raw)):
        results[name] = (statistics.median(timings), percentile(timings, 95))
        print(f"| {name} | {len(timings)} | {results[name][0]:.2f} | {results[name][1]:.2f} | – |")
    raw_p50 = results.pop(name)[0]
    if returns:
        ratio = results["return_items"][0] / raw_p50
        print(f"\nreturn_items p50 / hand-written SQL p50 = **{ratio:.2f}×** (target ≤ 3×, the two "
              f"alternated call by call); worst p95 {max(p95 for _, p95 in results.values()):.1f} ms "
              f"(target ≤ 50 ms)")
    model_db.dispose_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
