"""Fault scenarios against a real gunicorn (issue #9, "Faults and concurrency").

Helpers: a small data set written with the model's own actions, gunicorn
started as in production (gunicorn.conf.py, wsgi:server) on a free loopback
port, signed-in HTTP clients speaking Dash's protocol, and background traffic
that records every answer. Everything stays on 127.0.0.1 and stops by itself.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from sqlalchemy import select

from model import db as model_db
from tests.load import run
from tests.load.dash_client import AppClient, HttpTransport, route_body, try_again_message

PASSWORD = "fault-demo"
PEOPLE = (("agent", "agent"), ("agent2", "agent"), ("agent3", "agent"), ("lead", "lead"), ("manager", "manager"))


@dataclass
class Seeded:
    order_numbers: list[str]
    case_numbers: list[str]


def seed(url: str, *, orders: int = 8, cases: int = 4) -> Seeded:
    """People, a product, a customer, `orders` shipped orders (returnable today) and open cases."""
    from model.actions import create_case, create_customer, create_product, create_user, fulfill, place_order
    from model.entities import User

    Session = model_db.connect(url)  # noqa: N806
    with Session.begin() as s:
        for login, role in PEOPLE:
            create_user(s, login=login, role=role, password=PASSWORD, display_name=login.title())
    with Session.begin() as s:
        manager = s.scalars(select(User).where(User.login == "manager")).one()
        create_product(s, sku="MUG", name="Mug", category="kitchen", price=Decimal("18.00"))
        create_product(s, sku="LAMP", name="Lamp", category="home", price=Decimal("42.00"))
        customer = create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=manager)
        numbers = []
        for n in range(orders):
            order = place_order(s, customer_id=customer.id, lines=[("MUG", 2, Decimal("18.00")),
                                                                   ("LAMP", 1, Decimal("42.00"))],
                                tax_rate=Decimal("0.08"), shipping=Decimal("5.00"), actor=manager)
            fulfill(s, order.id, actor=manager)
            numbers.append(order.number)
        case_numbers = [create_case(s, subject=f"Where is my parcel {n}?", actor=manager, customer_id=customer.id,
                                    body="It has not arrived yet.").number for n in range(cases)]
    return Seeded(numbers, case_numbers)


@contextlib.contextmanager
def gunicorn(url: str, log_path, *, workers: int = 2, threads: int = 4, env: dict | None = None):
    """gunicorn serving wsgi:server on `url`; yields (base URL, master process)."""
    port = run.free_port()
    base = f"http://127.0.0.1:{port}"
    master = run.start_server(url, port, workers=workers, threads=threads, log_path=log_path,
                              extra_env={"PASSWORD_HASH_ITERATIONS": "1000", **(env or {})})
    try:
        run.wait_healthy(base, seconds=90)
        deadline = time.monotonic() + 60
        while len(run.worker_processes(master)) < workers and time.monotonic() < deadline:
            time.sleep(0.1)  # every worker up, so "the same workers afterwards" means something
        yield base, master
    finally:
        run.stop_server(master)


def sign_in(base: str, login: str = "agent") -> AppClient:
    return AppClient(HttpTransport(base, timeout=30), login, PASSWORD)


@dataclass
class Traffic:
    """What background clients saw: (started, seconds, status, "toast" (a callback's error toast)
    or exception name, the "try again" text if any)."""

    answers: list[tuple[float, float, object, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, started, elapsed, status, text=""):
        with self.lock:
            self.answers.append((started, elapsed, status, text))

    def between(self, start: float, end: float) -> list:
        return [a for a in self.answers if start <= a[0] < end]


@contextlib.contextmanager
def background_traffic(base: str, order_numbers: list[str], *, clients: int = 3, pause: float = 0.2,
                       max_seconds: float = 120):
    """`clients` signed-in agents opening orders and reading the queue until the block ends."""
    traffic, stop = Traffic(), threading.Event()
    people = [sign_in(base, login) for login in ("agent2", "agent3", "lead")[:clients]]

    def work(person: AppClient, offset: int):
        deadline = time.monotonic() + max_seconds
        for n in range(10_000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            body_path = f"/orders/{order_numbers[(n + offset) % len(order_numbers)]}"
            started = time.monotonic()
            try:
                answer = person.post(route_body(person.callbacks, body_path))
                refused = try_again_message(answer)
                # A callback that failed answers 200 with an error toast: count it apart from success.
                status = "toast" if answer.status_code == 200 and refused else answer.status_code
                traffic.add(started, time.monotonic() - started, status, refused or "")
            except Exception as error:  # noqa: BLE001 - a reset connection is an answer here
                traffic.add(started, time.monotonic() - started, type(error).__name__, str(error)[:200])
            time.sleep(pause)

    threads = [threading.Thread(target=work, args=(person, i), daemon=True) for i, person in enumerate(people)]
    for thread in threads:
        thread.start()
    try:
        yield traffic
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)


def postgres_sibling(suffix: str) -> str | None:
    """A PostgreSQL database beside TEST_DATABASE_URL's, dropped and created empty; None without one."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base or not base.startswith("postgresql"):
        return None
    url = f"{base}_{suffix}"
    run.recreate_postgres(url)
    return url


@pytest.fixture
def forget_engines():
    yield
    model_db.dispose_all()
