"""The demo data generator (model.demo) on SQLite and PostgreSQL: deterministic, valid, complete."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from model import demo
from model import db as model_db
from model.money import discount_share, line_tax, round_money, to_minor
from model.policy import REASONS
from model.security import verify_password
from tests.unit.helpers import digest

SMALL = {"customers": 60, "orders": 300, "cases": 80}


def _scalar(url: str, sql: str):
    engine = model_db.get_engine(url)
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def _rows(url: str, sql: str) -> list:
    engine = model_db.get_engine(url)
    with engine.connect() as conn:
        return conn.execute(text(sql)).all()


def _fresh_sqlite(tmp_path, name: str) -> str:
    return f"sqlite:///{tmp_path / name}"


@pytest.fixture
def small_demo(database_url) -> str:
    """A small demo (seed 1) in the test database; returns its URL."""
    demo.generate(database_url, seed=1, **SMALL)
    return database_url


# --- determinism ---------------------------------------------------------------------------
def test_same_seed_gives_identical_rows(tmp_path):
    first, second = _fresh_sqlite(tmp_path, "a.db"), _fresh_sqlite(tmp_path, "b.db")
    demo.generate(first, seed=5, **SMALL)
    demo.generate(second, seed=5, **SMALL)
    assert digest(model_db.connect(first)) == digest(model_db.connect(second))


def test_different_seed_gives_different_rows(tmp_path):
    first, second = _fresh_sqlite(tmp_path, "a.db"), _fresh_sqlite(tmp_path, "b.db")
    demo.generate(first, seed=5, **SMALL)
    demo.generate(second, seed=6, **SMALL)
    assert digest(model_db.connect(first)) != digest(model_db.connect(second))


def test_worker_processes_write_the_same_rows_as_one_process(tmp_path, monkeypatch):
    """Given chunks small enough for many tasks, when two forked workers share them, then nothing changes."""
    monkeypatch.setattr(demo.workers, "CUSTOMER_CHUNK", 25)
    monkeypatch.setattr(demo.workers, "ORDER_CHUNK", 40)
    monkeypatch.setattr(demo.workers, "CASE_CHUNK", 20)
    alone, forked = _fresh_sqlite(tmp_path, "alone.db"), _fresh_sqlite(tmp_path, "forked.db")
    demo.generate(alone, seed=3, processes=False, **SMALL)
    demo.generate(forked, seed=3, processes=True, **SMALL)
    assert digest(model_db.connect(alone)) == digest(model_db.connect(forked))


def test_postgresql_gets_the_same_rows_as_sqlite(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        pytest.skip("compares PostgreSQL with SQLite")
    sqlite_url = _fresh_sqlite(tmp_path, "same.db")
    demo.generate(database_url, seed=2, **SMALL)
    demo.generate(sqlite_url, seed=2, **SMALL)
    assert _portable_digest(database_url) == _portable_digest(sqlite_url)


def _portable_digest(url: str) -> str:
    """helpers.digest, with datetimes as UTC text (psycopg and SQLite name the UTC zone differently)."""
    import hashlib
    from datetime import datetime, timezone

    from sqlalchemy import select

    from model.entities import Base

    h = hashlib.sha256()
    with model_db.connect(url)() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table).order_by(*table.primary_key.columns)):
                h.update(repr(tuple(v.astimezone(timezone.utc).isoformat() if isinstance(v, datetime) else v
                                    for v in row)).encode())
    return h.hexdigest()


# --- the contract ----------------------------------------------------------------------------
def test_generated_data_satisfies_every_invariant(small_demo):
    from model.check import check

    assert check(small_demo) == []


def test_counts_returned_match_the_tables(database_url):
    counts = demo.generate(database_url, seed=4, **SMALL)
    for table in ("customers", "order_summaries", "order_item_summaries", "cases", "case_messages",
                  "audit_events", "order_rollups", "fulfillment_orders"):
        assert counts[table] == _scalar(database_url, f"SELECT count(*) FROM {table}"), table
    assert counts["customers"] == SMALL["customers"]
    assert counts["order_summaries"] == SMALL["orders"]
    assert counts["cases"] == SMALL["cases"]


def test_refuses_a_database_that_has_data(small_demo):
    with pytest.raises(demo.DemoError, match="empty database"):
        demo.generate(small_demo, seed=2, **SMALL)


def test_command_line_exits_2_on_a_database_with_data(small_demo, capsys):
    assert demo.main(["--customers", "5", "--orders", "5", "--cases", "5", "--database-url", small_demo,
                      "--quiet"]) == 2
    assert "empty database" in capsys.readouterr().err


def test_every_case_type_priority_status_and_channel_appears(small_demo):
    for column, values in (("type", demo.CASE_TYPES), ("priority", demo.CASE_PRIORITIES),
                           ("status", demo.CASE_STATUSES), ("channel", demo.CASE_CHANNELS)):
        present = {v for (v,) in _rows(small_demo, f"SELECT DISTINCT {column} FROM cases")}
        assert present == set(values), column


def test_jpy_amounts_have_no_fractional_part(small_demo):
    checks = {
        "order_summaries o": ("o.currency", ("subtotal", "discounts", "tax", "shipping", "grand_total",
                                             "original_grand_total", "shipping_captured", "shipping_refunded")),
        "order_item_summaries l JOIN order_summaries o ON o.id = l.order_id":
            ("o.currency", ("l.unit_price", "l.discount", "l.tax", "l.captured", "l.refunded")),
        "order_payment_summaries p JOIN order_summaries o ON o.id = p.order_id":
            ("o.currency", ("p.authorized", "p.captured", "p.refunded")),
        "change_orders c JOIN order_summaries o ON o.id = c.order_id": ("o.currency", ("c.amount", "c.refunded")),
        "credit_memos m JOIN order_summaries o ON o.id = m.order_id": ("o.currency", ("m.amount",)),
        "order_rollups r": ("r.currency", ("r.amount", "r.refunded")),
    }
    seen = 0
    for source, (currency, columns) in checks.items():
        rows = _rows(small_demo, f"SELECT {', '.join(columns)} FROM {source} WHERE {currency} = 'JPY'")
        seen += len(rows)
        for row in rows:
            for column, value in zip(columns, row):
                assert Decimal(str(value)) == Decimal(str(value)).to_integral_value(), (source, column, value)
    assert seen > 0


def test_small_demo_tells_every_story(small_demo):
    """Lost and reshipped, split, store pickup, canceled, returned and an open RMA, even with 300 orders."""
    url = small_demo
    lost = _scalar(url, "SELECT count(*) FROM fulfillment_orders lost JOIN fulfillment_orders reship "
                        "ON reship.reship_of_id = lost.id WHERE lost.status = 'lost' AND reship.is_reship = "
                        + ("true" if url.startswith("postgresql") else "1"))
    assert lost >= 1
    assert _scalar(url, "SELECT count(*) FROM fulfillment_order_lines fl JOIN fulfillment_orders f "
                        "ON f.id = fl.fulfillment_order_id WHERE f.status = 'lost' AND fl.reshipped > 0") >= 1
    split = _scalar(url, "SELECT count(*) FROM (SELECT order_id FROM fulfillment_orders WHERE reship_of_id IS NULL "
                         "GROUP BY order_id HAVING count(*) >= 2) s")
    assert split >= 1
    assert _scalar(url, "SELECT count(*) FROM order_summaries o JOIN fulfillment_orders f ON f.order_id = o.id "
                        "WHERE o.pickup_store IS NOT NULL AND f.location_type = 'store' "
                        "AND o.shipping_charged = 0") >= 1
    assert _scalar(url, "SELECT count(*) FROM order_summaries WHERE status = 'canceled'") >= 1
    assert _scalar(url, "SELECT count(*) FROM change_orders WHERE kind IN ('return', 'rma')") >= 1
    assert _scalar(url, "SELECT count(*) FROM return_orders WHERE status IN ('submitted', 'received')") >= 1
    assert _scalar(url, "SELECT count(*) FROM order_item_summaries WHERE return_initiated > 0") >= 1


def test_reason_codes_come_from_the_policy(small_demo):
    for kind, reason in _rows(small_demo, "SELECT DISTINCT kind, reason FROM change_orders"):
        assert reason in REASONS[kind], (kind, reason)
    for (reason,) in _rows(small_demo, "SELECT DISTINCT reason FROM return_orders"):
        assert reason in REASONS["rma"]
    for (reason,) in _rows(small_demo, "SELECT DISTINCT lost_reason FROM fulfillment_orders "
                                       "WHERE lost_reason IS NOT NULL"):
        assert reason in REASONS["report_lost"]


def test_cases_are_current_as_of_the_anchor(small_demo):
    """Open work was created shortly before the anchor; some of it is past its due time."""
    open_cases = _rows(small_demo, "SELECT created_at, due_at, first_response_at, resolved_at FROM cases "
                                   "WHERE status IN ('new', 'open', 'pending')")
    assert open_cases
    anchor = demo.ANCHOR
    assert all(_utc(created) < anchor for created, *_ in open_cases)
    assert any(_utc(due) < anchor for _, due, _, _ in open_cases)
    assert all(resolved is None for *_, resolved in open_cases)
    numbers = [n for (n,) in _rows(small_demo, "SELECT number FROM cases ORDER BY created_at, id")]
    assert numbers == sorted(numbers), "case numbers follow creation time"


def test_linked_cases_belong_to_the_order_customer_and_name_the_order(small_demo):
    rows = _rows(small_demo, "SELECT c.subject, o.number, c.customer_id, o.customer_id FROM cases c "
                             "JOIN order_summaries o ON o.id = c.order_id")
    assert rows
    for subject, number, case_customer, order_customer in rows:
        assert case_customer == order_customer
    first_messages = _rows(small_demo, "SELECT c.subject, m.body, o.number FROM cases c "
                                       "JOIN order_summaries o ON o.id = c.order_id "
                                       "JOIN case_messages m ON m.case_id = c.id "
                                       "WHERE m.id = (SELECT min(id) FROM case_messages WHERE case_id = c.id)")
    assert all(number in subject + body for subject, body, number in first_messages)


def test_cases_are_searchable(small_demo):
    """The queue's full-text index (kept by triggers the bulk load bypasses) covers every case."""
    table = "case_search" if small_demo.startswith("postgresql") else "cases_fts"
    try:
        indexed = _scalar(small_demo, f"SELECT count(*) FROM {table}")
    except Exception:  # noqa: BLE001 - no search migration in this schema
        pytest.skip("no full-text index in this schema")
    assert indexed == SMALL["cases"]


def test_demo_users_sign_in_with_their_passwords(small_demo):
    users = {login: (role, name, language, zone, password_hash) for login, role, name, language, zone, password_hash
             in _rows(small_demo, "SELECT login, role, display_name, language, time_zone, password_hash FROM users")}
    assert len(users) == len(demo.DEMO_USERS) >= 26
    for user in demo.DEMO_USERS:
        role, name, language, zone, password_hash = users[user["login"]]
        assert (role, name, language, zone) == (user["role"], user["display_name"], user["language"],
                                                user["time_zone"])
        assert verify_password(password_hash, user["password"])
    assert users["tanaka"][1:4] == ("田中 花子", "ja", "Asia/Tokyo")
    assert users["garcia"][1:3] == ("María García", "es")
    assert {u["role"] for u in demo.DEMO_USERS} == {"agent", "lead", "manager", "admin"}


def test_customers_have_one_primary_email_and_unique_addresses(small_demo):
    assert _scalar(small_demo, "SELECT count(*) FROM (SELECT customer_id FROM customer_emails "
                               "GROUP BY customer_id HAVING sum(CASE WHEN is_primary THEN 1 ELSE 0 END) <> 1) x") == 0
    assert _scalar(small_demo, "SELECT count(*) - count(DISTINCT email) FROM customer_emails") == 0
    currencies = dict(_rows(small_demo, "SELECT language, min(currency) FROM customers GROUP BY language"))
    assert currencies == {"en": "USD", "ja": "JPY", "es": "EUR"}


def test_anchor_moves_the_whole_data_set(tmp_path):
    from datetime import datetime, timezone

    url = _fresh_sqlite(tmp_path, "moved.db")
    anchor = datetime(2027, 3, 1, tzinfo=timezone.utc)
    demo.generate(url, seed=1, anchor=anchor, customers=20, orders=50, cases=10)
    latest = _scalar(url, "SELECT max(placed_at) FROM order_summaries")
    assert "2027-02" in str(latest)


# --- the arithmetic ------------------------------------------------------------------------------
@given(net=st.integers(min_value=0, max_value=10**9), rate=st.integers(min_value=0, max_value=9999),
       currency=st.sampled_from(["USD", "JPY", "EUR"]))
def test_integer_tax_matches_line_tax(net, rate, currency):
    scale = 1 if currency == "JPY" else 100
    expected = line_tax(Decimal(net) / scale, Decimal(rate) / 10000, currency)
    assert demo._tax(net, rate) == to_minor(expected, currency)


@given(discount=st.integers(min_value=0, max_value=10**7), quantity=st.integers(min_value=0, max_value=50),
       units=st.integers(min_value=-2, max_value=60), currency=st.sampled_from(["USD", "JPY"]))
def test_integer_share_matches_discount_share(discount, quantity, units, currency):
    scale = 1 if currency == "JPY" else 100
    amount = round_money(Decimal(discount) / scale, currency)
    expected = discount_share(amount, quantity, units, currency)
    assert demo._share(discount, quantity, units) == to_minor(expected, currency)


def _utc(value):
    from datetime import datetime, timezone

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def test_sqlite_engine_is_left_as_the_app_expects(small_demo):
    if not small_demo.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    engine = create_engine(small_demo)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        triggers = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar()
    engine.dispose()
    template = create_engine(f"sqlite:///{small_demo.split('///', 1)[1]}.fresh")
    model_db.upgrade(engine=template)
    with template.connect() as conn:
        expected = conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").scalar()
    template.dispose()
    assert triggers == expected
