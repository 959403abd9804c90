"""What the security tests share: a world of two customers with orders and cases, people of every
role, signed-in test clients, and callback requests built from the app's own callback map."""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select, text

from model import db as model_db
from model.actions import (
    add_case_message, create_case, create_customer, create_product, create_return_order, create_user, fulfill,
    place_order, report_lost,
)
from model.entities import Base, User

D = Decimal
PASSWORDS = {"agent": "agent-demo", "lead": "lead-demo", "manager": "manager-demo", "admin": "admin-demo"}
ADMIN = {"login": "root", "password": PASSWORDS["admin"], "role": "admin", "display_name": "Ada Admin",
         "language": "en"}
ORIGIN = "http://localhost"


# --- the data ---------------------------------------------------------------------
@dataclass
class World:
    """Ids of what the tests act on: customer A's order and case, customer B's order and case."""

    url: str
    customer_a: int = 0
    customer_b: int = 0
    order_a: int = 0
    order_a_number: str = ""
    order_a_lines: list[int] = field(default_factory=list)
    order_b: int = 0
    order_b_number: str = ""
    order_b_lines: list[int] = field(default_factory=list)
    case_a: int = 0
    case_a_number: str = ""
    case_b: int = 0
    return_order_b: int = 0
    users: dict[str, int] = field(default_factory=dict)


def build_world(url: str) -> World:
    """Two customers, each with a shipped order and a case; A's shipment is lost, B has a return order."""
    world = World(url=url)
    with model_db.transaction(url) as s:
        if s.execute(select(User).where(User.login == ADMIN["login"])).first() is None:
            create_user(s, **ADMIN)
        people = {u.role if u.login != "former" else "former": u for u in s.execute(select(User)).scalars()}
        world.users = {key: user.id for key, user in people.items()}
        agent = people["agent"]
        for sku, name, price in (("MUG", "Mug", "15.00"), ("LAMP", "Lamp", "40.00")):
            create_product(s, sku=sku, name=name, category="home", price=D(price))
        a = create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=agent)
        b = create_customer(s, name="Bob Byron", email="bob@example.com", actor=agent)
        world.customer_a, world.customer_b = a.id, b.id
        orders = []
        for customer in (a, b):
            order = place_order(s, customer_id=customer.id, lines=[("MUG", 2, D("15.00")), ("LAMP", 1, D("40.00"))],
                                tax_rate=D("0.08"), shipping=D("6.00"), actor=agent)
            fulfill(s, order.id, actor=agent)
            orders.append(order)
        s.flush()
        report_lost(s, orders[0].fulfillment_orders[0].id, actor=agent, reason="lost_in_transit")
        world.order_a, world.order_a_number = orders[0].id, orders[0].number
        world.order_a_lines = [line.id for line in orders[0].lines]
        world.order_b, world.order_b_number = orders[1].id, orders[1].number
        world.order_b_lines = [line.id for line in orders[1].lines]
        case_a = create_case(s, subject="Where is my lamp?", actor=agent, customer_id=a.id, order_id=orders[0].id,
                             body="It never came.")
        case_b = create_case(s, subject="Wrong size", actor=agent, customer_id=b.id, order_id=orders[1].id)
        add_case_message(s, case_a.id, body="Looking into it.", kind="note", actor=agent)
        world.case_a, world.case_a_number, world.case_b = case_a.id, case_a.number, case_b.id
    with model_db.transaction(url) as s:
        agent = s.get(User, world.users["agent"])
        # Return orders come from the order as it is now (after the lost report above).
        ro = create_return_order(s, world.order_b, {world.order_b_lines[1]: 1}, actor=agent, reason="wrong_size")
        world.return_order_b = ro.id
    return world


_present: dict[str, set[str]] = {}


def digest(url: str) -> str:
    """SHA-256 of every row of every table of the schema (full-text shadow tables excluded:
    triggers derive them from the cases)."""
    if url not in _present:
        from sqlalchemy import inspect
        _present[url] = set(inspect(model_db.get_engine(url)).get_table_names())
    h = hashlib.sha256()
    with model_db.read_session(url) as s:
        for table in Base.metadata.sorted_tables:
            if table.name not in _present[url]:
                continue
            h.update(table.name.encode())
            pk = list(table.primary_key.columns) or list(table.columns)
            for row in s.execute(select(table).order_by(*pk)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()


def row_counts(url: str) -> dict[str, int]:
    with model_db.read_session(url) as s:
        return {t.name: s.execute(text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar_one()
                for t in Base.metadata.sorted_tables}


# --- signing in -----------------------------------------------------------------------
def csrf_token(client) -> str:
    page = client.get("/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def sign_in(client, login: str, password: str, **headers):
    form = {"login": login, "password": password, "csrf_token": csrf_token(client)}
    return client.post("/login", data=form, headers=headers)


def signed_in_client(app, role: str):
    """A test client of `app` signed in as the user of `role` (agent, lead, manager, admin)."""
    client = app.server.test_client()
    login = ADMIN["login"] if role == "admin" else role
    response = sign_in(client, login, PASSWORDS[role])
    assert response.status_code == 302, response.text
    return client


# --- callback requests -------------------------------------------------------------------
def callback_name(spec: dict) -> str | None:
    """"module:function" of a server-side callback, None for a clientside one."""
    fn = spec.get("callback")
    if fn is None:
        return None
    fn = getattr(fn, "__wrapped__", fn)
    qualname = fn.__qualname__
    if "router_sync" in qualname:
        return "dash:page-router"
    return f"{fn.__module__}:{qualname}"


def split_outputs(key: str) -> list[dict]:
    parts = key[2:-2].split("...") if key.startswith("..") else [key]
    outputs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        outputs.append({"id": json.loads(ident) if ident.startswith("{") else ident, "property": prop.split("@")[0]})
    return outputs


def is_pattern(declared_id) -> bool:
    return isinstance(declared_id, str) and declared_id.startswith("{")


def pattern_keys(declared_id) -> dict:
    return json.loads(declared_id)


def stringify(ident) -> str:
    if isinstance(ident, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(ident[k])}" for k in sorted(ident)) + "}"
    return ident


class Request:
    """One /_dash-update-component body for callback `key`, values by position.

    `values[i]` is the value of input/state i (inputs first, then states); for an ALL pattern it
    is a list of (concrete id, value). `trigger` is the index of the input that changed (default:
    the first input with a value)."""

    def __init__(self, key: str, spec: dict):
        self.key, self.spec = key, spec
        self.declared = list(spec.get("inputs", [])) + list(spec.get("state", []))
        self.n_inputs = len(spec.get("inputs", []))
        self.values: list = [[] if self._many(i) else None for i in range(len(self.declared))]
        self.trigger: int | None = None
        self.match: dict = {}  # the wildcard values of MATCH patterns: one component of the family

    def concrete(self, declared_id) -> dict:
        """A MATCH pattern id with this request's wildcard values (a chart of the analytics page, …)."""
        return {k: (self.match.get(k, "refunds") if v == ["MATCH"] else v) for k, v in pattern_keys(declared_id).items()}

    def _many(self, index: int) -> bool:
        declared_id = self.declared[index]["id"]
        return is_pattern(declared_id) and any(v in (["ALL"], ["ALLSMALLER"])
                                               for v in pattern_keys(declared_id).values())

    def index(self, ident, prop: str | None = None) -> int:
        for i, declared in enumerate(self.declared):
            if declared["id"] == ident and (prop is None or declared["property"] == prop):
                return i
            if isinstance(ident, str) and is_pattern(declared["id"]) and pattern_keys(declared["id"]).get("type") == ident \
                    and (prop is None or declared["property"] == prop):
                return i
        raise KeyError(f"{ident}.{prop} is not an input or state of {self.key}")

    def set(self, ident, value, prop: str | None = None, *, trigger: bool = False) -> "Request":
        i = self.index(ident, prop)
        self.values[i] = value
        if trigger:
            self.trigger = i
        return self

    def _item(self, i: int):
        declared = self.declared[i]
        if self._many(i):
            return [{"id": ident, "property": declared["property"], "value": value}
                    for ident, value in (self.values[i] or [])]
        if is_pattern(declared["id"]):
            if self.values[i]:
                ident, value = self.values[i]
            else:
                ident = self.concrete(declared["id"])
                value = ident if declared["property"] == "id" else None
            return {"id": ident, "property": declared["property"], "value": value}
        return {"id": declared["id"], "property": declared["property"], "value": self.values[i]}

    def body(self) -> dict:
        items = [self._item(i) for i in range(len(self.declared))]
        changed = []
        order = [self.trigger] if self.trigger is not None else range(self.n_inputs)
        for i in order:
            item = items[i]
            if isinstance(item, list):
                if item:
                    changed = [f"{stringify(item[0]['id'])}.{item[0]['property']}"]
                    break
            elif item.get("id") is not None:
                changed = [f"{stringify(item['id'])}.{item['property']}"]
                break
        # An ALL output stands for the matching components on the page: none here; MATCH for one.
        outputs = [[] if isinstance(o["id"], dict) and ["ALL"] in o["id"].values() else
                   {**o, "id": self.concrete(json.dumps(o["id"]))} if isinstance(o["id"], dict) else o
                   for o in split_outputs(self.key)]
        return {"output": self.key, "outputs": outputs if self.key.startswith("..") else outputs[0],
                "inputs": items[:self.n_inputs], "state": items[self.n_inputs:], "changedPropIds": changed}


def server_callbacks(app) -> dict[str, tuple[str, dict]]:
    """name → (callback map key, spec) for every server-side callback of `app`."""
    found = {}
    for key, spec in app.callback_map.items():
        name = callback_name(spec)
        if name is not None:
            found[name] = (key, spec)
    return found


def post(client, body: dict, **headers):
    return client.post("/_dash-update-component", json=body, headers={"Origin": ORIGIN, **headers})


def well_formed(request: Request, world: World) -> Request:
    """Fill the stores and hidden ids a page holds with real ones of customer A, as its layout would."""
    known = {
        "case-ref": {"id": world.case_a, "number": world.case_a_number},
        "order-view": {"order_id": world.order_a, "number": world.order_a_number},
        "order-action-request": {"action": "cancel", "target": 0, "key": "well-formed-1", "received": None},
        "customer-id": str(world.customer_a),
        "home-filter": "",
        "home-refresh": 0,
        "home-selected": [],
    }
    for i, declared in enumerate(request.declared):
        ident = declared["id"]
        if isinstance(ident, str) and ident in known and request.values[i] is None:
            request.values[i] = known[ident]
    for i in range(request.n_inputs):
        if not request._many(i) and request.values[i] is None and request.declared[i]["property"] in (
                "n_clicks", "n_submit"):
            request.values[i] = 1
    return request


def empty_postgres(url: str) -> None:
    """Migrate and empty a PostgreSQL test database (tables of the schema that exist there)."""
    from sqlalchemy import inspect

    model_db.connect(url)
    engine = model_db.get_engine(url)
    present = set(inspect(engine).get_table_names())
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables if t.name in present)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def backend_url(backend: str, directory) -> str:
    """A fresh database of `backend`: the emptied TEST_DATABASE_URL, or a SQLite file in `directory`."""
    import os

    import pytest

    from tests.app_helpers import sqlite_url

    if backend != "postgresql":
        return sqlite_url(directory)
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("TEST_DATABASE_URL is not set: PostgreSQL case skipped")
    empty_postgres(url)
    return url
