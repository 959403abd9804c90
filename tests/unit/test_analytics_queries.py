"""Analytics queries on SQLite and PostgreSQL, over rollups written by the real actions.

Every figure is checked against the facts (credit memos, change orders, cases)
computed independently here, to the cent, in USD and JPY.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from sqlalchemy import select, text

from model import check as checker
from model import rollup_rebuild
from model.actions import (
    add_case_message, assign_case, cancel_items, close_return_order, create_case, create_return_order, credit_shipping,
    discount_items, fulfill, place_order, receive_return_order, return_items, set_case_status, take_case,
)
from model.entities import ChangeOrder, CreditMemo, OrderSummary
from model.queries import analytics as qa
from model.queries.analytics import Filters
from model.rates import RateError, list_rates, set_rate

D = Decimal
MON = date(2026, 3, 2)  # a Monday


@pytest.fixture
def clock(monkeypatch):
    """Move the actions' clock: `clock.at(day, hour)` sets what 'now' is."""
    import model.actions._common as common
    import model.actions._common.audit as common_audit
    import model.actions._common.rollups as common_rollups
    import model.actions.case_fields as case_fields
    import model.actions.case_messages as case_messages
    import model.actions.case_orders as case_orders
    import model.actions.case_work as case_work
    import model.actions.cases as cases
    import model.actions.flow as flow
    import model.actions.flow.runner as flow_runner
    import model.actions.flow.steps as flow_steps
    import model.actions.fulfillment as fulfillment
    import model.actions.returns as returns
    import model.actions.rma as rma

    class Clock:
        now = datetime.combine(MON, time(9), timezone.utc)

        def at(self, day: date, hour: int = 9):
            self.now = datetime.combine(day, time(hour), timezone.utc)
            return self.now

    c = Clock()
    for module in (common, common_audit, common_rollups, cases, case_work, case_messages, case_fields, case_orders,
                   flow, flow_steps, flow_runner, fulfillment, returns, rma):
        monkeypatch.setattr(module, "utcnow", lambda: c.now)
    for module in (common, common_rollups, flow, fulfillment):
        if hasattr(module, "today"):
            monkeypatch.setattr(module, "today", lambda: c.now.date())
    return c


def _place(s, customer_id, actor, lines, *, currency="USD", channel="web", shipping="6.00", now=None):
    return place_order(s, customer_id=customer_id, lines=[(sku, q, D(p)) for sku, q, p in lines],
                       tax_rate=D("0.08") if currency != "JPY" else D("0.10"), shipping=D(shipping),
                       currency=currency, channel=channel, actor=actor, placed_at=now)


@pytest.fixture
def history(Session, users, catalog, customer_id, clock):
    """Two weeks of orders and changes in USD and JPY, made through the actions."""
    manager, agent = users["manager"], users["agent"]
    with Session.begin() as s:
        clock.at(MON)
        o1 = _place(s, customer_id, agent, [("A", 2, "15.00"), ("B", 1, "40.00")], now=clock.now)
        fulfill(s, o1.id, actor=agent)
        o3 = _place(s, customer_id, agent, [("A", 1, "1500"), ("C", 2, "990")], currency="JPY",
                    channel="marketplace", shipping="500", now=clock.now)
        fulfill(s, o3.id, actor=agent)
        a1, b1 = (ln.id for ln in o1.lines)
    with Session.begin() as s:
        clock.at(MON + timedelta(days=1))
        return_items(s, o1.id, {a1: 1}, actor=agent, reason="damaged")
        discount_items(s, o1.id, {b1: D("5.00")}, actor=manager, reason="goodwill")
        return_items(s, o3.id, None, actor=agent, reason="changed_mind")  # all: refunds shipping too
    with Session.begin() as s:
        clock.at(MON + timedelta(days=8))
        o2 = _place(s, customer_id, agent, [("C", 3, "9.99"), ("B", 2, "40.00")], channel="phone", now=clock.now)
        c2, b2 = (ln.id for ln in o2.lines)
        cancel_items(s, o2.id, {c2: 1}, actor=agent, reason="customer_request")
        fulfill(s, o2.id, actor=agent)
        credit_shipping(s, o2.id, D("2.00"), actor=agent, reason="late_delivery")
    with Session.begin() as s:
        clock.at(MON + timedelta(days=9))
        rma = create_return_order(s, o2.id, {b2: 2}, actor=agent, reason="defective")
        receive_return_order(s, rma.id, actor=agent)
        close_return_order(s, rma.id, actor=manager)
        return_items(s, o2.id, {c2: 1}, actor=agent, reason="damaged")
    return {"orders": [o1.id, o2.id, o3.id], "end": MON + timedelta(days=13)}


def facts(Session) -> pd.DataFrame:
    """Credit memos with their change order, straight from the fact tables."""
    with Session() as s:
        rows = s.execute(select(CreditMemo.amount, ChangeOrder.kind, ChangeOrder.reason, ChangeOrder.created_at,
                                OrderSummary.currency, OrderSummary.channel)
                         .join(ChangeOrder, ChangeOrder.id == CreditMemo.change_order_id)
                         .join(OrderSummary, OrderSummary.id == CreditMemo.order_id)).all()
    frame = pd.DataFrame(rows, columns=["amount", "kind", "reason", "created_at", "currency", "channel"])
    frame["day"] = [v.date() for v in frame["created_at"]]
    frame["amount"] = [D(str(v)) for v in frame["amount"]]
    return frame


def _read(Session, fn, *args, **kwargs):
    with Session() as s:
        return fn(s, *args, **kwargs)


def test_refund_series_equals_the_credit_memos_to_the_cent_in_each_currency(Session, history):
    memos = facts(Session)
    for currency in ("USD", "JPY"):
        f = Filters(MON, history["end"], currency=currency)
        series = _read(Session, qa.refund_series, f)
        expected = sum(memos.loc[memos["currency"] == currency, "amount"], D(0))
        assert sum(series["refunded"], D(0)) == expected and expected > 0
        assert all(isinstance(v, Decimal) for v in series["refunded"])
    usd = _read(Session, qa.refund_series, Filters(MON, history["end"]))
    # 16.20 return of A + 5.40 discount on day 2; never a yen in the dollar chart.
    day2 = usd[usd["period"] == MON + timedelta(days=1)].set_index("kind")["refunded"]
    assert day2.to_dict() == {"discount": D("5.40"), "return": D("16.20")}
    jpy = _read(Session, qa.refund_series, Filters(MON, history["end"], currency="JPY"))
    # 1500 + 2×990 = 3480 net, tax 348, shipping 500 back on the full return.
    assert jpy["refunded"].tolist() == [D("4328")] and str(jpy["refunded"][0]) == "4328"


def test_week_and_month_buckets_and_previous_period(Session, history):
    f = Filters(MON, history["end"], granularity="week")
    weeks = _read(Session, qa.refund_series, f).groupby("period")["refunded"].agg(lambda v: sum(v, D(0)))
    assert list(weeks.index) == [MON, MON + timedelta(days=7)]
    assert weeks[MON] == D("21.60")
    month = _read(Session, qa.refund_series, replace(f, granularity="month"))
    assert set(month["period"]) == {date(2026, 3, 1)}
    # The second week, looking back one week: its previous period is the first week, moved on.
    second = Filters(MON + timedelta(days=7), history["end"])
    previous = _read(Session, qa.previous_refund_series, second)
    assert previous.set_index("period")["refunded"].to_dict() == {MON + timedelta(days=8): D("21.60")}


def test_returns_and_cancellations_units_and_events(Session, history):
    frame = _read(Session, qa.returns_cancellations_series, Filters(MON, history["end"], granularity="month"))
    by_series = frame.set_index("series")
    assert by_series.loc["cancellations", "units"] == 1 and by_series.loc["cancellations", "events"] == 1
    # USD: 1 A, 2 B (RMA), 1 C returned, in three change orders.
    assert by_series.loc["returns", "units"] == 4 and by_series.loc["returns", "events"] == 3


def test_return_rate_by_category_and_cancellation_rate_by_channel(Session, history):
    f = Filters(MON, history["end"])
    rates = _read(Session, qa.return_rate_by_category, f).set_index("category")
    # kitchen: 2 shipped, 1 back; home: 3 shipped, 2 back; apparel: 2 shipped, 1 back.
    assert rates.loc["kitchen", "rate"] == D("0.5") and rates.loc["home", "rate"] == D(2) / D(3)
    assert all(isinstance(v, Decimal) for v in rates["rate"])
    assert rates.loc["apparel", ["fulfilled_units", "returned_units"]].tolist() == [2, 1]
    only_damaged = _read(Session, qa.return_rate_by_category, replace(f, reason="damaged")).set_index("category")
    assert only_damaged.loc["home", "returned_units"] == 0 and only_damaged.loc["home", "fulfilled_units"] == 3
    channels = _read(Session, qa.cancellation_rate_by_channel, f).set_index("channel")
    assert channels.loc["phone", ["ordered_units", "canceled_units"]].tolist() == [5, 1]
    assert channels.loc["web", "rate"] == 0


def test_refunds_by_reason_and_channel_add_up_to_the_total(Session, history):
    f = Filters(MON, history["end"])
    memos = facts(Session)
    usd = memos[memos["currency"] == "USD"]
    by_reason = _read(Session, qa.refunds_by, f, "reason").set_index("reason")["refunded"]
    expected = usd.groupby("reason")["amount"].agg(lambda v: sum(v, D(0)))
    assert by_reason.to_dict() == expected.to_dict()
    by_channel = _read(Session, qa.refunds_by, f, "channel").set_index("channel")["refunded"]
    assert by_channel.to_dict() == usd.groupby("channel")["amount"].agg(lambda v: sum(v, D(0))).to_dict()
    assert "marketplace" not in by_channel  # the yen order


def test_kpis_with_change_against_the_previous_period(Session, history):
    second_week = Filters(MON + timedelta(days=7), history["end"])
    cards = {k.key: k for k in _read(Session, qa.kpis, second_week)}
    memos = facts(Session)
    week2 = memos[(memos["currency"] == "USD") & (memos["day"] >= second_week.start)]
    assert cards["refund_total"].value == sum(week2["amount"], D(0))
    assert cards["refund_total"].previous == D("21.60")
    assert cards["cancellations"].value == 1 and cards["cancellations"].previous == 0
    assert cards["cancellations"].change is None  # nothing to compare with
    # returned 3 of 4 shipped units in week 2 (2 B by RMA, 1 C); week 1: 1 of 3.
    assert cards["return_rate"].value == D("0.75") and cards["return_rate"].previous == D(1) / D(3)
    with Session() as s:
        refund_orders = s.scalars(select(ChangeOrder).where(
            ChangeOrder.kind.in_(qa.REFUND_KINDS), ChangeOrder.created_at >= datetime(2026, 3, 9, tzinfo=timezone.utc),
            ChangeOrder.order_id.in_(history["orders"][:2]))).all()
    assert cards["average_refund"].value == (sum((c.refunded for c in refund_orders), D(0))
                                             / len(refund_orders)).quantize(D("0.01"))
    assert cards["refund_total"].change == cards["refund_total"].value / D("21.60") - 1
    assert isinstance(cards["refund_total"].change, Decimal) and qa.percent(D(2) / D(3)) == D("66.7")


def test_every_refund_point_drills_down_to_credit_memos_that_sum_to_it(Session, history):
    for currency, granularity in itertools.product(("USD", "JPY"), qa.GRANULARITIES):
        f = Filters(MON, history["end"], currency=currency, granularity=granularity)
        series = _read(Session, qa.refund_series, f)
        assert len(series)
        for point in series.itertuples():
            bucket = f.narrowed(point.period, qa.bucket_end(point.period, granularity))
            rows = _read(Session, qa.drilldown, bucket, "refunds", kind=point.kind)
            assert sum(rows["refunded"], D(0)) == point.refunded, (currency, granularity, point)
            assert set(rows["currency"]) == {currency} and rows["order_number"].str.startswith("SO-").all()
    # Bars by reason drill to the same total.
    f = Filters(MON, history["end"])
    for point in _read(Session, qa.refunds_by, f, "reason").itertuples():
        rows = _read(Session, qa.drilldown, replace(f, reason=point.reason), "refunds")
        assert sum(rows["refunded"], D(0)) == point.refunded


def test_units_drilldown_matches_returns_and_cancellations(Session, history):
    f = Filters(MON, history["end"], granularity="week")
    for point in _read(Session, qa.returns_cancellations_series, f).itertuples():
        bucket = f.narrowed(point.period, qa.bucket_end(point.period, "week"))
        rows = _read(Session, qa.drilldown, bucket, point.series)
        assert rows["units"].sum() == point.units
    apparel = _read(Session, qa.drilldown, replace(f, category="apparel"), "returns")
    assert apparel["sku"].tolist() == ["C"] and apparel["units"].tolist() == [1]


def test_an_action_moves_its_chart_point_by_exactly_its_amount(Session, users, history, clock):
    f = Filters(MON, history["end"])
    day = MON + timedelta(days=9)
    before = _read(Session, qa.refund_series, f)
    with Session.begin() as s:
        clock.at(day, 15)
        memo = credit_shipping(s, history["orders"][0], D("1.23"), actor=users["agent"], reason="goodwill")
        amount = memo.amount
    after = _read(Session, qa.refund_series, f)
    point = lambda frame: sum(frame.loc[frame["period"] == day, "refunded"], D(0))  # noqa: E731
    assert point(after) - point(before) == amount == D("1.23")


def test_random_filter_combinations_reconcile_with_the_facts(Session, history):
    memos = facts(Session)
    combos = itertools.product(("USD", "JPY"), (None, "web", "phone", "marketplace"),
                               (None, "damaged", "goodwill", "defective", "changed_mind"))
    for currency, channel, reason in combos:
        f = Filters(MON, history["end"], currency=currency, channel=channel, reason=reason)
        expected = memos[(memos["currency"] == currency) & (memos["channel"] == channel if channel else True)
                         & (memos["reason"] == reason if reason else True)]
        total = sum(_read(Session, qa.refund_series, f)["refunded"], D(0))
        assert total == sum(expected["amount"], D(0)), (currency, channel, reason)


def test_refunds_per_agent_and_outliers(Session, users, history):
    f = Filters(MON, history["end"])
    agents = _read(Session, qa.refunds_per_agent, f).set_index("agent")
    memos = facts(Session)
    assert sum(agents["refunded"], D(0)) == sum(memos.loc[memos["currency"] == "USD", "amount"], D(0))
    assert agents.loc["Manager", "refunds"] == 2 and agents.loc["Agent", "refunds"] == 3
    assert not agents["outlier"].any()  # two people are no distribution
    outliers = qa.outliers([D(10), D(11), D(12), D(10), D(500)])
    assert outliers.tolist() == [False, False, False, False, True]


def test_threshold_what_if_counts_past_refunds_above_a_candidate(Session, history):
    today = history["end"]
    with Session() as s:
        low = qa.threshold_what_if(s, "USD", D("10"), today=today)
        high = qa.threshold_what_if(s, "USD", D("500"), today=today)
        yen = qa.threshold_what_if(s, "JPY", D("1000"), today=today)
    memos = facts(Session)
    usd = memos[memos["currency"] == "USD"]
    assert low.refunds == len(usd) and low.above == sum(usd["amount"] > 10)
    assert low.above_total == sum(usd.loc[usd["amount"] > 10, "amount"], D(0))
    assert high.above == 0 and high.above_total == 0 and high.current_threshold == D("500")
    assert (yen.above, yen.above_total) == (1, D("4328"))
    with Session() as s:
        assert qa.threshold_what_if(s, "USD", D("10"), today=today + timedelta(days=120)).refunds == 0


def test_empty_filter_gives_empty_frames_not_errors(Session, history):
    f = Filters(date(2020, 1, 1), date(2020, 1, 31), category="nothing")
    with Session() as s:
        assert qa.refund_series(s, f).empty and qa.returns_cancellations_series(s, f).empty
        assert qa.return_rate_by_category(s, f).empty and qa.refunds_by(s, f, "reason").empty
        assert qa.drilldown(s, f, "refunds").empty and qa.refunds_per_agent(s, f).empty
        assert {k.key: k.value for k in qa.kpis(s, f)} == {
            "refund_total": 0, "return_rate": None, "cancellations": 0, "average_refund": None}


def test_streamed_csv_has_every_drilldown_row(Session, history):
    f = Filters(MON, history["end"])
    with Session() as s:
        text = "".join(qa.drilldown_csv(s, f, "refunds", batch=2))
        frame = qa.drilldown(s, f, "refunds")
    lines = text.strip().splitlines()
    assert lines[0].startswith("credit_memo,order_number") and len(lines) == len(frame) + 1


def test_queue_health_from_cases(Session, users, customer_id, clock):
    agent, lead = users["agent"], users["lead"]
    with Session.begin() as s:
        clock.at(MON, 8)
        answered = create_case(s, subject="Broken mug", body="It broke.", customer_id=customer_id,
                               priority="high", actor=agent)
        late = create_case(s, subject="Where is it?", body="Late.", customer_id=customer_id,
                           priority="urgent", actor=agent)
        create_case(s, subject="Question", body="Hi.", customer_id=customer_id, priority="low", actor=agent)
    with Session.begin() as s:
        clock.at(MON, 10)
        take_case(s, answered.id, actor=agent)
        add_case_message(s, answered.id, body="Sorry, a new one is on its way.", kind="reply", actor=agent)
        set_case_status(s, answered.id, "resolved", actor=agent)   # 2 h after creation, within 8 h
    with Session.begin() as s:
        clock.at(MON + timedelta(days=1), 14)
        take_case(s, late.id, actor=lead)
        add_case_message(s, late.id, body="Looking.", kind="reply", actor=lead)
        set_case_status(s, late.id, "resolved", actor=lead)        # 30 h: urgent SLA (4 h) breached
    with Session() as s:
        health = qa.queue_health(s, MON, MON + timedelta(days=2), now=clock.at(MON + timedelta(days=2)))
        previous = qa.queue_health(s, MON - timedelta(days=7), MON - timedelta(days=1))
    flow = health.flow.set_index("period")
    assert flow["created"].tolist() == [3, 0, 0] and flow["resolved"].tolist() == [1, 1, 0]
    assert flow["backlog"].tolist() == [2, 1, 1] and flow["breached"].sum() == 1
    assert health.first_response_median_hours == D(16) and health.resolution_median_hours == D(16)
    assert health.open_per_agent.to_dict("records") == [{"agent": "", "open": 1}]
    assert previous.flow["created"].sum() == 0 and previous.first_response_median_hours is None


# --- rollups = facts, as the actions and the triggers write them ------------------------------------------
ANALYTICS_TABLES = {"product_rollups": "currency, grain, day, channel, reason, category, product_id",
                    "refund_rollups": "currency, level, day, actor_id, kind, reason, channel",
                    "refund_size_rollups": "currency, day, refunded_minor", "case_rollups": "day",
                    "case_timings": "case_id", "case_open_counts": "assignee_id",
                    "case_duration_buckets": "measure, created_day, bucket",
                    "order_rollup_totals": "currency, kind, day, reason, channel"}


def _analytics_snapshot(conn) -> dict:
    def value(v):
        return str(round(D(str(v)), 2)) if isinstance(v, (float, Decimal)) else str(v)
    snapshot = {table: [tuple(value(v) for v in row) for row in conn.execute(
        text(f"SELECT * FROM {table} WHERE {' + '.join(NONZERO[table])} <> 0 ORDER BY {key}"))]
        for table, key in ANALYTICS_TABLES.items()}
    snapshot["line_refunds"] = [(row[0], value(row[1])) for row in conn.execute(
        text("SELECT id, refunded FROM change_order_lines ORDER BY id"))]
    return snapshot


NONZERO = {"product_rollups": ("fulfilled_units", "returned_units"), "refund_rollups": ("refunds",),
           "refund_size_rollups": ("refunds",), "case_timings": ("1",), "case_open_counts": ("open_cases",),
           "case_rollups": ("created", "resolved", "resolved_late", "open_due", "responded", "resolutions"),
           "case_duration_buckets": ("cases",), "order_rollup_totals": ("events", "units", "amount", "refunded")}


def assert_rollups_equal_the_facts(Session):  # noqa: N803
    """What the actions and triggers wrote == the rollups rebuilt from the facts (and line refunds replayed)."""
    with Session() as s:
        conn = s.connection()
        written = _analytics_snapshot(conn)
        rollup_rebuild.rebuild_order_rollups(conn)
        rollup_rebuild.rebuild_case_rollups(conn)
        rollup_rebuild.rebuild_order_rollup_totals(conn)
        conn.execute(text("UPDATE change_order_lines SET refunded = NULL"))
        filled, unfilled = rollup_rebuild.fill_line_refunds(conn)
        rebuilt = _analytics_snapshot(conn)
        s.rollback()
    assert unfilled == 0 and filled > 0
    for table in written:
        assert written[table] == rebuilt[table], table
    return written


def test_the_actions_keep_product_refund_and_line_rollups_equal_to_the_facts(Session, history):
    written = assert_rollups_equal_the_facts(Session)
    assert written["product_rollups"] and written["refund_rollups"] and written["refund_size_rollups"]
    assert all(refunded != "None" for _, refunded in written["line_refunds"])
    assert checker.check(Session.kw["bind"].url.render_as_string(hide_password=False)) == []


def test_case_triggers_keep_the_case_rollups_through_every_change(Session, users, customer_id, clock):
    agent, lead = users["agent"], users["lead"]
    with Session.begin() as s:
        clock.at(MON, 8)
        cases = [create_case(s, subject=f"Case {n}", body="Help.", customer_id=customer_id, actor=agent,
                             priority=("urgent", "normal", "low")[n % 3]) for n in range(5)]
    with Session.begin() as s:
        clock.at(MON + timedelta(days=1), 11)
        take_case(s, cases[0].id, actor=agent)
        add_case_message(s, cases[0].id, body="On it.", kind="reply", actor=agent)
        set_case_status(s, cases[0].id, "resolved", actor=agent)
        assign_case(s, cases[1].id, lead.id, actor=lead)
        set_case_status(s, cases[2].id, "closed", actor=lead)
    with Session.begin() as s:
        clock.at(MON + timedelta(days=2), 9)
        add_case_message(s, cases[0].id, body="Still broken.", kind="customer", actor=agent)  # reopens
        s.execute(text("UPDATE cases SET assignee_id = :a, status = 'pending' WHERE id IN (:x, :y)"),
                  {"a": agent.id, "x": cases[3].id, "y": cases[4].id})   # a bulk edit straight in SQL
        s.execute(text("DELETE FROM cases WHERE id = :x"), {"x": cases[2].id})
    assert_rollups_equal_the_facts_cases(Session)
    with Session() as s:
        opened = qa.open_cases_per_agent(s).set_index("agent")["open"].to_dict()
    assert opened == {"Agent": 3, "Lead": 1}


def assert_rollups_equal_the_facts_cases(Session):  # noqa: N803
    with Session() as s:
        conn = s.connection()
        written = _analytics_snapshot(conn)
        rollup_rebuild.rebuild_case_rollups(conn)
        rebuilt = _analytics_snapshot(conn)
        s.rollback()
    for table in ("case_rollups", "case_timings", "case_open_counts", "case_duration_buckets"):
        assert written[table] == rebuilt[table] and written[table], table


def test_model_check_catches_rollups_that_differ_from_the_facts(Session, history):
    url = Session.kw["bind"].url.render_as_string(hide_password=False)
    tamperings = {
        28: "UPDATE product_rollups SET returned_units = returned_units + 1 WHERE grain = 'day' AND returned_units > 0",
        29: "UPDATE refund_rollups SET refunded = refunded + 0.01",
        30: "UPDATE refund_size_rollups SET refunded_minor = refunded_minor + 1",
        31: "UPDATE change_order_lines SET refunded = refunded + 1 WHERE line_id IS NOT NULL",
        33: "UPDATE order_rollup_totals SET units = units + 1 WHERE kind = 'fulfilled'",
        32: "INSERT INTO case_rollups (day, created, resolved, resolved_late, open_due, responded, resolutions) "
            "VALUES ('2026-03-02', 1, 0, 0, 0, 0, 0)",
    }
    assert checker.check(url) == []
    for rule, statement in tamperings.items():
        with Session.begin() as s:
            s.execute(text(statement))
        assert rule in checker.run(url).rules, rule
        with Session.begin() as s:  # undo: rebuild from the facts
            rollup_rebuild.rebuild_order_rollups(s.connection())
            rollup_rebuild.rebuild_case_rollups(s.connection())
            rollup_rebuild.rebuild_order_rollup_totals(s.connection())
            s.execute(text("UPDATE change_order_lines SET refunded = NULL"))
            rollup_rebuild.fill_line_refunds(s.connection())
        assert checker.check(url) == []


# --- return rate by product --------------------------------------------------------------------------------
def test_return_rate_by_product_ranks_products_in_each_currency(Session, history):
    f = Filters(MON, history["end"])
    usd = _read(Session, qa.return_rate_by_product, f, min_units=1)
    # A: 1 of 2 back, B: 2 of 3 (RMA), C: 1 of 2; highest rate first, then most returned, then product.
    assert usd[["sku", "fulfilled_units", "returned_units"]].values.tolist() == [["B", 3, 2], ["A", 2, 1], ["C", 2, 1]]
    assert usd["rate"].tolist() == [D(2) / D(3), D("0.5"), D("0.5")]
    assert usd["category"].tolist() == ["home", "kitchen", "apparel"]
    jpy = _read(Session, qa.return_rate_by_product, replace(f, currency="JPY"), min_units=1)
    assert jpy[["sku", "fulfilled_units", "returned_units"]].values.tolist() == [["C", 2, 2], ["A", 1, 1]]
    damaged = _read(Session, qa.return_rate_by_product, replace(f, reason="damaged"), min_units=1)
    assert damaged[["sku", "returned_units", "fulfilled_units"]].values.tolist() == [["A", 1, 2], ["C", 1, 2],
                                                                                     ["B", 0, 3]]
    phone = _read(Session, qa.return_rate_by_product, replace(f, channel="phone"), min_units=1)
    assert phone["sku"].tolist() == ["B", "C"] and phone["fulfilled_units"].tolist() == [2, 2]
    assert _read(Session, qa.return_rate_by_product, f, min_units=3)["sku"].tolist() == ["B"]
    assert _read(Session, qa.return_rate_by_product, f, min_units=1, limit=1)["sku"].tolist() == ["B"]
    assert _read(Session, qa.return_rate_by_product, replace(f, category="kitchen"), min_units=1)["sku"].tolist() \
        == ["A"]


def test_product_units_read_months_whole_and_the_ragged_ends_by_day(Session, users, catalog, customer_id, clock):
    """Shipments on both sides of month ends: every range gives what the days add up to."""
    days = [date(2026, 1, 30), date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 27), date(2026, 3, 1),
            date(2026, 3, 31), date(2026, 4, 2)]
    for n, day in enumerate(days):
        with Session.begin() as s:
            clock.at(day)
            order = _place(s, customer_id, users["agent"], [("A", n + 1, "15.00")], now=clock.now)
            fulfill(s, order.id, actor=users["agent"])
    shipped = {day: n + 1 for n, day in enumerate(days)}
    for start, end in [(date(2026, 1, 31), date(2026, 3, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
                       (date(2026, 1, 1), date(2026, 4, 30)), (date(2026, 2, 2), date(2026, 3, 1)),
                       (date(2026, 3, 31), date(2026, 3, 31))]:
        expected = sum(q for day, q in shipped.items() if start <= day <= end)
        units = _read(Session, qa.product_units, Filters(start, end))
        assert units.get(1, [0, 0])[0] == expected, (start, end)
    assert qa.grain_spans(date(2026, 1, 31), date(2026, 3, 31)) == [
        ("day", date(2026, 1, 31), date(2026, 1, 31)), ("month", date(2026, 2, 1), date(2026, 3, 1))]
    assert qa.grain_spans(date(2026, 2, 2), date(2026, 3, 1)) == [("day", date(2026, 2, 2), date(2026, 3, 1))]


# --- refunds by category: per-line refunded money --------------------------------------------------------
def test_refund_drilldown_with_a_category_matches_the_chart_to_the_cent(Session, history):
    """A change order over two categories (the yen order's full return) splits by line, not by memo."""
    for currency in ("USD", "JPY"):
        f = Filters(MON, history["end"], currency=currency)
        by_category = _read(Session, qa.refunds_by, f, "category")
        assert len(by_category) >= 2
        for point in by_category.itertuples():
            if point.category == "":
                continue  # shipping and fees: no category, no line
            narrowed = replace(f, category=point.category)
            rows = _read(Session, qa.drilldown, narrowed, "refunds")
            assert qa.drilldown_total(rows, "refunds") == point.refunded, (currency, point)
            assert set(rows["category"]) == {point.category}
            series = _read(Session, qa.refund_series, narrowed)
            assert sum(series["refunded"], D(0)) == point.refunded
    jpy = Filters(MON, history["end"], currency="JPY")
    kitchen = _read(Session, qa.drilldown, replace(jpy, category="kitchen"), "refunds")
    # A 1500 + 10 % tax; the memo of that return is 4328 (apparel and shipping too).
    assert kitchen["refunded"].tolist() == [D("1650")] and kitchen["credit_memo"].str.startswith("CM-").all()
    product = _read(Session, qa.drilldown, replace(jpy, product=3), "refunds")
    assert product["sku"].tolist() == ["C"] and product["refunded"].tolist() == [D("2178")]


def test_random_filters_with_a_category_reconcile_with_the_change_order_lines(Session, history):
    with Session() as s:
        lines = s.execute(text(
            "SELECT co.kind, co.reason, o.channel, o.currency, l.category, col.refunded FROM change_order_lines col "
            "JOIN change_orders co ON co.id = col.change_order_id JOIN order_summaries o ON o.id = co.order_id "
            "JOIN order_item_summaries l ON l.id = col.line_id")).all()
    facts_frame = pd.DataFrame(lines, columns=["kind", "reason", "channel", "currency", "category", "refunded"])
    facts_frame["refunded"] = [round(D(str(v)), 2 if c != "JPY" else 0) for v, c in
                               zip(facts_frame["refunded"], facts_frame["currency"])]
    combos = itertools.product(("USD", "JPY"), (None, "web", "phone", "marketplace"),
                               (None, "damaged", "defective", "changed_mind"), ("kitchen", "home", "apparel"))
    for currency, channel, reason, category in combos:
        f = Filters(MON, history["end"], currency=currency, channel=channel, reason=reason, category=category)
        chosen = facts_frame[(facts_frame["currency"] == currency) & (facts_frame["category"] == category)
                             & (facts_frame["kind"].isin(qa.REFUND_KINDS))
                             & ((facts_frame["channel"] == channel) if channel else True)
                             & ((facts_frame["reason"] == reason) if reason else True)]
        expected = sum(chosen["refunded"], D(0))
        assert sum(_read(Session, qa.refund_series, f)["refunded"], D(0)) == expected
        assert qa.drilldown_total(_read(Session, qa.drilldown, f, "refunds"), "refunds") == expected


# --- currency: one at a time, or converted with the rates table -----------------------------------------
@pytest.fixture
def rates(Session):
    with Session.begin() as s:
        set_rate(s, "JPY", "USD", D("0.0067"), MON - timedelta(days=30))
        set_rate(s, "JPY", "USD", D("0.0070"), MON + timedelta(days=5))
        set_rate(s, "USD", "JPY", D("150"), MON - timedelta(days=30))


def test_converted_refunds_add_each_currency_times_the_rate_of_its_day(Session, history, rates):
    f = Filters(MON, history["end"], currency="USD", convert=True)
    memos = facts(Session)
    usd = sum(memos.loc[memos["currency"] == "USD", "amount"], D(0))
    yen = memos[memos["currency"] == "JPY"]
    exact = usd + sum((a * (D("0.0067") if day < MON + timedelta(days=5) else D("0.0070"))
                       for a, day in zip(yen["amount"], yen["day"])), D(0))
    assert exact == usd + D("4328") * D("0.0067")
    cards = {k.key: k for k in _read(Session, qa.kpis, f)}
    assert cards["refund_total"].value == exact.quantize(D("0.01"))
    series = _read(Session, qa.refund_series, f)
    day2 = sum(series.loc[series["period"] == MON + timedelta(days=1), "refunded"], D(0))
    assert day2 == (D("21.60") + D("4328") * D("0.0067")).quantize(D("0.01")) == D("50.60")
    # The drilldown of that day: every record with its rate; the exact total rounds to the bar.
    rows = _read(Session, qa.drilldown, f.narrowed(MON + timedelta(days=1), MON + timedelta(days=1)), "refunds")
    assert set(rows["currency"]) == {"USD", "JPY"} and D("0.0067") in set(rows["rate"])
    assert qa.drilldown_total(rows, "refunds").quantize(D("0.01")) == day2
    # Units count every currency in a converted view.
    by_product = _read(Session, qa.return_rate_by_product, f, min_units=1).set_index("sku")
    assert by_product.loc["C", ["fulfilled_units", "returned_units"]].tolist() == [4, 3]
    # Into yen: dollars × 150 (120.79 × 150 = 18,118.5), rounded once, half up, to whole yen.
    yen_view = {k.key: k.value for k in _read(Session, qa.kpis, replace(f, currency="JPY"))}
    assert yen_view["refund_total"] == (D("4328") + usd * 150).quantize(D("1"), ROUND_HALF_UP) == D("22447")


def test_a_converted_view_without_a_rate_for_a_day_with_data_says_which(Session, history):
    with Session.begin() as s:
        set_rate(s, "JPY", "USD", D("0.0068"), MON + timedelta(days=2))
    f = Filters(MON, history["end"], convert=True)
    with pytest.raises(qa.MissingRate, match="JPY to USD covers 2026-03-03"):
        _read(Session, qa.refund_series, f)
    later = Filters(MON + timedelta(days=2), history["end"], convert=True)
    assert _read(Session, qa.refund_series, later)["refunded"].sum() > 0   # no yen refund after the rate starts
    with Session() as s:
        conversion = qa.load_conversion(s, later)
    assert [(p.currency, p.rate, p.start) for p in conversion.periods] == [("JPY", D("0.0068"), later.start)]


def test_rates_are_validated_and_replaced(Session):
    with Session.begin() as s:
        set_rate(s, "EUR", "USD", "1.08", MON)
        set_rate(s, "EUR", "USD", "1.09", MON)
        for bad in ("0", "-1", "abc", "1.123456789", "NaN"):
            with pytest.raises(RateError):
                set_rate(s, "EUR", "USD", bad, MON)
        with pytest.raises(RateError):
            set_rate(s, "USD", "USD", "1", MON)
    with Session() as s:
        assert [(r.currency, r.target, r.rate) for r in list_rates(s)] == [("EUR", "USD", D("1.09"))]


def test_filters_parse_conversion_and_product_and_refuse_junk():
    f = qa.parse_filters({"start": "2026-03-01", "end": "2026-03-31", "currency": "JPY", "convert": "true",
                          "product": "7"})
    assert f.convert and f.product == 7 and f.currencies == tuple(sorted(qa.filters.MINOR_UNITS))
    for junk in ({"convert": "maybe"}, {"product": "x"}, {"currency": "XXX"}, {"channel": "fax"},
                 {"end": "2020-01-01"}, {"start": "2020-01-01"}):
        with pytest.raises(ValueError):
            qa.parse_filters({"start": "2026-03-01", "end": "2026-03-31", **junk})


# --- queue health reconciles with the cases ----------------------------------------------------------------
def test_queue_flow_and_medians_equal_the_same_figures_from_the_cases(Session, users, customer_id, clock):
    agent = users["agent"]
    made = []
    for n in range(9):
        with Session.begin() as s:
            clock.at(MON + timedelta(days=n % 4), 8 + n)
            made.append(create_case(s, subject=f"Q{n}", body="Hi.", customer_id=customer_id, actor=agent,
                                    priority=("urgent", "high", "normal")[n % 3]).id)
    for n, case_id in enumerate(made[:7]):
        with Session.begin() as s:
            clock.at(MON + timedelta(days=n % 5), 23)
            add_case_message(s, case_id, body="Reply.", kind="reply", actor=agent)
            if n % 2 == 0:
                set_case_status(s, case_id, "resolved", actor=agent)
    now = clock.at(MON + timedelta(days=4), 12)
    with Session() as s:
        cases = pd.DataFrame(s.execute(text("SELECT created_at, first_response_at, resolved_at, due_at FROM cases"))
                             .all(), columns=["created", "first", "resolved", "due"])
        health = qa.queue_health(s, MON, MON + timedelta(days=6), now=now)
    for column in cases:
        cases[column] = pd.to_datetime(cases[column], utc=True, format="ISO8601")
    days = [MON + timedelta(days=n) for n in range(7)]
    flow = health.flow.set_index("period")
    assert flow["created"].tolist() == [int((cases["created"].dt.date == d).sum()) for d in days]
    assert flow["resolved"].tolist() == [int((cases["resolved"].dt.date == d).sum()) for d in days]
    late = cases["resolved"].fillna(pd.Timestamp(now)) > cases["due"]
    assert flow["breached"].tolist() == [int(((cases["due"].dt.date == d) & late).sum()) for d in days]
    assert flow["breached"].sum() > 0

    def median_hours(column):
        seconds = sorted(int(v.timestamp()) - int(c.timestamp()) for v, c in zip(cases[column], cases["created"])
                         if not pd.isna(v))
        middle = seconds[(len(seconds) - 1) // 2: len(seconds) // 2 + 1]
        return D(sum(middle)) / len(middle) / 3600
    assert health.first_response_median_hours == median_hours("first")
    assert health.resolution_median_hours == median_hours("resolved")
    assert isinstance(health.first_response_median_hours, Decimal)
