"""What case services accept: the limits, the checks of a person's input, the customer and order found."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import Case, CaseStatus, Customer, CustomerEmail, OrderSummary
from ..ids import valid_id
from ._common import NUMBER_PREFIX, ActionError
from .customers import validate_email

# An order number as format_number writes it ("SO-00000042"), wherever it appears in the text.
ORDER_NUMBER = re.compile(rf"(?<![\w-]){re.escape(NUMBER_PREFIX['order'])}\d{{8}}(?!\w)", re.IGNORECASE)
SUBJECT_LENGTH = 300
BODY_LENGTH = 20_000
TAG_LENGTH = 40
PREVIEW_LENGTH = 200
FINISHED = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
BULK_LIMIT = 500
BULK_ACTIONS = ("assign", "priority", "tag", "close")


# --- validation -----------------------------------------------------------------
def _choice(value, enum, what: str) -> str:
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise ActionError(f"Choose a {what}: {', '.join(allowed)}.")
    return str(value)


def _body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ActionError("Write a message; it cannot be empty.")
    text = body.strip()
    if len(text) > BODY_LENGTH:
        raise ActionError(f"A message is at most {BODY_LENGTH:,} characters; this one has {len(text):,}.")
    return text


def _preview(text: str) -> str:
    return " ".join(text.split())[:PREVIEW_LENGTH]


def _tags(tags) -> list[str]:
    if isinstance(tags, str):
        tags = [tags]
    cleaned = {str(tag).strip().lower() for tag in tags or ()} - {""}
    too_long = sorted(tag for tag in cleaned if len(tag) > TAG_LENGTH)
    if too_long:
        raise ActionError(f"A tag is at most {TAG_LENGTH} characters: {too_long[0][:60]!r} is longer.")
    return sorted(cleaned)


def _cc(cc) -> str | None:
    if cc is None:
        return None
    addresses = re.split(r"[,;\s]+", cc) if isinstance(cc, str) else list(cc)
    emails = list(dict.fromkeys(validate_email(a) for a in addresses if str(a).strip()))
    return ", ".join(emails) or None


def _closed_error(case: Case) -> ActionError:
    return ActionError(f"Case {case.number} is closed; open a new case for a follow-up.")


# --- customer and order -----------------------------------------------------------
def _customer(s: Session, customer_id, sender_email) -> Customer | None:
    if customer_id is not None:
        customer = s.get(Customer, customer_id) if valid_id(customer_id) is not None else None
        if customer is None:
            raise ActionError(f"Customer {customer_id} does not exist.")
        return customer
    if not sender_email:
        return None
    email = validate_email(sender_email)
    # Emails are stored lowercase; a shared address goes to the customer who has it as primary.
    return s.execute(
        select(Customer).join(CustomerEmail, CustomerEmail.customer_id == Customer.id)
        .where(CustomerEmail.email == email)
        .order_by(CustomerEmail.is_primary.desc(), CustomerEmail.id).limit(1)
    ).scalar_one_or_none()


def _given_order(s: Session, order_id, customer: Customer | None) -> OrderSummary:
    order = s.get(OrderSummary, order_id) if valid_id(order_id) is not None else None
    if order is None:
        raise ActionError(f"Order {order_id} does not exist.")
    if customer is not None and order.customer_id != customer.id:
        raise ActionError(f"Order {order.number} belongs to another customer; "
                          f"link one of {customer.name}'s orders instead.")
    return order


def _named_order(s: Session, customer: Customer, *texts: str | None) -> OrderSummary | None:
    """The first order number in the texts that is an order of this customer."""
    numbers = list(dict.fromkeys(m.upper() for text in texts if text for m in ORDER_NUMBER.findall(text)))[:50]
    if not numbers:
        return None
    found = {order.number: order for order in s.execute(
        select(OrderSummary).where(OrderSummary.number.in_(numbers),
                                   OrderSummary.customer_id == customer.id)).scalars()}
    return next((found[n] for n in numbers if n in found), None)
