"""Fuzz every callback that takes user input, through the app as a browser (or a forger) would.

For each callback hypothesis draws requests whose fields hold random text (any Unicode,
control characters, 100 kB strings, <script>, SQL fragments), wrong types (numbers, lists,
objects, NaN), missing fields, and ids of other customers' records. Every request must get
an answer that is not a 500: 200/204 from the callback, or 400 with a JSON reason for text
no database stores (NUL, lone surrogates). The digest of every table is the same before and
after each request. Writing callbacks are always given at least one invalid field (the
"breakers" below), and must then say so: a danger/warning toast or alert, or text in an
error output.

The number of requests per callback is printed (run with -s) and checked. FUZZ_EXAMPLES
sets how many hypothesis draws per callback (default 40).
"""
from __future__ import annotations

import json
import math
import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app_helpers import build_app, forget_database, reset_dash_pages
from tests.unit.security_support import (
    Request, World, backend_url, build_world, digest, post, server_callbacks, signed_in_client, well_formed,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
PG_URL = os.environ.get("TEST_DATABASE_URL")
COUNTS: Counter = Counter()
OUTCOMES: dict[str, Counter] = {}

# --- what a hostile browser sends -----------------------------------------------------------------
NASTY = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)",
    "'; DROP TABLE cases; --", "' OR '1'='1", "1; SELECT pg_sleep(5)--", "%", "_", "\\", "%00",
    "\u202e\u200b\ufeff", "\x01\x07\x1b[2J\x7f", "\r\n\t", "日本語の件名テキスト", "ñandú €", "🙂" * 40,
    "NaN", "Infinity", "-0", "1e309", "../../../etc/passwd", "{{7*7}}", "${7*7}", "null", "[]", "{}", " ", "",
    "SO-00000001", "CS-00000002", "1' UNION SELECT login, password_hash FROM users --",
]
huge = st.builds(lambda ch, n: ch * n, st.sampled_from(["x", "é", "語", "<", "'"]), st.integers(90_000, 110_000))
control = st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=31), min_size=1, max_size=40)
# NUL is one of NASTY's entries (rare on purpose): the app refuses it before any callback (400).
texts = st.one_of(st.sampled_from(NASTY + ["before\x00after"]), st.text(max_size=300), control, huge)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2 ** 70), max_value=2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), texts)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=8)
anything = st.one_of(texts, json_values)
ids = st.one_of(st.integers(min_value=-5, max_value=2 ** 63), st.just(0), texts, st.none(), st.booleans(),
                st.lists(st.integers(), max_size=2), st.floats(allow_nan=True))


def dict_missing_keys(base: dict):
    """The store with keys dropped or replaced by junk (a tampered or stale dcc.Store)."""
    return st.dictionaries(st.sampled_from(sorted(base) + ["extra"]), anything, max_size=len(base) + 1)


@dataclass
class Target:
    name: str
    mode: str                          # "read": anything goes; "write": one field is always invalid
    fields: dict = field(default_factory=dict)     # ident → strategy (for ALL patterns: list of (id, value))
    breakers: list = field(default_factory=list)   # for writes: (ident → strategy of invalid values)
    role: str = "admin"
    setup: Callable | None = None      # (request, world) → None: well-formed values beyond the defaults


def pattern_items(kind: str, key: str, key_values, values):
    return st.lists(st.tuples(st.builds(lambda k: {"type": kind, key: k}, key_values), values), max_size=4)


def rows_of_cases(world: World, *, existing: bool):
    """What the queue's selection store holds; existing=False never names a real case."""
    case_ids = st.sampled_from([world.case_a, world.case_b]) if existing else st.one_of(
        st.integers(min_value=10_000, max_value=2 ** 62), texts, st.none(), st.floats(allow_nan=True))
    row = st.fixed_dictionaries({"id": case_ids}, optional={"assignee_id": anything, "status": anything})
    return st.lists(st.one_of(row, anything), max_size=5)


def targets(world: World) -> list[Target]:
    a_lines, b_lines = world.order_a_lines, world.order_b_lines
    other_lines = st.sampled_from(b_lines)  # order B's lines, sent from order A's page
    quantities = st.one_of(st.integers(min_value=-10, max_value=10 ** 12), texts, st.floats(allow_nan=True),
                           st.none(), st.lists(st.integers(), max_size=2))
    order_actions = st.sampled_from(["cancel", "discount", "credit_shipping", "return", "rma", "reship",
                                     "receive_return", "close_return"])
    request_store = st.fixed_dictionaries({"action": st.one_of(order_actions, texts), "target": ids,
                                           "key": st.one_of(st.text(min_size=1, max_size=40), texts, ids)},
                                          optional={"received": anything})
    not_a_role = texts.filter(lambda v: v not in ("agent", "lead", "manager", "admin"))
    not_a_language = anything.filter(lambda v: not (isinstance(v, str) and v[:2].lower() in ("en", "ja", "es")))
    return [
        # --- reads: anything goes ---------------------------------------------------------------------
        Target("pages.home:apply_filter_bar", "read", {i: anything for i in (
            "home-filter-status", "home-filter-type", "home-filter-priority", "home-filter-channel",
            "home-filter-assignee", "home-filter-tags", "home-filter-sla", "home-filter-from", "home-filter-to",
            "home-filter-search", "home-filter")}),
        Target("pages.home:serve_rows", "read", {
            "home-grid": st.one_of(anything, st.fixed_dictionaries({}, optional={
                "startRow": ids, "endRow": ids,
                "sortModel": st.lists(st.fixed_dictionaries({}, optional={"colId": texts, "sort": texts}), max_size=3),
                "filterModel": st.dictionaries(texts, st.dictionaries(texts, anything, max_size=3), max_size=3)})),
            "home-filter": anything}),
        Target("pages.home:open_view", "read", {"home-view": anything}),
        Target("pages.home_actions:find_customers", "read", {"home-new-customer": anything}),
        Target("pages.home_actions:customer_orders", "read", {"home-new-customer": st.one_of(ids, st.just(world.customer_b))}),
        Target("pages.home_actions:selection_changed", "read", {"home-selected": anything}),
        Target("pages.customers:run_search", "read", {"customers-search": anything}),
        Target("pages.customers:serve_rows", "read", {"customers-grid": anything, "customers-query": anything}),
        Target("pages.customer:serve_orders", "read", {"customer-orders-grid": anything, "customer-id": anything}),
        Target("pages.customer:serve_cases", "read", {"customer-cases-grid": anything, "customer-id": anything}),
        Target("pages.customer:edit_addresses", "read", {
            "customer-address-remove": pattern_items("customer-address-remove", "index", ids, anything)}),
        Target("pages.order:open_action", "read", {
            "order-action": st.lists(st.tuples(st.builds(lambda a, t: {"type": "order-action", "action": a,
                                                                        "target": t}, st.one_of(order_actions, texts),
                                                         ids), st.integers(1, 3)), min_size=1, max_size=1),
            "order-view": st.one_of(dict_missing_keys({"order_id": 0, "number": ""}), anything,
                                    st.just({"order_id": world.order_b, "number": world.order_a_number}))}),
        Target("pages.order:show_preview", "read", {
            "order-qty": pattern_items("order-qty", "line", st.one_of(other_lines, st.sampled_from(a_lines), ids),
                                       quantities),
            "order-amount": pattern_items("order-amount", "line", st.one_of(st.sampled_from(a_lines), ids), quantities),
            "order-field": pattern_items("order-field", "name", st.sampled_from(["reason", "note", "amount",
                                                                                 "condition"]), anything),
            "order-action-request": st.one_of(request_store, anything)}),
        Target("pages.order:compare_resolutions", "read", {
            "order-compare-qty": pattern_items("order-compare-qty", "line",
                                               st.one_of(other_lines, st.sampled_from(a_lines), ids), quantities),
            "order-compare-percent": anything,
            "order-view": st.one_of(dict_missing_keys({"order_id": 0}), anything)}),
        Target("pages.analytics:apply_preset", "read", {"analytics-preset": anything}),
        Target("pages.analytics:refresh", "read", {i: anything for i in (
            "analytics-granularity", "analytics-currency", "analytics-channel", "analytics-category",
            "analytics-reason")} | {"analytics-dates": anything}),
        Target("pages.analytics:drill", "read", {
            "analytics-graph": pattern_items("analytics-graph", "chart", texts, anything),
            "analytics-filters": anything}),
        Target("pages.analytics:draw_chart", "read", {"analytics-filters": anything, "analytics-graph": st.one_of(
            st.tuples(st.builds(lambda c: {"type": "analytics-graph", "chart": c}, texts), anything))}),
        Target("pages.analytics:download_drilldown", "read", {"analytics-drill": anything}),
        Target("pages.analytics:download_chart", "read", {
            "analytics-csv": pattern_items("analytics-csv", "chart", texts, st.integers(1, 3)),
            "analytics-filters": anything}),
        Target("pages.analytics:what_if", "read", {"analytics-threshold": anything, "analytics-currency": anything}),
        Target("pages.approvals:open_decision", "read", {
            "approvals-decide": st.lists(st.tuples(st.builds(
                lambda d, r: {"type": "approvals-decide", "decision": d, "request": r},
                st.one_of(st.sampled_from(["approve", "reject"]), texts), ids), st.integers(1, 3)), max_size=3)}),
        Target("pages.admin:filter_audit", "read", {i: anything for i in (
            "admin-audit-actor", "admin-audit-kind", "admin-audit-from", "admin-audit-to")}),
        Target("dash:page-router", "read", {"_pages_location": st.builds(
            lambda prefix, t: prefix + t, st.sampled_from(["/", "/", "/", "?", ""]), texts)}),
        # --- writes: random everywhere, and at least one field that must be refused ---------------------
        Target("pages.case:send_message", "write", {"case-compose-kind": anything, "case-compose-body": anything,
                                                    "case-ref": anything}, breakers=[
            {"case-compose-body": st.one_of(st.sampled_from(["", "   ", "\n\t"]), huge, json_values.filter(
                lambda v: not isinstance(v, str)))},
            {"case-compose-kind": anything.filter(lambda v: v not in ("reply", "note"))},
            {"case-ref": st.one_of(dict_missing_keys({"id": 0, "number": ""}),
                                   st.fixed_dictionaries({"id": st.integers(10_000, 2 ** 62), "number": texts}))},
        ]),
        Target("pages.case:save_fields", "write", {i: anything for i in (
            "case-status", "case-type", "case-priority", "case-assignee", "case-tags", "case-cc")}, breakers=[
            {"case-priority": texts.filter(lambda v: v not in ("low", "normal", "high", "urgent"))},
            {"case-type": texts.filter(lambda v: v not in ("payment", "claim", "shipment", "return",
                                                          "cancellation", "other"))},
            {"case-ref": st.one_of(dict_missing_keys({"id": 0, "number": ""}), anything)},
        ]),
        Target("pages.case:take_or_set_status", "write", {}, breakers=[
            {"case-set-status": pattern_items("case-set-status", "status", texts.filter(
                lambda v: v not in ("new", "open", "pending", "resolved", "closed")), st.integers(1, 3)).filter(bool)},
            {"case-ref": st.one_of(dict_missing_keys({"id": 0, "number": ""}),
                                   st.fixed_dictionaries({"id": st.integers(10_000, 2 ** 62), "number": texts}))},
        ], setup=lambda r, w: r.set("case-take", 1, trigger=True)),
        Target("pages.case:link_order", "write", {}, breakers=[
            {"case-order-choice": st.one_of(st.just(world.order_b), texts, st.floats(allow_nan=True),
                                            st.integers(min_value=10_000, max_value=2 ** 62), st.lists(ids, max_size=2))},
            {"case-ref": st.one_of(dict_missing_keys({"id": 0, "number": ""}),
                                   st.fixed_dictionaries({"id": st.just(world.case_b), "number": texts})),
             "case-order-choice": st.just(world.order_a)},
        ]),
        Target("pages.home_actions:take_selected", "write", {"home-refresh": anything}, breakers=[
            {"home-selected": rows_of_cases(world, existing=False)}]),
        Target("pages.home_actions:apply_bulk", "write", {
            "home-bulk-assignee": anything, "home-bulk-priority": anything, "home-bulk-tag": anything,
            "home-refresh": anything}, breakers=[
            {"home-bulk-action": anything.filter(lambda v: v not in ("assign", "priority", "tag", "close")),
             "home-selected": rows_of_cases(world, existing=True)},
            {"home-selected": rows_of_cases(world, existing=False), "home-bulk-action": anything},
        ]),
        Target("pages.home_actions:new_case", "write", {i: anything for i in (
            "home-new-channel", "home-new-type", "home-new-priority", "home-new-body", "home-new-order",
            "home-new-customer", "home-refresh")}, breakers=[
            {"home-new-subject": st.one_of(st.sampled_from(["", "   "]), huge, json_values.filter(
                lambda v: not isinstance(v, str)))},
            {"home-new-subject": st.text(min_size=1, max_size=50).filter(str.strip),
             "home-new-customer": st.just(world.customer_a), "home-new-order": st.just(world.order_b)},
            {"home-new-subject": st.text(min_size=1, max_size=50).filter(str.strip),
             "home-new-channel": texts.filter(lambda v: v not in ("email", "phone", "chat", "web", "internal"))},
        ], setup=lambda r, w: r.set("home-new-submit", 1, trigger=True)),
        Target("pages.home:save_or_delete_view", "write", {"home-filter": anything}, breakers=[
            {"home-view-name": st.one_of(st.sampled_from(["", "   ", "\t\n"]), huge, st.none())},
        ], setup=lambda r, w: r.set("home-view-save", 1, trigger=True)),
        Target("pages.home:save_or_delete_view", "write", {}, breakers=[
            {"home-view": anything.filter(lambda v: v != "")}],
            setup=lambda r, w: r.set("home-view-delete", 1, trigger=True)),
        Target("pages.customer:save_profile", "write", {i: anything for i in (
            "customer-name", "customer-language", "customer-time-zone", "customer-primary-email",
            "customer-phones", "customer-tags", "customer-birthday", "customer-memo")} | {
            "customer-email": pattern_items("customer-email", "index", st.integers(0, 3), anything),
            "customer-newsletter": pattern_items("customer-newsletter", "index", st.integers(0, 3), anything)},
            breakers=[
                {"customer-name": st.one_of(st.sampled_from(["", "  "]), huge)},
                {"customer-id": st.one_of(ids, st.just("999999"))},
                {"customer-language": texts.filter(lambda v: v not in ("en", "ja", "es"))},
                {"customer-birthday": texts.filter(lambda v: v.strip() != "")},
            ]),
        Target("pages.order:confirm_action", "write", {
            "order-amount": pattern_items("order-amount", "line", st.sampled_from(a_lines), quantities),
            "order-field": pattern_items("order-field", "name", st.sampled_from(["reason", "note", "amount",
                                                                                 "condition"]), anything)},
            breakers=[
                {"order-qty": pattern_items("order-qty", "line", other_lines, st.integers(1, 2)).filter(bool)},
                {"order-qty": pattern_items("order-qty", "line", st.sampled_from(a_lines), st.one_of(
                    st.integers(max_value=-1), st.integers(min_value=10 ** 6), texts.filter(
                        lambda v: not v.strip().isdigit()), st.floats(allow_nan=True).filter(
                        lambda v: not (math.isfinite(v) and v == int(v))))).filter(bool)},
                {"order-action-request": st.fixed_dictionaries({"action": texts, "target": ids, "key": texts})},
                {"order-view": st.one_of(dict_missing_keys({"order_id": 0, "number": ""}),
                                         st.fixed_dictionaries({"order_id": st.integers(10_000, 2 ** 62),
                                                                "number": texts}))},
            ], role="agent"),
        Target("pages.approvals:decide", "write", {"approvals-note": anything}, breakers=[
            {"approvals-decision": st.one_of(anything, st.fixed_dictionaries({
                "decision": st.sampled_from(["approve", "reject"]), "request": ids}))}]),
        Target("pages.admin:change_user", "write", {}, breakers=[
            {"admin-role": pattern_items("admin-role", "user", st.sampled_from(sorted(world.users.values())),
                                         not_a_role).filter(bool)},
            {"admin-active": pattern_items("admin-active", "user", st.integers(10_000, 2 ** 62),
                                           st.integers(1, 5)).filter(bool)},
        ]),
        Target("pages._language:save_language", "write", {}, breakers=[{"app-language": not_a_language}]),
    ]


def safety_net(response) -> bool:
    """app.callback_failed answered: the callback itself raised."""
    return response.status_code == 200 and "app-error-message" in response.get_data(as_text=True)


# --- the harness ------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request, tmp_path_factory):
    url = backend_url(request.param, tmp_path_factory.mktemp("fuzz"))
    app = build_app(url)
    world = build_world(url)
    if os.environ.get("FUZZ_RAISE"):  # debugging: the server's exception instead of its 500
        app.server.config["PROPAGATE_EXCEPTIONS"] = True
    clients = {}
    yield app, world, clients, request.param
    reset_dash_pages()
    if url != PG_URL:
        forget_database(url)


def has_message(payload) -> bool:
    """A refusal a person can read: a danger/warning toast or alert, or text in an error output."""
    outputs = payload.get("response", {}) if isinstance(payload, dict) else {}
    for ident, props in outputs.items():
        for prop, value in props.items():
            if ("error" in ident or "error" in prop) and value:
                return True
    stack = [outputs]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            props = node.get("props") if isinstance(node.get("props"), dict) else {}
            if node.get("type") == "Toast" and props.get("icon") in ("danger", "warning"):
                return True
            if node.get("type") == "Alert" and props.get("color") in ("danger", "warning"):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def draw_request(data, app, world: World, target: Target) -> Request:
    """A well-formed request of the page, then: some fields random, the breaker's fields invalid."""
    key, spec = server_callbacks(app)[target.name]
    request = well_formed(Request(key, spec), world)
    if target.setup:
        target.setup(request, world)
    breaker = data.draw(st.sampled_from(target.breakers), label="breaker") if target.breakers else {}
    chosen = [(ident, strategy) for ident, strategy in target.fields.items()
              if ident not in breaker and data.draw(st.booleans(), label=f"touch {ident}")]
    for ident, strategy in chosen + list(breaker.items()):
        for index, declared in enumerate(request.declared):
            declared_id = declared["id"]
            if declared_id != ident and not (isinstance(declared_id, str) and declared_id.startswith("{")
                                             and json.loads(declared_id).get("type") == ident):
                continue
            value = data.draw(strategy, label=ident)
            if request._many(index) and not isinstance(value, list):
                value = []
            request.values[index] = value
            if request._many(index) and index < request.n_inputs and value:
                request.trigger = index  # a click on one of the pattern's components
    return request


def run_target(target: Target, index: int, fuzz_app):
    app, world, clients, backend = fuzz_app
    if target.role not in clients:
        clients[target.role] = signed_in_client(app, target.role)
    client = clients[target.role]
    label = f"{target.name}{'' if target.setup is None else ' (' + target.setup.__name__ + ')'}"
    outcomes = OUTCOMES.setdefault(f"{backend} {target.name}#{index}", Counter())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                     HealthCheck.large_base_example])
    @given(data=st.data())
    def one(data):
        request = draw_request(data, app, world, target)
        body = request.body()
        before = digest(world.url)
        response = post(client, body)
        COUNTS[f"{backend} {target.name}#{index}"] += 1
        assert response.status_code != 500, f"{label}: 500 for {json.dumps(body, default=str)[:2000]}"
        if response.status_code == 400:
            assert response.is_json and response.json["error"], response.text
            outcomes["400 with a reason"] += 1
        else:
            assert response.status_code in (200, 204), (response.status_code, response.text[:500])
            assert "Traceback" not in response.text
        assert digest(world.url) == before, f"{label} changed the database with {json.dumps(body, default=str)[:2000]}"
        assert not safety_net(response), f"{label} raised (see the log) for {json.dumps(body, default=str)[:2000]}"
        if target.mode == "write" and response.status_code == 200:
            payload = response.json
            if payload.get("response"):
                assert has_message(payload), f"{label}: no message for {json.dumps(body, default=str)[:1500]} " \
                                             f"→ {response.text[:800]}"
                outcomes["refused with a message"] += 1
            else:
                outcomes["ignored (no update)"] += 1
        elif response.status_code != 400:
            outcomes["answered"] += 1

    one()


# Names only: the ids of this placeholder world are never sent.
TARGET_NAMES = [(t.name, i) for i, t in enumerate(targets(World(url="", order_a_lines=[0, 0], order_b_lines=[0, 0],
                                                                 users={"placeholder": 0})))]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "index"), TARGET_NAMES, ids=[f"{n}#{i}" for n, i in TARGET_NAMES])
def test_fuzzed_callback_never_fails_and_never_changes_data_on_bad_input(name, index, fuzz_app):
    app, world, _clients, backend = fuzz_app
    target = targets(world)[index]
    run_target(target, index, fuzz_app)

    ran = COUNTS[f"{backend} {name}#{index}"]
    print(f"\nFUZZ {backend} {name}#{index}: {ran} requests; {dict(OUTCOMES[f'{backend} {name}#{index}'])}")
    assert ran >= min(EXAMPLES, 10)


def test_every_callback_that_takes_input_is_fuzzed(fuzz_app):
    """Server callbacks without user input are named here; every other one has a Target."""
    app, world, _clients, _backend = fuzz_app
    without_input = {"pages.home_actions:refresh_kpis"}  # an interval tick
    fuzzed = {t.name for t in targets(world)}
    assert set(server_callbacks(app)) - fuzzed - without_input == set()
