"""Double click and replay through the app: the same confirmation posted twice at once (two HTTP
requests carrying the modal's idempotency key) moves money once. SQLite, and PostgreSQL with
TEST_DATABASE_URL."""
from __future__ import annotations

import os
import re
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from model import db as model_db
from model.entities import CreditMemo, OrderSummary
from tests.app_helpers import build_app, forget_database, reset_dash_pages
from tests.unit.security_support import (
    Request, backend_url, build_world, post, server_callbacks, signed_in_client,
)

PG_URL = os.environ.get("TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def app_and_world(request, tmp_path):
    url = backend_url(request.param, tmp_path)
    app = build_app(url)
    world = build_world(url)
    yield app, world
    reset_dash_pages()
    if url != PG_URL:
        forget_database(url)


def open_return_form(app, client, world) -> dict:
    """Click "Return" on order B as the browser does; the server hands out the form's key."""
    key, spec = server_callbacks(app)["pages.order:open_action"]
    request = Request(key, spec)
    request.set("order-action", [({"type": "order-action", "action": "return", "target": 0}, 1)], trigger=True)
    request.set("order-view", {"order_id": world.order_b, "number": world.order_b_number})
    response = post(client, request.body())
    assert response.status_code == 200
    stored = response.json["response"]["order-action-request"]["data"]
    assert stored["action"] == "return" and stored["key"].startswith("ui-")
    return stored


def confirmation(app, world, stored: dict) -> dict:
    key, spec = server_callbacks(app)["pages.order:confirm_action"]
    request = Request(key, spec).set("order-action-confirm", 1, trigger=True)
    request.set("order-qty", [({"type": "order-qty", "line": world.order_b_lines[0]}, 1)])
    request.set("order-field", [({"type": "order-field", "name": "reason"}, "damaged"),
                                ({"type": "order-field", "name": "note"}, "")])
    request.set("order-action-request", stored)
    request.set("order-view", {"order_id": world.order_b, "number": world.order_b_number})
    return request.body()


def money(url: str, order_id: int) -> tuple[int, Decimal]:
    with model_db.read_session(url) as s:
        memos = s.execute(select(func.count()).select_from(CreditMemo).where(CreditMemo.order_id == order_id)
                          ).scalar_one()
        return memos, s.get(OrderSummary, order_id).payment.refunded


def test_the_same_confirmation_posted_twice_at_once_refunds_once(app_and_world):
    app, world = app_and_world
    first, second = signed_in_client(app, "agent"), signed_in_client(app, "agent")
    stored = open_return_form(app, first, world)
    body = confirmation(app, world, stored)
    memos_before, refunded_before = money(world.url, world.order_b)
    start, responses = threading.Barrier(2), [None, None]

    def click(index, client):
        start.wait()
        responses[index] = post(client, body)

    threads = [threading.Thread(target=click, args=(i, c)) for i, c in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [r.status_code for r in responses] == [200, 200]
    numbers = [re.search(r"credit memo (CM-\d+)", r.text).group(1) for r in responses]
    assert numbers[0] == numbers[1]  # the second request got the first one's result
    memos, refunded = money(world.url, world.order_b)
    assert (memos - memos_before, refunded - refunded_before) == (1, Decimal("16.20"))

    replay = post(first, body)  # a third time, later (a reload that re-posts)
    assert numbers[0] in replay.text and money(world.url, world.order_b) == (memos, refunded)


def test_a_new_form_is_a_new_key_and_moves_money_again(app_and_world):
    """The key belongs to one opening of the form: returning a second unit is a second refund."""
    app, world = app_and_world
    agent = signed_in_client(app, "agent")
    for _ in range(2):
        assert post(agent, confirmation(app, world, open_return_form(app, agent, world))).status_code == 200

    assert money(world.url, world.order_b) == (2, Decimal("32.40"))


def test_the_same_key_with_other_quantities_is_refused(app_and_world):
    app, world = app_and_world
    agent = signed_in_client(app, "agent")
    stored = open_return_form(app, agent, world)
    assert post(agent, confirmation(app, world, stored)).status_code == 200
    tampered = confirmation(app, world, stored)
    tampered["state"][0] = [{"id": {"type": "order-qty", "line": world.order_b_lines[0]}, "property": "value",
                             "value": 2}]

    response = post(agent, tampered)

    assert response.status_code == 200 and "already used for a different action" in response.text
    assert money(world.url, world.order_b) == (1, Decimal("16.20"))
