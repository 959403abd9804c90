"""model.check on data built by the real services, then corrupted one row at a time."""
import subprocess
import sys
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from model import check as checker
from model.actions import (
    add_case_message, allocate, cancel_items, create_case, create_customer, credit_shipping, discount_items,
    fulfill, place_order, report_lost, return_items, set_case_status,
)
from model.db import ROOT, get_engine
from model.entities import OrderSummary, PendingApproval

D = Decimal


@pytest.fixture
def shop(Session, users, catalog, customer_id):
    """Orders in every state the base services make, two currencies, cases with and without replies."""
    agent = users["agent"]
    with Session.begin() as s:
        other = create_customer(s, name="Grace Hopper", email="grace@example.com", actor=agent)
        shipped = place_order(s, customer_id=customer_id, lines=[("A", 2, D("15.00")), ("B", 1, D("40.00"))],
                              tax_rate=D("0.0825"), shipping=D("6.00"), actor=agent)
        partial = place_order(s, customer_id=customer_id, lines=[("A", 3, D("15.00")), ("C", 7, D("9.99"))],
                              tax_rate=D("0.0725"), shipping=D("4.50"), actor=agent)
        yen = place_order(s, customer_id=customer_id, lines=[("B", 3, D("1999"))], tax_rate=D("0.1"),
                          shipping=D("500"), currency="JPY", channel="phone", actor=agent)
        others = place_order(s, customer_id=other.id, lines=[("C", 1, D("9.99"))], tax_rate=D("0.08"),
                             shipping=D("0"), actor=agent)
        [lost] = fulfill(s, shipped.id, actor=agent)
        report_lost(s, lost.id, actor=agent, reason="lost_in_transit")
        allocate(s, partial.id, actor=agent)
        fulfill(s, partial.id, {partial.lines[0].id: 1}, actor=agent)
        fulfill(s, yen.id, {yen.lines[0].id: 2}, actor=agent)
        replied = create_case(s, subject="Lost parcel", body=f"My order {shipped.number} never came.",
                              customer_id=customer_id, actor=agent)
        add_case_message(s, replied.id, body="Sorry! We'll sort it out.", kind="reply", actor=agent)
        set_case_status(s, replied.id, "resolved", actor=agent)
        waiting = create_case(s, subject="Question", body="Do you ship to Peru?", customer_id=customer_id,
                              actor=agent)
        return {"shipped": shipped.id, "partial": partial.id, "yen": yen.id, "others": others.id,
                "shipped_line": shipped.lines[0].id, "partial_line": partial.lines[0].id,
                "lost_fo": lost.id, "replied_case": replied.id, "waiting_case": waiting.id}


@pytest.fixture
def changed(Session, users, shop):
    """Change orders of every kind the engine makes, and a refund waiting for approval."""
    manager, agent = users["manager"], users["agent"]
    with Session.begin() as s:
        order = place_order(s, customer_id=s.get(OrderSummary, shop["shipped"]).customer_id,
                            lines=[("A", 3, D("15.00")), ("C", 2, D("9.99")), ("B", 2, D("400.00"))],
                            tax_rate=D("0.0825"), shipping=D("6.00"), actor=agent)
        a, c, b = (line.id for line in order.lines)
        cancel_items(s, order.id, {c: 1}, actor=manager, reason="customer_request")
        discount_items(s, order.id, {a: D("2.00")}, actor=manager, reason="goodwill")
        fulfill(s, order.id, actor=agent)
        return_items(s, order.id, {a: 1}, actor=manager, reason="damaged")
        credit_shipping(s, order.id, D("1.50"), actor=manager, reason="late_delivery")
        pending = return_items(s, order.id, {b: 2}, actor=agent, reason="defective")  # above 500: waits
        assert isinstance(pending, PendingApproval)
        return {**shop, "changed": order.id, "pending": pending.id}


def _corrupt(database_url: str, sql: str, ids: dict) -> None:
    with get_engine(database_url).begin() as conn:
        assert conn.execute(text(sql), ids).rowcount >= 1, sql


def _rules(violations: list[str]) -> set[int]:
    return {int(v.split(":")[0].removeprefix("rule ")) for v in violations}


def test_services_keep_every_invariant(database_url, shop):
    assert checker.check(database_url) == []


def test_order_actions_keep_every_invariant(database_url, changed):
    assert checker.check(database_url) == []


CORRUPTIONS = [  # (rule, table and id the line names, SQL)
    (2, "order_item_summaries {partial_line}",
     "UPDATE order_item_summaries SET discount = unit_price * ordered + 1 WHERE id = :partial_line"),
    (3, "order_item_summaries {shipped_line}",
     "UPDATE order_item_summaries SET tax = tax + 0.01 WHERE id = :shipped_line"),
    (4, "order_item_summaries {partial_line}",
     "UPDATE order_item_summaries SET captured = captured + 0.01 WHERE id = :partial_line"),
    (5, "order_summaries {shipped}", "UPDATE order_summaries SET grand_total = grand_total + 0.01 WHERE id = :shipped"),
    (6, "order_summaries {yen}",
     "UPDATE order_summaries SET shipping_captured = shipping_charged + 1 WHERE id = :yen"),
    (7, "order_summaries {partial}", "UPDATE order_summaries SET status = 'fulfilled' WHERE id = :partial"),
    (8, "order_summaries {others}",
     "UPDATE order_summaries SET original_tax = original_tax + 1 WHERE id = :others"),
    (9, "order_payment_summaries of order {others}", "DELETE FROM order_payment_summaries WHERE order_id = :others"),
    (10, "order_payment_summaries", "UPDATE order_payment_summaries SET authorized = authorized - 1 "
                                    "WHERE order_id = :partial"),
    (11, "order_payment_summaries", "UPDATE order_payment_summaries SET captured = captured + 1 WHERE order_id = :yen"),
    (17, "order_item_summaries {partial_line}",
     "UPDATE fulfillment_order_lines SET quantity = quantity + 1 WHERE line_id = :partial_line AND "
     "fulfillment_order_id IN (SELECT id FROM fulfillment_orders WHERE status = 'allocated')"),
    (18, "order_item_summaries {shipped_line}",
     "UPDATE fulfillment_order_lines SET reshipped = 1 WHERE fulfillment_order_id = :lost_fo "
     "AND line_id = :shipped_line"),
    (19, "order_item_summaries {shipped_line}",
     "UPDATE order_item_summaries SET return_initiated = 1 WHERE id = :shipped_line"),
    (21, "cases {waiting_case}", "UPDATE cases SET order_id = :others WHERE id = :waiting_case"),
    (22, "cases {replied_case}", "UPDATE cases SET first_response_at = NULL WHERE id = :replied_case"),
    (22, "cases {waiting_case}", "UPDATE cases SET first_response_at = created_at WHERE id = :waiting_case"),
    (23, "cases {replied_case}", "UPDATE cases SET resolved_at = NULL WHERE id = :replied_case"),
    (24, "order_rollups placed/USD",
     "UPDATE order_rollups SET amount = amount + 0.01 WHERE id = (SELECT min(id) FROM order_rollups "
     "WHERE kind = 'placed' AND currency = 'USD')"),
    (25, "order_rollups fulfilled/JPY",
     "UPDATE order_rollups SET units = units + 1 WHERE kind = 'fulfilled' AND currency = 'JPY' AND units > 0"),
]

ENGINE_CORRUPTIONS = [
    (12, "order_payment_summaries",
     "UPDATE change_orders SET released = released + 1, amount = amount + 1 WHERE order_id = :changed "
     "AND kind = 'cancel'"),
    (13, "change_orders", "UPDATE change_orders SET released = released + 0.01 WHERE order_id = :changed "
                          "AND kind = 'cancel'"),
    (14, "change_orders", "DELETE FROM credit_memos WHERE order_id = :changed AND amount = "
                          "(SELECT min(amount) FROM credit_memos WHERE order_id = :changed)"),
    (15, "order_payment_summaries", "UPDATE credit_memos SET amount = amount + 0.01 WHERE order_id = :changed"),
    (16, "change_orders", "UPDATE change_order_lines SET amount = amount + 0.01 WHERE line_id IS NOT NULL "
                          "AND change_order_id IN (SELECT id FROM change_orders WHERE kind = 'return')"),
    (20, "order_summaries {changed}", "UPDATE pending_approvals SET amount = 100000 WHERE id = :pending"),
    (26, "order_rollups shipping_credit/USD",
     "UPDATE order_rollups SET refunded = refunded - 0.5 WHERE kind = 'shipping_credit'"),
    (27, "order_rollups return+rma/USD",
     "UPDATE order_rollups SET units = units + 1 WHERE kind = 'return' AND units > 0"),
]


ALL_CORRUPTIONS = [("shop", *c) for c in CORRUPTIONS] + [("changed", *c) for c in ENGINE_CORRUPTIONS]


@pytest.mark.parametrize("data, rule, names, sql", ALL_CORRUPTIONS,
                         ids=[f"rule{rule}-{names.split()[0]}" for _, rule, names, _ in ALL_CORRUPTIONS])
def test_a_corrupted_row_is_reported_with_its_rule(database_url, request, data, rule, names, sql):
    ids = request.getfixturevalue(data)
    _corrupt(database_url, sql, ids)
    violations = checker.check(database_url)
    assert any(v.startswith(f"rule {rule}: {names.format(**ids)}") for v in violations), violations
    assert all(" expected " in v and " found " in v for v in violations), violations


def test_money_is_compared_exactly_to_the_cent_and_yen(database_url, shop):
    _corrupt(database_url, "UPDATE order_item_summaries SET tax = tax + 1 WHERE order_id = :yen", shop)
    _corrupt(database_url, "UPDATE order_summaries SET tax = tax + 1, grand_total = grand_total + 1 "
                           "WHERE id = :yen", shop)
    with get_engine(database_url).connect() as conn:
        line = conn.execute(select(text("id, tax")).select_from(text("order_item_summaries"))
                            .where(text("order_id = :yen")), shop).one()
    violations = checker.check(database_url)
    assert f"rule 3: order_item_summaries {line.id}: tax: expected {int(line.tax) - 1}, found {int(line.tax)}" \
        in violations


def test_limit_stops_early(database_url, shop):
    _corrupt(database_url, "UPDATE order_item_summaries SET tax = tax + 0.01", shop)
    assert len(checker.check(database_url)) > 3
    assert len(checker.check(database_url, limit=3)) == 3


def test_reading_in_chunks_changes_nothing(database_url, changed, monkeypatch):
    _corrupt(database_url, "UPDATE order_summaries SET grand_total = grand_total + 0.01 WHERE id = :partial", changed)
    _corrupt(database_url, "UPDATE change_order_lines SET amount = amount + 0.01", changed)
    whole = checker.check(database_url)
    monkeypatch.setattr(checker.reading, "CHUNK", 1)  # one order per chunk: every range boundary is crossed
    with checker.reading._snapshot(database_url) as conn:  # the patch reaches the reader
        assert {len(orders) for orders, _ in checker.reading._chunks(conn)} == {1}
    assert checker.check(database_url) == whole and len(whole) > 2


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "model.check", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_exit_codes(database_url, shop, tmp_path):
    clean = _cli("--database-url", database_url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout.startswith("model.check: all rules hold (4 orders")
    _corrupt(database_url, "UPDATE order_summaries SET grand_total = grand_total + 0.01 WHERE id = :shipped", shop)
    broken = _cli("--database-url", database_url)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    *lines, summary = broken.stdout.strip().splitlines()
    assert f"rule 5: order_summaries {shop['shipped']}: grand_total: expected" in lines[0]
    assert summary.startswith(f"model.check: {len(lines)} violations of rules 5, ")
    unreadable = _cli("--database-url", f"sqlite:///{tmp_path / 'empty.db'}")
    assert unreadable.returncode == 2 and "cannot read the database" in unreadable.stderr
