"""Queue reads on SQLite and PostgreSQL: filter bar, grid filter/sort models, paging,
full-text search, counts, saved views, KPIs, take/assign/bulk."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import unicodedata

import pytest
from sqlalchemy import update

from model.actions import (
    ActionError, add_case_message, assign_case, create_case, create_customer, place_order, set_case_status,
    take_case,
)
from model.actions import bulk_apply, set_case_fields
from model.entities import Case
from model.queries import queue as q
from model.queries.cases import case_view, customer_orders, queue_kpis, search_customers
from model.queries.views import DEFAULT_VIEWS, delete_view, list_views, save_view

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _fresh_counts():
    q.forget_counts()
    yield
    q.forget_counts()


@pytest.fixture
def queue(Session, users, catalog, customer_id):
    """Six cases with known fields; returns {subject: id} plus helpers."""
    agent, lead = users["agent"], users["lead"]
    with Session.begin() as s:
        grace = create_customer(s, name="Grace Hopper", email="grace@navy.example", actor=agent)
        order = place_order(s, customer_id=grace.id, lines=[("A", 1, Decimal("15.00"))], tax_rate=Decimal("0.1"),
                            shipping=Decimal("0"), actor=agent)
        specs = [
            ("Parcel never arrived", dict(customer_id=customer_id, priority="urgent", type="shipment",
                                          channel="email", tags=["late"])),
            ("Refund for a broken mug", dict(customer_id=customer_id, priority="high", type="claim",
                                             channel="chat", tags=["damage", "vip"])),
            ("Cancel my order please", dict(customer_id=grace.id, order_id=order.id, priority="normal",
                                            type="cancellation", channel="phone")),
            ("Invoice question", dict(priority="low", type="payment", channel="web")),
            ("Zebra print shirt", dict(customer_id=grace.id, priority="urgent", type="other", channel="email",
                                       body="The colour bleeds in the wash")),
            ("Already solved", dict(priority="normal", type="other", channel="email")),
        ]
        ids = {}
        for index, (subject, fields) in enumerate(specs):
            case = create_case(s, subject=subject, actor=agent, **fields)
            ids[subject] = case.id
        s.flush()
        for index, subject in enumerate(ids):
            s.execute(update(Case).where(Case.id == ids[subject]).values(
                created_at=NOW - timedelta(days=6 - index), due_at=NOW + timedelta(hours=index - 2)))
        take_case(s, ids["Refund for a broken mug"], actor=agent)
        assign_case(s, ids["Cancel my order please"], users["agent2"].id, actor=lead)
        set_case_status(s, ids["Already solved"], "resolved", actor=agent)
    return {"ids": ids, "order_number": order.number, "agent": agent, "lead": lead}


def page(Session, flt=q.QueueFilter(), user_id=None, **kwargs) -> q.QueuePage:
    kwargs.setdefault("now", NOW)
    with Session() as s:
        return q.queue_page(s, flt, user_id=user_id, **kwargs)


def subjects(result: q.QueuePage) -> list[str]:
    return [row["subject"] for row in result.rows]


# --- filter bar ------------------------------------------------------------------------------
def test_default_filter_shows_open_cases_newest_first_with_the_grid_columns(Session, queue):
    result = page(Session)
    assert subjects(result) == ["Zebra print shirt", "Invoice question", "Cancel my order please",
                                "Refund for a broken mug", "Parcel never arrived"]
    assert result.total == 5
    row = result.rows[2]
    assert row["customer"] == "Grace Hopper" and row["order"] == queue["order_number"]
    assert row["assignee"] == "agent2" and row["status"] == "open"
    assert result.rows[3]["tags"] == ["damage", "vip"]
    assert set(row) >= {"id", "number", "subject", "customer", "channel", "status", "type", "priority",
                        "assignee", "tags", "order", "created", "modified", "due", "last_message", "sla_state"}
    # Times as epoch seconds, computed by the database from the UTC timestamps.
    assert row["created"] == int((NOW - timedelta(days=4)).timestamp()) and row["due"] == int(NOW.timestamp())
    assert result.rows[0]["last_message"] >= row["created"] and row["last_message"] is None


@pytest.mark.parametrize("query, expected", [
    ("status=resolved", ["Already solved"]),
    ("status=all&type=other", ["Already solved", "Zebra print shirt"]),
    ("priority=urgent", ["Zebra print shirt", "Parcel never arrived"]),
    ("channel=chat,phone", ["Cancel my order please", "Refund for a broken mug"]),
    ("assignee=unassigned", ["Zebra print shirt", "Invoice question", "Parcel never arrived"]),
    ("tag=vip", ["Refund for a broken mug"]),
    ("tag=damage,late", []),
    ("sla=breached", ["Refund for a broken mug", "Parcel never arrived"]),
    ("sla=due_1h", ["Cancel my order please"]),
    ("from=2026-11-19&to=2026-11-20", ["Invoice question", "Cancel my order please"]),
])
def test_filter_bar(Session, queue, query, expected):
    assert subjects(page(Session, q.QueueFilter.from_query(query))) == expected


def test_assignee_me_and_a_person(Session, queue, users):
    mine = q.QueueFilter.from_query("assignee=me")
    assert subjects(page(Session, mine, user_id=users["agent"].id)) == ["Refund for a broken mug"]
    assert subjects(page(Session, mine, user_id=None)) == []
    theirs = q.QueueFilter.from_query(f"assignee={users['agent2'].id}")
    assert subjects(page(Session, theirs)) == ["Cancel my order please"]


@pytest.mark.parametrize("search, expected", [
    ("parcel", ["Parcel never arrived"]),
    ("refu", ["Refund for a broken mug"]),  # prefix
    ("mu", []),  # two letters: a whole word only, not every word starting with them
    ("mug", ["Refund for a broken mug"]),
    ("colour wash", ["Zebra print shirt"]),  # message body, every word
    ("grace", ["Zebra print shirt", "Cancel my order please"]),  # customer name
    ("ada@example.com", ["Refund for a broken mug", "Parcel never arrived"]),  # customer email
    ("nothing-like-this", []),
    ("\"); DROP TABLE cases; --", []),
])
def test_full_text_search(Session, queue, search, expected):
    assert subjects(page(Session, q.QueueFilter.build(search=search))) == expected


def test_search_by_case_and_order_number(Session, queue):
    with Session() as s:
        number = s.get(Case, queue["ids"]["Invoice question"]).number
    assert subjects(page(Session, q.QueueFilter.build(search=number))) == ["Invoice question"]
    assert subjects(page(Session, q.QueueFilter.build(search=queue["order_number"]))) == ["Cancel my order please"]


def test_search_sees_new_messages(Session, queue, users):
    with Session.begin() as s:
        add_case_message(s, queue["ids"]["Invoice question"], body="Kangaroo sighting", kind="note",
                         actor=users["agent"])
    assert subjects(page(Session, q.QueueFilter.build(search="kangaroo"))) == ["Invoice question"]


def test_filter_round_trips_through_the_url():
    flt = q.QueueFilter.build(statuses=["open"], priorities=["urgent", "high"], assignee="me", tags=["VIP"],
                              sla="breached", created_from="2026-11-01", created_to=date(2026, 11, 20),
                              search="  broken   mug ")
    assert flt.search == "broken mug" and flt.tags == ("vip",)
    assert q.QueueFilter.from_query(flt.to_query()) == flt
    assert q.QueueFilter.from_query("") == q.QueueFilter()
    assert q.QueueFilter.from_query(q.QueueFilter.build(statuses=[]).to_query()).statuses == ()


@pytest.mark.parametrize("query, message", [
    ("status=bogus", "is not a status"),
    ("priority=urgent,meh", "is not a priority"),
    ("assignee=somebody", "Assignee must be"),
    ("sla=later", "SLA must be"),
    ("from=yesterday", "must be a date"),
    ("from=2026-11-20&to=2026-11-01", "ends before it starts"),
    ("q=" + "x" * 201, "at most 200"),
    ("evil=1", "Unknown filter"),
])
def test_filter_refusals(query, message):
    with pytest.raises(q.QueueQueryError, match=message):
        q.QueueFilter.from_query(query)


# --- grid filter model → SQL ---------------------------------------------------------------------
ALL = q.QueueFilter.build(statuses=[])


def text_filter(kind, value=None):
    return {"filterType": "text", "type": kind, **({"filter": value} if value is not None else {})}


@pytest.mark.parametrize("column, model, expected", [
    ("subject", text_filter("contains", "MUG"), ["Refund for a broken mug"]),
    ("subject", text_filter("notContains", "e"), []),
    ("subject", text_filter("equals", "invoice question"), ["Invoice question"]),
    ("subject", text_filter("notEqual", "Invoice question"),
     ["Already solved", "Zebra print shirt", "Cancel my order please", "Refund for a broken mug",
      "Parcel never arrived"]),
    ("subject", text_filter("startsWith", "ca"), ["Cancel my order please"]),
    ("subject", text_filter("endsWith", "SHIRT"), ["Zebra print shirt"]),
    ("subject", text_filter("contains", "100%_"), []),  # wildcards are literal
    ("customer", text_filter("startsWith", "grace"), ["Zebra print shirt", "Cancel my order please"]),
    ("customer", text_filter("blank"), ["Already solved", "Invoice question"]),
    ("assignee", text_filter("notBlank"), ["Cancel my order please", "Refund for a broken mug"]),
    ("order", text_filter("contains", "SO-"), ["Cancel my order please"]),
    ("tags", text_filter("equals", "vip"), ["Refund for a broken mug"]),
    ("tags", text_filter("notContains", "a"), ["Already solved", "Zebra print shirt", "Invoice question",
                                              "Cancel my order please"]),
    ("tags", text_filter("blank"), ["Already solved", "Zebra print shirt", "Invoice question",
                                    "Cancel my order please"]),
    ("priority", text_filter("equals", "urgent"), ["Zebra print shirt", "Parcel never arrived"]),
    ("status", text_filter("notEqual", "open"), ["Already solved", "Zebra print shirt", "Invoice question",
                                                  "Parcel never arrived"]),
    ("created", {"filterType": "date", "type": "equals", "dateFrom": "2026-11-18 00:00:00"},
     ["Refund for a broken mug"]),
    ("created", {"filterType": "date", "type": "lessThan", "dateFrom": "2026-11-19 00:00:00"},
     ["Refund for a broken mug", "Parcel never arrived"]),
    ("created", {"filterType": "date", "type": "greaterThan", "dateFrom": "2026-11-21 00:00:00"},
     ["Already solved"]),
    ("created", {"filterType": "date", "type": "inRange", "dateFrom": "2026-11-20", "dateTo": "2026-11-21"},
     ["Zebra print shirt", "Invoice question"]),
    ("created", {"filterType": "date", "type": "notEqual", "dateFrom": "2026-11-18"},
     ["Already solved", "Zebra print shirt", "Invoice question", "Cancel my order please",
      "Parcel never arrived"]),
    ("last_message", {"filterType": "date", "type": "blank"},
     ["Already solved", "Invoice question", "Cancel my order please", "Refund for a broken mug",
      "Parcel never arrived"]),
    ("due", {"filterType": "date", "type": "notBlank"},
     ["Already solved", "Zebra print shirt", "Invoice question", "Cancel my order please",
      "Refund for a broken mug", "Parcel never arrived"]),
    ("subject", {"filterType": "text", "operator": "OR",
                 "conditions": [text_filter("startsWith", "zebra"), text_filter("startsWith", "invoice")]},
     ["Zebra print shirt", "Invoice question"]),
    ("subject", {"filterType": "text", "operator": "AND",
                 "conditions": [text_filter("contains", "r"), text_filter("contains", "mug")]},
     ["Refund for a broken mug"]),
])
def test_grid_filter_model(Session, queue, column, model, expected):
    assert subjects(page(Session, ALL, filter_model={column: model})) == expected


@pytest.mark.parametrize("filter_model, message", [
    ({"password_hash": text_filter("equals", "x")}, "cannot be filtered"),
    ({"subject": text_filter("regex", ".*")}, "not available"),
    ({"created": {"filterType": "date", "type": "contains", "dateFrom": "2026-11-01"}}, "not available"),
    ({"created": {"filterType": "date", "type": "equals", "dateFrom": "soon"}}, "Pick a date"),
    ({"priority": text_filter("contains", "urg")}, "not available"),
    ({"priority": text_filter("equals", "whenever")}, "is not a priority"),
    ({"subject": text_filter("equals", "")}, "Type something"),
    ({"subject": text_filter("equals", "x" * 201)}, "at most 200"),
    ({"subject": {"operator": "XOR", "conditions": [text_filter("equals", "a")]}}, "not understood"),
    ({"subject": {"operator": "OR", "conditions": [text_filter("equals", "a")] * 3}}, "not understood"),
    ({"subject": "1=1"}, "not understood"),
])
def test_grid_filter_refusals(Session, queue, filter_model, message):
    with pytest.raises(q.QueueQueryError, match=message):
        page(Session, ALL, filter_model=filter_model)


@pytest.mark.parametrize("column", sorted(q.GRID_COLUMNS))
def test_every_column_sorts_both_ways_and_pages_are_stable(Session, queue, column):
    for direction in ("asc", "desc"):
        sort_model = [{"colId": column, "sort": direction}]
        full = [row["id"] for row in page(Session, ALL, sort_model=sort_model).rows]
        pieces = [row["id"] for start in range(0, 6, 2)
                  for row in page(Session, ALL, sort_model=sort_model, start_row=start, end_row=start + 2).rows]
        assert pieces == full and sorted(full) == sorted(queue["ids"].values())


def test_priority_sorts_by_urgency_not_alphabet(Session, queue):
    rows = page(Session, ALL, sort_model=[{"colId": "priority", "sort": "desc"}]).rows
    assert [r["priority"] for r in rows] == ["urgent", "urgent", "high", "normal", "normal", "low"]


@pytest.mark.parametrize("sort_model, message", [
    ([{"colId": "password_hash", "sort": "asc"}], "cannot be sorted"),
    ([{"colId": "subject", "sort": "sideways"}], "ascending or descending"),
    ("subject", "at most three"),
])
def test_sort_refusals(Session, queue, sort_model, message):
    with pytest.raises(q.QueueQueryError, match=message):
        page(Session, ALL, sort_model=sort_model)


def test_paging_and_bad_pages(Session, queue):
    assert subjects(page(Session, start_row=1, end_row=3)) == ["Invoice question", "Cancel my order please"]
    assert page(Session, start_row=1, end_row=3).total == 5
    for start, end in [(-1, 10), (5, 5), ("0", 10)]:
        with pytest.raises(q.QueueQueryError):
            page(Session, start_row=start, end_row=end)


def test_count_is_cached_per_filter_for_a_few_seconds(Session, queue, users):
    assert page(Session).total == 5
    with Session.begin() as s:
        create_case(s, subject="Another one", actor=users["agent"])
    assert page(Session).total == 5  # cached
    assert page(Session, q.QueueFilter.build(priorities=["normal"])).total == 2  # another filter: counted
    q.forget_counts()
    assert page(Session).total == 6


def test_totals_past_the_cap_are_unknown_until_the_last_page(Session, queue, monkeypatch):
    monkeypatch.setattr(q, "COUNT_CAP", 3)
    assert page(Session, ALL, end_row=2).total is None  # 6 cases: more than 3
    assert page(Session, ALL, start_row=2, end_row=4).total is None
    assert page(Session, ALL, start_row=4, end_row=8).total == 6  # short: the end is known
    assert page(Session, q.QueueFilter.build(priorities=["urgent"]), end_row=1).total == 2  # under the cap


@pytest.mark.parametrize("query", ["", "status=all", "status=all&priority=urgent&q=shirt", "tag=vip",
                                   "assignee=unassigned&channel=email"])
def test_pages_are_the_same_whichever_way_the_filters_are_tested(Session, queue, monkeypatch, query):
    """Many matches: the filters go to SQLite in a form no index serves; the rows must not change."""
    flt = q.QueueFilter.from_query(query)
    for sort_model in (None, [{"colId": "priority", "sort": "desc"}]):
        q.forget_counts()
        monkeypatch.setattr(q, "SORT_MATCHES_THRESHOLD", 10_000)
        indexed = page(Session, flt, sort_model=sort_model)
        q.forget_counts()
        monkeypatch.setattr(q, "SORT_MATCHES_THRESHOLD", 0)
        walked = page(Session, flt, sort_model=sort_model)
        assert walked == indexed and walked.rows


# --- saved views ------------------------------------------------------------------------------
def test_saved_views_per_user(Session, users):
    agent, other = users["agent"].id, users["agent2"].id
    with Session.begin() as s:
        assert [v.name for v in list_views(s, agent)] == [v.name for v in DEFAULT_VIEWS]
        view = save_view(s, agent, " Urgent  chats ", "priority=urgent&channel=chat")
        assert view.name == "Urgent chats" and view.query == "priority=urgent&channel=chat"
        save_view(s, agent, "Urgent chats", "priority=high")  # same name: overwritten
    with Session.begin() as s:
        mine = [v for v in list_views(s, agent) if not v.builtin]
        assert [(v.name, v.query) for v in mine] == [("Urgent chats", "priority=high")]
        assert [v for v in list_views(s, other) if not v.builtin] == []
        with pytest.raises(ActionError, match="does not exist"):
            delete_view(s, other, mine[0].key)  # not theirs
        with pytest.raises(ActionError, match="Built-in"):
            delete_view(s, agent, "default:mine")
        with pytest.raises(ActionError, match="built-in view"):
            save_view(s, agent, "my open cases", "")
        with pytest.raises(ActionError, match="is not a status"):
            save_view(s, agent, "Broken", "status=nope")
        with pytest.raises(ActionError, match="Name the view"):
            save_view(s, agent, "   ", "")
        delete_view(s, agent, mine[0].key)
    with Session() as s:
        assert all(v.builtin for v in list_views(s, agent))


# --- take, assign, bulk ------------------------------------------------------------------------
def test_take_then_a_second_take_is_refused(Session, queue, users):
    case_id = queue["ids"]["Invoice question"]
    with Session.begin() as s:
        take_case(s, case_id, actor=users["agent2"])
    with Session.begin() as s, pytest.raises(ActionError, match="already assigned to agent2"):
        take_case(s, case_id, actor=users["agent"])
    mine = q.QueueFilter.from_query("assignee=me")
    assert subjects(page(Session, mine, user_id=users["agent2"].id)) == ["Invoice question",
                                                                         "Cancel my order please"]


def test_bulk_assign_priority_tag_close(Session, queue, users):
    ids = [queue["ids"][name] for name in ("Parcel never arrived", "Invoice question", "Already solved")]
    lead = users["lead"].id
    result = bulk_apply(Session.begin, actor_id=lead, case_ids=ids, action="assign", value=users["agent"].id)
    assert len(result.done) == 3 and result.refused == []
    assert bulk_apply(Session.begin, actor_id=lead, case_ids=ids, action="priority", value="high").refused == []
    assert bulk_apply(Session.begin, actor_id=lead, case_ids=ids[:2], action="tag", value="Batch").refused == []
    closed = bulk_apply(Session.begin, actor_id=lead, case_ids=ids[2:], action="close")
    assert len(closed.done) == 1
    again = bulk_apply(Session.begin, actor_id=lead, case_ids=ids, action="priority", value="low")
    assert len(again.done) == 2 and "closed" in again.refused[0]
    result = page(Session, ALL, filter_model={"tags": text_filter("equals", "batch")})
    assert sorted(subjects(result)) == ["Invoice question", "Parcel never arrived"]
    assert {row["assignee"] for row in result.rows} == {"Agent"} and {r["priority"] for r in result.rows} == {"low"}


def test_bulk_refuses_agents_and_nonsense(Session, queue, users):
    ids = [queue["ids"]["Invoice question"]]
    refused = bulk_apply(Session.begin, actor_id=users["agent"].id, case_ids=ids, action="close")
    assert refused.done == [] and "Only a lead" in refused.refused[0]
    with pytest.raises(ActionError, match="Choose a bulk action"):
        bulk_apply(Session.begin, actor_id=users["lead"].id, case_ids=ids, action="delete")
    with pytest.raises(ActionError, match="Select at least one"):
        bulk_apply(Session.begin, actor_id=users["lead"].id, case_ids=["1; drop"], action="close")
    with Session() as s:
        assert s.get(Case, ids[0]).status == "new"


def test_set_case_fields_audits_and_validates(Session, queue, users):
    case_id = queue["ids"]["Invoice question"]
    with Session.begin() as s:
        set_case_fields(s, case_id, actor=users["agent"], priority="urgent", type="claim", tags=["a", "B"],
                        cc="x@example.com")
    with Session.begin() as s, pytest.raises(ActionError, match="priority"):
        set_case_fields(s, case_id, actor=users["agent"], priority="yesterday")
    with Session() as s:
        number = s.get(Case, case_id).number
        view = case_view(s, number.lower())
    assert (view.priority, view.type, view.tags, view.cc) == ("urgent", "claim", ["a", "b"], "x@example.com")
    assert {"case.priority", "case.type", "case.tags", "case.cc"} <= {h.action for h in view.history}


# --- workspace and header reads -----------------------------------------------------------------
def test_case_view_thread_in_time_order(Session, queue, users):
    case_id = queue["ids"]["Zebra print shirt"]
    with Session.begin() as s:
        add_case_message(s, case_id, body="<script>alert(1)</script>", kind="note", actor=users["agent"])
        add_case_message(s, case_id, body="We are sorry.", kind="reply", actor=users["agent"])
        number = s.get(Case, case_id).number
    with Session() as s:
        view = case_view(s, number)
        assert case_view(s, "CS-99999999") is None and case_view(s, "x" * 100) is None
    assert [(m.kind, m.author) for m in view.messages] == [("customer", None), ("note", "Agent"), ("reply", "Agent")]
    assert view.messages[1].body == "<script>alert(1)</script>"
    assert view.customer.name == "Grace Hopper" and view.first_response_at is not None


def test_customer_search_and_their_orders(Session, queue):
    with Session() as s:
        found = search_customers(s, "gra")
        assert [name for _, name, _ in found] == ["Grace Hopper"]
        assert search_customers(s, "ada@ex")[0][1] == "Ada Lovelace"
        assert search_customers(s, "%") == []
        assert [number for _, number, _ in customer_orders(s, found[0][0])] == [queue["order_number"]]
        assert customer_orders(s, "1") == []


def test_lead_kpis(Session, queue):
    with Session() as s:
        kpis = queue_kpis(s, day_start=NOW.replace(hour=0), now=NOW)
    assert (kpis.open, kpis.unassigned, kpis.breaching) == (5, 3, 2)
    assert kpis.oldest_open_at == NOW - timedelta(days=6)
    assert kpis.created_today == 0
    assert sorted(kpis.agent_load) == [("Agent", 1), ("agent2", 1)]
    # Due within 4 hours: 3 open cases (due +0h, +1h, +2h); no handling time → all count.
    assert kpis.median_handling is not None or kpis.breach_forecast == 3


def test_search_follows_customer_renames_and_new_emails(Session, queue, customer_id):
    from model.entities import Customer, CustomerEmail
    with Session.begin() as s:
        s.get(Customer, customer_id).name = "Augusta King"
        s.add(CustomerEmail(customer_id=customer_id, email="countess@example.org", is_primary=False))
    assert subjects(page(Session, q.QueueFilter.build(search="augusta"))) == ["Refund for a broken mug",
                                                                              "Parcel never arrived"]
    assert len(page(Session, q.QueueFilter.build(search="countess")).rows) == 2
    assert page(Session, q.QueueFilter.build(search="lovelace")).rows == []


# --- Japanese: words inside runs without spaces, and sorting ------------------------------------
@pytest.fixture
def japanese_cases(Session, users, catalog):
    """Cases with the demo's Japanese subjects and first messages, for a Japanese customer."""
    from model.demo_data import CASE_OPENINGS

    agent = users["agent"]
    with Session.begin() as s:
        customer = create_customer(s, name="佐藤 翔太", email="sato@example.jp", actor=agent, language="ja")
        order = place_order(s, customer_id=customer.id, lines=[("A", 1, Decimal("15.00"))], tax_rate=Decimal("0.1"),
                            shipping=Decimal("0"), actor=agent)
        subject, body = CASE_OPENINGS["shipment"]["ja"][0]
        texts = [(subject.format(order=order.number), body.format(order=order.number, product="マグカップ"))]
        texts += [pair for kind in ("shipment", "return", "cancellation", "payment")
                  for pair in CASE_OPENINGS[kind]["ja_no_order"][:4]]
        for subject, body in texts:
            create_case(s, subject=subject, body=body, customer_id=customer.id, actor=agent)
    return {"texts": texts, "customer": "佐藤 翔太 sato@example.jp", "order_number": order.number}


def holding(japanese_cases, *words) -> list[str]:
    """The subjects whose case holds every word somewhere (subject, message, customer): the spec."""
    return sorted(subject for subject, body in japanese_cases["texts"]
                  if all(word in f"{subject} {body} {japanese_cases['customer']}" for word in words))


@pytest.mark.parametrize("words", [
    ["商品"],  # two characters in the middle of 「の商品が届きません」
    ["届きません"],  # at the end of a subject, and inside a message
    ["返品"],  # at the end of 「レシートがない場合の返品」: the last characters of a text
    ["指定"],  # inside 「日時指定はできますか」
    ["キャンセル"],  # katakana at the start
    ["解約"],
    ["荷物", "届き"],  # every word must match
    ["返"],  # one character
])
def test_japanese_words_are_found_inside_runs_without_spaces(Session, japanese_cases, words):
    expected = holding(japanese_cases, *words)
    assert expected and len(expected) < len(japanese_cases["texts"])  # the word tells cases apart
    found = page(Session, q.QueueFilter.build(statuses=[], search=" ".join(words)))
    assert sorted(subjects(found)) == expected


@pytest.mark.parametrize("search", ["商品券", "返品 解約", "届きませんか"])
def test_japanese_words_that_are_not_there_find_nothing(Session, japanese_cases, search):
    assert holding(japanese_cases, *search.split()) == []
    assert page(Session, q.QueueFilter.build(statuses=[], search=search)).rows == []


def test_a_search_mixing_latin_and_japanese_words(Session, japanese_cases):
    """"SO" is a word prefix (the order number), 「届きません」 a CJK part: both must hold."""
    search = f"{japanese_cases['order_number']} 届きません"
    assert subjects(page(Session, q.QueueFilter.build(statuses=[], search=search))) == [
        japanese_cases["texts"][0][0]]
    returns = page(Session, q.QueueFilter.build(statuses=[], search="sato 返品"))  # email prefix and CJK
    assert sorted(subjects(returns)) == holding(japanese_cases, "返品") != []
    everyone = page(Session, q.QueueFilter.build(statuses=[], search="翔太"))  # the customer's given name
    assert len(everyone.rows) == len(japanese_cases["texts"])


@pytest.mark.parametrize("value", ["届きません", "返品", "の商品"])
def test_the_subject_column_filter_finds_japanese_text(Session, japanese_cases, value):
    model = {"subject": text_filter("contains", value)}
    expected = sorted(subject for subject, _ in japanese_cases["texts"] if value in subject)
    assert expected and sorted(subjects(page(Session, ALL, filter_model=model))) == expected


def test_japanese_subjects_sort_in_the_same_order_on_both_databases(Session, japanese_cases):
    """Code point order: kana in gojūon order, hiragana before katakana before kanji, as Python sorts."""
    titles = [subject for subject, _ in japanese_cases["texts"]]
    ascending = subjects(page(Session, ALL, sort_model=[{"colId": "subject", "sort": "asc"}]))
    assert ascending == sorted(titles)
    assert subjects(page(Session, ALL, sort_model=[{"colId": "subject", "sort": "desc"}])) == sorted(titles)[::-1]
    kana = [title for title in ascending if "\u3040" <= title[0] <= "\u30ff"]
    assert kana == sorted(kana, key=lambda title: unicodedata.normalize("NFKC", title)) and len(kana) >= 3


def test_a_short_japanese_search_that_stands_for_too_much_is_refused(Session, japanese_cases, database_url,
                                                                     monkeypatch):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite looks short CJK parts up in the trigram vocabulary")
    from model.queries import queue_search

    monkeypatch.setattr(queue_search, "MAX_SHORT_PART_TERMS", 2)
    with pytest.raises(q.QueueQueryError, match="too many cases"):
        page(Session, q.QueueFilter.build(statuses=[], search="の"))


# --- the sort keys on cases (migration 0003): copies kept by triggers, whoever writes ------------
def sort_keys(Session, case_id) -> tuple:
    with Session() as s:
        case = s.get(Case, case_id)
        return case.customer_name, case.assignee_name, case.order_number, case.tag_list, case.priority_rank, \
            case.status_rank


def test_sort_keys_follow_renames_assignments_links_and_tags(Session, queue, users, customer_id):
    from model.entities import CaseTag, Customer, User

    case_id = queue["ids"]["Refund for a broken mug"]
    assert sort_keys(Session, case_id) == ("Ada Lovelace", "Agent", None, "damage, vip", 3, 2)
    with Session.begin() as s:
        s.get(Customer, customer_id).name = "Augusta King"
        s.get(User, users["agent"].id).display_name = "Alex Agent"
        s.add(CaseTag(case_id=case_id, tag="batch"))
        s.delete(s.get(CaseTag, (case_id, "vip")))
        s.get(Case, case_id).order_id = s.get(Case, queue["ids"]["Cancel my order please"]).order_id
        s.get(Case, case_id).customer_id = s.get(Case, queue["ids"]["Cancel my order please"]).customer_id
    with Session.begin() as s:
        set_case_fields(s, case_id, actor=users["lead"], priority="low")
        assign_case(s, case_id, users["agent2"].id, actor=users["lead"])
        set_case_status(s, case_id, "pending", actor=users["lead"])
    assert sort_keys(Session, case_id) == ("Grace Hopper", "agent2", queue["order_number"], "batch, damage", 1, 3)
    assert sort_keys(Session, queue["ids"]["Parcel never arrived"])[:2] == ("Augusta King", None)
    with Session.begin() as s:
        s.execute(update(User).where(User.id == users["agent2"].id).values(display_name="Bea Agent"))
        assign_case(s, case_id, None, actor=users["lead"])
        set_case_fields(s, case_id, actor=users["lead"], tags=[])
    assert sort_keys(Session, case_id)[1:4] == (None, queue["order_number"], None)
    assert page(Session, ALL, sort_model=[{"colId": "assignee", "sort": "asc"}]).rows  # still sorts


def test_the_demo_fills_the_sort_keys_as_the_triggers_would(database_url):
    """The demo's bulk load sets triggers aside: it must write the same copies itself."""
    from sqlalchemy import text

    from model import db as model_db
    from model import demo

    demo.generate(database_url, seed=3, customers=40, orders=120, cases=60)
    tag_list = ("(SELECT substr(group_concat(tag, ', '), 1, 200) FROM (SELECT tag FROM case_tags t "
                "WHERE t.case_id = c.id ORDER BY tag))") if database_url.startswith("sqlite") else \
        "(SELECT left(string_agg(tag, ', ' ORDER BY tag COLLATE \"C\"), 200) FROM case_tags t WHERE t.case_id = c.id)"
    with model_db.connect(database_url)() as s:
        differing = s.execute(text(f"""
            SELECT c.id FROM cases c
              LEFT JOIN customers cu ON cu.id = c.customer_id
              LEFT JOIN users u ON u.id = c.assignee_id
              LEFT JOIN order_summaries o ON o.id = c.order_id
             WHERE c.customer_name IS DISTINCT FROM cu.name OR c.assignee_name IS DISTINCT FROM u.display_name
                OR c.order_number IS DISTINCT FROM o.number OR c.tag_list IS DISTINCT FROM {tag_list}
                OR c.priority_rank IS NULL OR c.status_rank IS NULL""")).all()
        filled = s.execute(text("SELECT count(*) FROM cases WHERE customer_name IS NOT NULL AND tag_list IS NOT NULL "
                                "AND assignee_name IS NOT NULL AND order_number IS NOT NULL")).scalar()
        if database_url.startswith("sqlite"):
            indexed = s.execute(text("SELECT count(*) FROM cases_fts_trigram")).scalar()
            assert indexed == 60
    assert differing == [] and filled > 0


def test_grid_rows_are_small_whatever_the_language():
    """What the grid gets for a row: no nulls, texts cut to what a cell shows (CJK counts double)."""
    from components.queue import PREVIEW_COLUMNS, SUBJECT_COLUMNS, clip, grid_row

    row = {"id": 7, "number": "CS-00000007", "subject": "注文の商品が届きません" * 20, "customer": None,
           "order": None, "tags": [], "created": 1_800_000_000, "resolved_at": None, "status": "open",
           "last_message_preview": "Hello " * 50}
    out = grid_row(row)
    assert "customer" not in out and "order" not in out and "resolved_at" not in out
    assert out["created"] == 1_800_000_000 and out["tags"] == []
    assert out["subject"].endswith("…") and len(out["subject"]) == SUBJECT_COLUMNS // 2
    assert out["preview"] == ("Hello " * 50)[:PREVIEW_COLUMNS - 1] + "…" and "last_message_preview" not in out
    assert clip("Short", 10) == "Short" and clip("届きません", 10) == "届きません"
    assert clip("届きません。", 10) == "届きませ…"  # 8 columns and the …
