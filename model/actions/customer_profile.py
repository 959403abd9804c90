"""update_customer: an agent edits a customer's profile; every field validated, every change audited."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from ..entities import Customer, CustomerAddress, CustomerEmail, CustomerPhone, CustomerTag, User
from ..ids import valid_id
from ._common import ActionError, record, require_actor
from .customers import known_time_zone, validate_email, validate_name, validate_phone
from .users import LANGUAGES

FIELDS = ("name", "emails", "phones", "addresses", "tags", "language", "time_zone", "birthday", "memo")
ADDRESS_KINDS = ("billing", "shipping")
PHONE_KINDS = ("mobile", "home", "work", "other")
ADDRESS_KEYS = ("kind", "line1", "line2", "city", "region", "postal_code", "country", "is_default")
# Longest text each address field holds (the columns' sizes).
ADDRESS_LENGTHS = {"line1": 200, "line2": 200, "city": 100, "region": 100, "postal_code": 20}
MAX_TAGS = 20
MAX_MEMO = 5000


class ProfileError(ActionError):
    """Refused profile edit: `errors` maps each field to a sentence; the message names the first.

    `items` goes one level down for list fields, one sentence per input: {"addresses.1.city": …}.
    """

    def __init__(self, errors: dict[str, str], items: dict[str, str] | None = None):
        self.errors = dict(errors)
        self.items = dict(items or {})
        self.field = next(iter(self.errors))
        super().__init__(f"{self.field}: {self.errors[self.field]}")


class ItemErrors(ActionError):
    """A list field refused entry by entry: `items` maps "<index>.<key>" to a sentence."""

    def __init__(self, items: dict[str, str]):
        self.items = dict(items)
        super().__init__(next(iter(self.items.values())))


def update_customer(s: Session, customer_id: int, *, actor: User, **changes) -> Customer:
    """Apply `changes` (any of FIELDS) all or nothing; raises ProfileError naming the fields at fault.

    emails: [{"email", "primary", "newsletter"}] with exactly one primary; phones: [str or
    {"number", "kind"}]; addresses: [{"kind", "line1", "city", "country", …}]; tags: [str];
    birthday: a date, "YYYY-MM-DD" or None. Lists replace what the customer had.
    """
    require_actor(actor, "edit_customer")
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise ProfileError({name: "is not a field of a customer profile." for name in unknown})
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise ActionError("Choose a customer.")
    customer = s.get(Customer, customer_id) if valid_id(customer_id) is not None else None
    if customer is None:
        raise ActionError(f"Customer {customer_id} does not exist.")
    clean, errors, items = {}, {}, {}
    for name, value in changes.items():
        try:
            clean[name] = VALIDATORS[name](value)
        except ActionError as error:
            errors[name] = str(error)
            items.update({f"{name}.{key}": text for key, text in getattr(error, "items", {}).items()})
    if errors:
        raise ProfileError(errors, items)
    before = snapshot(customer)
    _apply(customer, clean)
    s.flush()
    after = snapshot(customer)
    changed = {k: {"before": before[k], "after": after[k]} for k in clean if before[k] != after[k]}
    if changed:
        record(s, actor, "customer.update", customer_id=customer.id, changes=changed)
    return customer


def snapshot(customer: Customer) -> dict:
    """The profile as plain data (what the audit event keeps before and after)."""
    return {
        "name": customer.name, "language": customer.language, "time_zone": customer.time_zone,
        "birthday": customer.birthday.isoformat() if customer.birthday else None, "memo": customer.memo,
        "emails": [{"email": e.email, "primary": e.is_primary, "newsletter": e.newsletter} for e in customer.emails],
        "phones": [{"number": p.number, "kind": p.kind} for p in customer.phones],
        "addresses": [{k: getattr(a, k) for k in ("kind", "line1", "line2", "city", "region", "postal_code",
                                                  "country", "is_default")} for a in customer.addresses],
        "tags": list(customer.tags),
    }


def _apply(customer: Customer, clean: dict) -> None:
    for name in ("name", "language", "time_zone", "birthday", "memo"):
        if name in clean:
            setattr(customer, name, clean[name])
    if "emails" in clean:
        customer.emails = [CustomerEmail(email=e["email"], is_primary=e["primary"], newsletter=e["newsletter"])
                           for e in clean["emails"]]
    if "phones" in clean:
        kinds = {phone.number: phone.kind for phone in customer.phones}
        customer.phones = [CustomerPhone(number=p["number"], kind=p["kind"] or kinds.get(p["number"], "mobile"))
                           for p in clean["phones"]]
    if "addresses" in clean:
        # Edit the rows in place, position by position, so an address keeps its id across saves.
        rows, wanted = list(customer.addresses), clean["addresses"]
        for row, values in zip(rows, wanted):
            for key, value in values.items():
                setattr(row, key, value)
        customer.addresses = rows[:len(wanted)] + [CustomerAddress(**a) for a in wanted[len(rows):]]
    if "tags" in clean:
        # Keep the rows of tags that stay: a new row with the same key would be inserted before the
        # old one is deleted and collide on the primary key.
        kept = {row.tag: row for row in customer.tag_rows}
        customer.tag_rows = [kept.get(t) or CustomerTag(tag=t) for t in clean["tags"]]


# --- validators: each returns the clean value or raises ActionError with a sentence -------------
def _emails(value) -> list[dict]:
    if not isinstance(value, (list, tuple)) or not value:
        raise ActionError("A customer needs at least one email address.")
    emails, seen = [], set()
    for entry in value:
        entry = {"email": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict):
            raise ActionError("Each email is an address with its primary and newsletter flags.")
        address = validate_email(entry.get("email"))
        if address in seen:
            raise ActionError(f"{address} is listed twice.")
        seen.add(address)
        emails.append({"email": address, "primary": bool(entry.get("primary")),
                       "newsletter": bool(entry.get("newsletter"))})
    primaries = sum(e["primary"] for e in emails)
    if primaries != 1:
        raise ActionError("Mark exactly one email as primary." if primaries else "Mark one email as primary.")
    return emails


def _phones(value) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ActionError("Phones are a list of numbers.")
    phones = []
    for entry in value:
        entry = {"number": entry} if isinstance(entry, str) else entry
        if not isinstance(entry, dict):
            raise ActionError("Each phone is a number with its kind.")
        kind = entry.get("kind")  # None: keep the kind the number has (a form that only lists numbers)
        if kind is not None and kind not in PHONE_KINDS:
            raise ActionError("A phone's kind is mobile, home, work or other.")
        phones.append({"number": validate_phone(entry.get("number")), "kind": kind})
    return phones


def _addresses(value) -> list[dict]:
    """Several addresses, each for billing or shipping, at most one default of each kind.

    Every field of every address is checked; the refusal names each input at fault (ItemErrors).
    """
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise ActionError("Addresses are a list.")
    addresses, problems, defaults = [], {}, set()
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or set(entry) - set(ADDRESS_KEYS):
            raise ActionError(f"An address has the fields {', '.join(ADDRESS_KEYS)}.")
        clean, wrong = _address(entry)
        problems.update({f"{index}.{key}": text for key, text in wrong.items()})
        if clean["is_default"] and "kind" not in wrong:
            if clean["kind"] in defaults:
                problems[f"{index}.is_default"] = "Only one billing and one shipping address can be the default."
            defaults.add(clean["kind"])
        addresses.append(clean)
    if problems:
        raise ItemErrors(problems)
    return addresses


def _address(entry: dict) -> tuple[dict, dict[str, str]]:
    """One address made clean, and a sentence per field at fault."""
    clean = {key: entry.get(key).strip() if isinstance(entry.get(key), str) else entry.get(key)
             for key in ADDRESS_KEYS}
    wrong = {}
    if clean["kind"] not in ADDRESS_KINDS:
        wrong["kind"] = "An address is for billing or shipping."
    for key, longest in ADDRESS_LENGTHS.items():
        if clean[key] in (None, ""):
            clean[key] = None
        elif not isinstance(clean[key], str):
            wrong[key] = "Enter text here."
        elif len(clean[key]) > longest:
            wrong[key] = f"Use at most {longest} characters."
    if not clean["line1"] and "line1" not in wrong:
        wrong["line1"] = "Enter the street address."
    if not clean["city"] and "city" not in wrong:
        wrong["city"] = "Enter the city."
    country = clean["country"]
    if not isinstance(country, str) or len(country) != 2 or not country.isascii() or not country.isalpha():
        wrong["country"] = "The country is a two-letter code, like US, ES or JP."
    else:
        clean["country"] = country.upper()
    clean["is_default"] = bool(clean["is_default"])
    return clean, wrong


def _tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        raise ActionError("Tags are a list of words.")
    tags = sorted({str(t).strip().lower() for t in value if str(t).strip()})
    if len(tags) > MAX_TAGS or any(len(t) > 40 for t in tags):
        raise ActionError(f"Up to {MAX_TAGS} tags of at most 40 characters each.")
    return tags


def _language(value) -> str:
    if value not in LANGUAGES:
        raise ActionError(f"Choose a language: {', '.join(LANGUAGES)}.")
    return value


def _time_zone(value) -> str:
    if not isinstance(value, str) or not known_time_zone(value):
        raise ActionError(f"{str(value)[:64]!r} is not a known time zone.")
    return value


def _birthday(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ActionError("Enter the birthday as a date, like 1990-04-23.") from None
    if not isinstance(value, date) or value > date.today() or value.year < 1900:
        raise ActionError("The birthday must be a date in the past.")
    return value


def _memo(value) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > MAX_MEMO:
        raise ActionError(f"The memo is text of at most {MAX_MEMO:,} characters.")
    return value


VALIDATORS = {"name": validate_name, "emails": _emails, "phones": _phones, "addresses": _addresses, "tags": _tags,
              "language": _language, "time_zone": _time_zone, "birthday": _birthday, "memo": _memo}
