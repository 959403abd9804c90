"""Declarative base, shared column types and status enums."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import DateTime, MetaData, Numeric, TypeDecorator
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(12, 2, asdecimal=True)
Rate = Numeric(6, 4, asdecimal=True)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on SQLite as well as PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        if value is not None and dialect.name == "sqlite":
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {Decimal: Money, datetime: UTCDateTime()}


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"
    ADMIN = "admin"


class Channel(StrEnum):
    WEB = "web"
    STORE = "store"
    PHONE = "phone"
    MARKETPLACE = "marketplace"


class OrderStatus(StrEnum):
    CREATED = "created"
    ALLOCATED = "allocated"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    CANCELED = "canceled"
    RETURNED = "returned"


class FulfillmentStatus(StrEnum):
    ALLOCATED = "allocated"
    FULFILLED = "fulfilled"
    DELIVERED = "delivered"
    LOST = "lost"


class ReturnOrderStatus(StrEnum):
    SUBMITTED = "submitted"
    RECEIVED = "received"
    CLOSED = "closed"


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


class CaseChannel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WEB = "web"
    INTERNAL = "internal"


class CaseType(StrEnum):
    PAYMENT = "payment"
    CLAIM = "claim"
    SHIPMENT = "shipment"
    RETURN = "return"
    CANCELLATION = "cancellation"
    OTHER = "other"


class CasePriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class MessageKind(StrEnum):
    REPLY = "reply"
    NOTE = "note"
    CUSTOMER = "customer"


class ChangeKind(StrEnum):
    CANCEL = "cancel"
    DISCOUNT = "discount"
    RETURN = "return"
    RMA = "rma"
    SHIPPING_CREDIT = "shipping_credit"


def enum_values(enum) -> str:
    """SQL list of an enum's values for a CHECK constraint."""
    return ", ".join(f"'{member.value}'" for member in enum)
