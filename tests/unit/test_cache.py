"""The shared cache: generations bumped by commits (model/cache.py) and cached reads (pages/_cache.py).

Uses the Redis at REDIS_URL (default 127.0.0.1:6379); keys carry the test
database's own name, so runs beside each other do not meet. Skipped when no
Redis answers.
"""
from __future__ import annotations

import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import update

from model import cache as generations
from model.actions import return_items
from model.entities import Case, OrderItemSummary, OrderSummary
from tests.app_helpers import app_database_url  # noqa: F401 - fixture
from tests.unit.order_fixtures import make_order

REDIS_URL = generations.DEFAULT_REDIS_URL


def _redis_up() -> bool:
    probe = generations.Generations(REDIS_URL)
    return probe.current("sqlite:///probe.db", ("x",)) is not None


pytestmark = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


@pytest.fixture(autouse=True)
def counters():
    generations.configure(REDIS_URL)
    generations.track_writes()
    yield
    generations.stop_tracking()  # other tests' commits need not talk to Redis
    generations.configure(REDIS_URL)


def stamp(url, topic):
    return generations.generations(url, (topic,))[0]


def test_topics_group_tables_by_aggregate():
    assert {generations.topic_of(t) for t in ("order_summaries", "order_rollups", "credit_memos",
                                              "fulfillment_order_lines", "change_orders")} == {"orders"}
    assert generations.topic_of("case_messages") == generations.topic_of("cases") == "cases"
    assert generations.topic_of("audit_events") == "audit_events"


def test_a_commit_bumps_the_topics_it_wrote_and_a_rollback_bumps_nothing(Session, database_url, users,
                                                                           customer_id, catalog):
    orders, cases = stamp(database_url, "orders"), stamp(database_url, "cases")
    make_order(Session, users["agent"], customer_id)
    assert stamp(database_url, "orders") == orders + 1
    assert stamp(database_url, "cases") == cases

    with pytest.raises(RuntimeError), Session.begin() as s:
        s.add(Case(number="CS-ROLLBACK", subject="never stored", status="new", priority="normal"))
        s.flush()
        raise RuntimeError("roll back")
    assert stamp(database_url, "cases") == cases


def test_a_guarded_update_statement_counts_as_a_write(Session, database_url, users, customer_id, catalog):
    order_id = make_order(Session, users["agent"], customer_id)
    before = stamp(database_url, "orders")
    with Session.begin() as s:  # no ORM object is flushed: only the statement says what changed
        s.execute(update(OrderSummary).where(OrderSummary.id == order_id).values(status=OrderSummary.status))
    assert stamp(database_url, "orders") == before + 1


def test_redis_down_means_no_cache_and_missed_bumps_are_made_up_later(database_url):
    down = generations.configure("redis://127.0.0.1:1/0")  # nothing listens on port 1
    started = time.monotonic()
    assert generations.generations(database_url, ("orders",)) is None
    generations.bump(database_url, {"orders"})  # must not raise
    assert time.monotonic() - started < 2
    assert not down.available()  # the breaker: no second connection attempt right away

    live = generations.configure(REDIS_URL)
    before = stamp(database_url, "orders")
    live.failed(ConnectionError("simulated outage"))
    generations.bump(database_url, {"orders"})  # during the outage: remembered, not lost
    live._down_until = 0  # noqa: SLF001 - the outage ends
    assert stamp(database_url, "orders") == before + 1


# --- cached reads in the app ----------------------------------------------------------------------
@pytest.fixture
def production(app_database_url):
    """The app as wsgi builds it (cache on), with the test users."""
    import wsgi
    from tests.app_helpers import build_app, reset_dash_pages

    app = build_app(app_database_url)
    wsgi.configure_production(app.server, redis_url=REDIS_URL)
    yield app
    reset_dash_pages()


def test_cached_answers_from_redis_until_its_topic_changes(production, app_database_url):
    from pages import _cache

    calls = []

    def compute():
        calls.append(1)
        return {"total": Decimal("12.50"), "n": len(calls)}

    name = f"test.{uuid.uuid4().hex}"
    with production.server.app_context():
        first = _cache.cached(name, "a", topics=("orders",), compute=compute)
        again = _cache.cached(name, "a", topics=("orders",), compute=compute)
        other = _cache.cached(name, "b", topics=("orders",), compute=compute)
        generations.bump(app_database_url, {"orders"})
        after_write = _cache.cached(name, "a", topics=("orders",), compute=compute)
    assert first == again == {"total": Decimal("12.50"), "n": 1}
    assert other["n"] == 2 and after_write["n"] == 3


def test_without_redis_cached_just_computes(production):
    from pages import _cache

    generations.configure("redis://127.0.0.1:1/0")
    with production.server.app_context():
        values = [_cache.cached("test.down", topics=("orders",), compute=lambda: object()) for _ in range(2)]
    assert values[0] is not values[1]


def test_analytics_charts_are_served_from_the_cache_until_an_order_action(production, app_database_url):
    """Given a manager on analytics, when the charts are asked twice, the second answer is the
    first one from Redis; after a refund the next answer is computed again and shows it."""
    from model import db as model_db
    from model.actions import create_customer, create_product, fulfill, place_order
    from model.entities import User
    from pages import _cache
    from sqlalchemy import select
    from tests.load.dash_client import AppClient, chart_body, chart_names

    Session = model_db.connect(app_database_url)  # noqa: N806
    with Session.begin() as s:
        manager = s.scalars(select(User).where(User.login == "manager")).one()
        create_product(s, sku="MUG", name="Mug", category="kitchen", price=Decimal("20.00"))
        customer = create_customer(s, name="Ada", email="ada@example.com", actor=manager)
        order = place_order(s, customer_id=customer.id, lines=[("MUG", 2, Decimal("20.00"))],
                            tax_rate=Decimal("0"), shipping=Decimal("0"), actor=manager)
        fulfill(s, order.id, actor=manager)
        order_id = order.id

    client = AppClient(production.server.test_client(), "manager", "manager-demo")
    layout = client.go("/analytics")
    summary_body = client.body(output="analytics-kpis.children", changed=["analytics-dates.start_date"])
    filters = client.call(summary_body)["analytics-filters"]["data"]
    chart = chart_body(client.callbacks, "refunds", filters)
    assert "refunds" in chart_names(layout)
    before = (_cache.stats.hits, _cache.stats.misses)
    first, second = client.post(chart), client.post(chart)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert (_cache.stats.hits - before[0], _cache.stats.misses - before[1]) == (1, 1)
    summary = client.post(summary_body)  # cached by the call above

    with Session.begin() as s:
        line = s.scalars(select(OrderItemSummary).where(OrderItemSummary.order_id == order_id)).one()
        return_items(s, order_id, {line.id: 1}, actor=s.get(User, manager.id), reason="damaged")
    third = client.post(chart)
    assert _cache.stats.misses - before[1] == 2
    assert third.get_json() != first.get_json()
    assert "$20.00" not in str(summary.get_json()["response"]["analytics-kpis"])
    assert "$20.00" in str(client.call(summary_body)["analytics-kpis"])
