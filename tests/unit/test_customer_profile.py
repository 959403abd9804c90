"""update_customer: validated, all or nothing, audited."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from model.actions import ActionError
from model.actions.customer_profile import ProfileError, update_customer
from model.entities import AuditEvent, Customer
from tests.unit.helpers import digest


def profile(Session, customer_id):  # noqa: N803
    with Session() as s:
        c = s.get(Customer, customer_id)
        return {"emails": [(e.email, e.is_primary, e.newsletter) for e in c.emails],
                "phones": [p.number for p in c.phones], "tags": c.tags, "language": c.language,
                "time_zone": c.time_zone, "birthday": c.birthday, "memo": c.memo, "name": c.name,
                "addresses": [(a.kind, a.city, a.country) for a in c.addresses]}


def test_valid_changes_are_saved_and_audited(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], name=" Ada King ",
                        emails=[{"email": "ada@example.com", "primary": False},
                                {"email": "Ada.King@Example.org", "primary": True, "newsletter": True}],
                        phones=["+1 555 010 0200"], tags=["VIP", "new", "vip"], language="es",
                        time_zone="Europe/Madrid", birthday="1990-12-10",
                        memo="Prefers email.",
                        addresses=[{"kind": "shipping", "line1": "1 Main St", "city": "Springfield",
                                    "country": "us"}])
    got = profile(Session, customer_id)
    assert got["name"] == "Ada King"
    assert got["emails"] == [("ada@example.com", False, False), ("ada.king@example.org", True, True)]
    assert got["phones"] == ["+1 555 010 0200"] and got["tags"] == ["new", "vip"]
    assert (got["language"], got["time_zone"], got["birthday"]) == ("es", "Europe/Madrid", date(1990, 12, 10))
    assert got["addresses"] == [("shipping", "Springfield", "US")]
    with Session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")).one()
    detail = json.loads(event.detail)["changes"]
    assert detail["language"] == {"before": "en", "after": "es"} and "emails" in detail
    assert event.actor_id == users["agent"].id and event.customer_id == customer_id


def test_tags_that_stay_keep_their_rows(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], tags=["vip", "new"])
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], tags=["vip", "partnership"])
    assert profile(Session, customer_id)["tags"] == ["partnership", "vip"]


@pytest.mark.parametrize("changes, field, words", [
    ({"emails": [{"email": "not-an-email", "primary": True}]}, "emails", "is not an email address"),
    ({"emails": [{"email": "a@example.com"}, {"email": "b@example.com"}]}, "emails", "primary"),
    ({"emails": [{"email": "a@example.com", "primary": True}, {"email": "b@example.com", "primary": True}]},
     "emails", "exactly one"),
    ({"emails": []}, "emails", "at least one"),
    ({"phones": ["call me"]}, "phones", "is not a phone number"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
    ({"language": "fr"}, "language", "Choose a language"),
    ({"birthday": "2999-01-01"}, "birthday", "in the past"),
    ({"birthday": "yesterday"}, "birthday", "as a date"),
    ({"name": "  "}, "name", "name"),
    ({"addresses": [{"kind": "home", "line1": "x", "city": "y", "country": "US"}]}, "addresses", "billing"),
    ({"colour": "blue"}, "colour", "not a field"),
])
def test_invalid_field_is_named_and_nothing_is_saved(Session, users, customer_id, changes, field, words):
    before = digest(Session)
    with pytest.raises(ProfileError) as refused:
        with Session.begin() as s:
            update_customer(s, customer_id, actor=users["agent"], memo="should not be saved", **changes)
    assert refused.value.field == field and words in refused.value.errors[field]
    assert str(refused.value).startswith(f"{field}: ")
    assert digest(Session) == before


def test_every_bad_field_is_reported_at_once(Session, users, customer_id):
    with pytest.raises(ProfileError) as refused:
        with Session.begin() as s:
            update_customer(s, customer_id, actor=users["agent"], phones=["x"], time_zone="Nowhere")
    assert set(refused.value.errors) == {"phones", "time_zone"}


def test_unknown_customer_and_missing_actor_are_refused(Session, users, customer_id):
    with Session.begin() as s, pytest.raises(ActionError, match="does not exist"):
        update_customer(s, 999_999, actor=users["agent"], memo="x")
    with Session.begin() as s, pytest.raises(ActionError, match="Sign in"):
        update_customer(s, customer_id, actor=None, memo="x")


def test_no_change_writes_no_audit_event(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], language="en")
    with Session() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")).all() == []
