"""Shared fixtures: a migrated database per test on SQLite and, when
TEST_DATABASE_URL is set, on PostgreSQL too."""
from __future__ import annotations

import os
import shutil
from decimal import Decimal

import pytest
from sqlalchemy import text

from model import db as model_db
from model.entities import Base

os.environ.setdefault("PASSWORD_HASH_ITERATIONS", "1000")  # hashing cost is not under test here
PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def _sqlite_template(tmp_path_factory) -> str:
    path = tmp_path_factory.getbasetemp() / "template.db"
    if not path.exists():
        engine = model_db.make_engine(f"sqlite:///{path}")
        model_db.upgrade(engine=engine)
        engine.dispose()
    return str(path)


def _truncate_postgres(url: str) -> None:
    engine = model_db.get_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, tmp_path_factory) -> str:
    """URL of an empty, migrated database; the PostgreSQL one is emptied per test."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL case skipped")
        model_db.connect(PG_URL)  # upgrades once per process
        _truncate_postgres(PG_URL)
        yield PG_URL
        return
    target = tmp_path / "test.db"
    shutil.copy(_sqlite_template(tmp_path_factory), target)
    url = f"sqlite:///{target}"
    yield url
    engine = model_db._engines.pop(url, None)
    model_db._sessionmakers.pop(url, None)
    if engine is not None:
        engine.dispose()


@pytest.fixture
def Session(database_url):  # noqa: N802 - a factory, named like SQLAlchemy's
    return model_db.connect(database_url)


@pytest.fixture
def users(Session):
    """One user of each role."""
    from model.actions import create_user
    with Session.begin() as s:
        made = {role: create_user(s, login=role, role=role, password="password-" + role,
                                  display_name=role.title()) for role in ("agent", "lead", "manager", "admin")}
        made["agent2"] = create_user(s, login="agent2", role="agent", password="password-agent2")
    return made


@pytest.fixture
def catalog(Session):
    from model.actions import create_product
    with Session.begin() as s:
        for sku, name, category, price in [("A", "Alpha mug", "kitchen", "15.00"),
                                           ("B", "Beta lamp", "home", "40.00"),
                                           ("C", "Gamma shirt", "apparel", "9.99")]:
            create_product(s, sku=sku, name=name, category=category, price=Decimal(price))
    return ["A", "B", "C"]


@pytest.fixture
def customer_id(Session, users):
    from model.actions import create_customer
    with Session.begin() as s:
        return create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=users["agent"]).id
