"""update_customer: validated, all or nothing, audited."""
import json
from datetime import date

import pytest
from sqlalchemy import select

from model.actions import ActionError
from model.actions.customer_profile import ProfileError, update_customer
from model.actions.customers import validate_email, validate_phone
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


# --- addresses: several, billing and shipping, per-field errors ----------------------------------
HOME = {"kind": "shipping", "line1": "1 Main St", "city": "Springfield", "country": "us", "is_default": True}
OFFICE = {"kind": "billing", "line1": "2 Office Park", "line2": "Suite 5", "city": "Shelbyville",
          "region": "IL", "postal_code": "62565", "country": "US"}


def addresses_of(Session, customer_id):  # noqa: N803
    with Session() as s:
        return [(a.id, a.kind, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, a.is_default)
                for a in s.get(Customer, customer_id).addresses]


def audited_addresses(Session):  # noqa: N803
    with Session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "customer.update")
                           .order_by(AuditEvent.id)).all()
    return [json.loads(e.detail)["changes"].get("addresses") for e in events]


def test_addresses_are_added_edited_and_removed_and_each_change_is_audited(Session, users, customer_id):
    agent = users["agent"]
    with Session.begin() as s:
        update_customer(s, customer_id, actor=agent, addresses=[HOME, OFFICE])
    first = addresses_of(Session, customer_id)
    assert [row[1:] for row in first] == [
        ("shipping", "1 Main St", None, "Springfield", None, None, "US", True),
        ("billing", "2 Office Park", "Suite 5", "Shelbyville", "IL", "62565", "US", False)]

    with Session.begin() as s:  # edit the second, keep the first as it was
        update_customer(s, customer_id, actor=agent, addresses=[HOME, {**OFFICE, "city": "Capital City"}])
    second = addresses_of(Session, customer_id)
    assert [row[0] for row in second] == [row[0] for row in first]  # rows edited in place keep their ids
    assert second[1][4] == "Capital City" and second[0] == first[0]

    with Session.begin() as s:  # remove the first
        update_customer(s, customer_id, actor=agent, addresses=[{**OFFICE, "city": "Capital City"}])
    assert [row[4] for row in addresses_of(Session, customer_id)] == ["Capital City"]

    added, edited, removed = audited_addresses(Session)
    assert added["before"] == [] and [a["city"] for a in added["after"]] == ["Springfield", "Shelbyville"]
    assert [a["city"] for a in edited["before"]] == ["Springfield", "Shelbyville"]
    assert [a["city"] for a in edited["after"]] == ["Springfield", "Capital City"]
    assert [a["kind"] for a in removed["after"]] == ["billing"]


def test_every_wrong_address_field_is_named_and_nothing_is_saved(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], addresses=[HOME])
    before = digest(Session)
    wrong = [{"kind": "home", "line1": " ", "city": "", "country": "USA", "postal_code": "1" * 21},
             OFFICE,
             {**OFFICE, "is_default": True}, {**OFFICE, "line1": "3 Side St", "is_default": True}]
    with pytest.raises(ProfileError) as refused:
        with Session.begin() as s:
            update_customer(s, customer_id, actor=users["agent"], addresses=wrong, memo="not saved")
    items = refused.value.items
    assert set(items) == {"addresses.0.kind", "addresses.0.line1", "addresses.0.city", "addresses.0.country",
                          "addresses.0.postal_code", "addresses.3.is_default"}
    assert items["addresses.0.city"] == "Enter the city."
    assert items["addresses.0.line1"] == "Enter the street address."
    assert "two-letter" in items["addresses.0.country"] and "20 characters" in items["addresses.0.postal_code"]
    assert "one billing and one shipping" in items["addresses.3.is_default"]
    assert refused.value.errors["addresses"] == items["addresses.0.kind"]
    assert digest(Session) == before


def test_a_blank_address_list_removes_them_all(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], addresses=[HOME, OFFICE])
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"], addresses=[])
    assert addresses_of(Session, customer_id) == []


# --- email and phone formats ---------------------------------------------------------------------
GOOD_EMAILS = [
    ("ada@example.com", "ada@example.com"),
    ("Ada.King+desk@Example.ORG", "ada.king+desk@example.org"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("user@mail.example.co.jp", "user@mail.example.co.jp"),
    ("x_y-z@sub-domain.example.com", "x_y-z@sub-domain.example.com"),
    ("a@b.io", "a@b.io"),
    ("  padded@example.com\n", "padded@example.com"),
    ("ｔａｎａｋａ＠ｅｘａｍｐｌｅ．ｊｐ", "tanaka@example.jp"),  # typed with a Japanese IME
    ("user@例え.jp", "user@例え.jp"),
    ("user@xn--r8jz45g.jp", "user@xn--r8jz45g.jp"),
]
BAD_EMAILS = [
    "x@example.comnot-an-email", "not-an-email", "a@b", "a@@example.com", "a@example.c", ".a@example.com",
    "a..b@example.com", "a.@example.com", "a b@example.com", "a@-example.com", "a@example-.com",
    "a@example..com", "<a>@example.com", "a@example.com>", "a@example.123", "", "   ", "@example.com", "a@",
    "a@.com", "a@exa_mple.com", "a@" + "x" * 64 + ".com", "x" * 65 + "@example.com", 'a"b@example.com',
    "a@example.com;b@example.com", "javascript:alert(1)@example.com", None, 42,
]
GOOD_PHONES = [
    ("+1 555 010 0200", "+1 555 010 0200"), ("(555) 123-4567", "(555) 123-4567"),
    ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958"), ("03-1234-5678", "03-1234-5678"),
    ("０３－１２３４－５６７８", "03-1234-5678"), ("+34 912 345 678", "+34 912 345 678"),
    ("555.123.4567", "555.123.4567"), ("5551234567", "5551234567"), ("+81 90 1234 5678", "+81 90 1234 5678"),
]
BAD_PHONES = [
    "call me", "1------", "123", "+1 555", "555--1234", "-5551234567", "5551234567-", "++15551234567",
    "555 123 4567 ext 2", "(555 123-4567", "555) 123-4567", "1234567890123456", "", "+", "12345678a",
    "5 5 5 1 2 3", None, 5551234567,
]


@pytest.mark.parametrize("typed, stored", GOOD_EMAILS)
def test_good_emails_are_accepted_as_typed_lowercase(typed, stored):
    assert validate_email(typed) == stored


@pytest.mark.parametrize("typed", BAD_EMAILS)
def test_bad_emails_are_refused(typed):
    with pytest.raises(ActionError, match="is not an email address"):
        validate_email(typed)


@pytest.mark.parametrize("typed, stored", GOOD_PHONES)
def test_good_phones_are_accepted(typed, stored):
    assert validate_phone(typed) == stored


@pytest.mark.parametrize("typed", BAD_PHONES)
def test_bad_phones_are_refused(typed):
    with pytest.raises(ActionError, match="is not a phone number"):
        validate_phone(typed)


def test_a_bad_email_among_good_ones_saves_nothing(Session, users, customer_id):
    before = digest(Session)
    with pytest.raises(ProfileError) as refused:
        with Session.begin() as s:
            update_customer(s, customer_id, actor=users["agent"],
                            emails=[{"email": "ada@example.com", "primary": True},
                                    {"email": "x@example.comnot-an-email"}], phones=["+1 555 010 0200"])
    assert refused.value.errors == {"emails": "'x@example.comnot-an-email' is not an email address."}
    assert digest(Session) == before


def test_a_list_of_bare_numbers_keeps_each_known_numbers_kind(Session, users, customer_id):
    with Session.begin() as s:
        update_customer(s, customer_id, actor=users["agent"],
                        phones=[{"number": "+1 555 010 0200", "kind": "work"},
                                {"number": "5551234567", "kind": "home"}])
    with Session.begin() as s:  # the profile form sends numbers only
        update_customer(s, customer_id, actor=users["agent"], phones=["5551234567", "+34 912 345 678"])
    with Session() as s:
        assert [(p.number, p.kind) for p in s.get(Customer, customer_id).phones] == [
            ("5551234567", "home"), ("+34 912 345 678", "mobile")]
    with pytest.raises(ProfileError, match="mobile, home, work or other"):
        with Session.begin() as s:
            update_customer(s, customer_id, actor=users["agent"], phones=[{"number": "5551234567", "kind": "fax"}])
