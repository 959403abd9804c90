"""Analytics queries on SQLite and PostgreSQL, over rollups written by the real actions.

Every figure is checked against the facts (credit memos, change orders, cases)
computed independently here, to the cent, in USD and JPY.
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import select

from model.actions import (
    add_case_message, cancel_items, close_return_order, create_case, create_return_order, credit_shipping,
    discount_items, fulfill, place_order, receive_return_order, return_items, set_case_status, take_case,
)
from model.entities import ChangeOrder, CreditMemo, OrderSummary
from model.queries import analytics as qa
from model.queries.analytics import Filters

D = Decimal
MON = date(2026, 3, 2)  # a Monday


@pytest.fixture
def clock(monkeypatch):
    """Move the actions' clock: `clock.at(day, hour)` sets what 'now' is."""
    import model.actions._common as common
    import model.actions.cases as cases
    import model.actions.flow as flow
    import model.actions.fulfillment as fulfillment
    import model.actions.returns as returns
    import model.actions.rma as rma

    class Clock:
        now = datetime.combine(MON, time(9), timezone.utc)

        def at(self, day: date, hour: int = 9):
            self.now = datetime.combine(day, time(hour), timezone.utc)
            return self.now

    c = Clock()
    for module in (common, cases, flow, fulfillment, returns, rma):
        monkeypatch.setattr(module, "utcnow", lambda: c.now)
    for module in (common, flow, fulfillment):
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
    assert rates.loc["kitchen", "rate"] == 0.5 and rates.loc["home", "rate"] == pytest.approx(2 / 3)
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
    assert cards["return_rate"].value == 3 / 4 and cards["return_rate"].previous == pytest.approx(1 / 3)
    with Session() as s:
        refund_orders = s.scalars(select(ChangeOrder).where(
            ChangeOrder.kind.in_(qa.REFUND_KINDS), ChangeOrder.created_at >= datetime(2026, 3, 9, tzinfo=timezone.utc),
            ChangeOrder.order_id.in_(history["orders"][:2]))).all()
    assert cards["average_refund"].value == (sum((c.refunded for c in refund_orders), D(0))
                                             / len(refund_orders)).quantize(D("0.01"))
    assert cards["refund_total"].change == pytest.approx(float(cards["refund_total"].value / D("21.60") - 1))


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
    outliers = qa._outliers(pd.Series([D(10), D(11), D(12), D(10), D(500)]), 3.0)
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
    assert health.first_response_median_hours == pytest.approx((2 + 30) / 2)
    assert health.resolution_median_hours == pytest.approx((2 + 30) / 2)
    assert health.open_per_agent.to_dict("records") == [{"agent": "", "open": 1}]
    assert previous.flow["created"].sum() == 0 and previous.first_response_median_hours is None
