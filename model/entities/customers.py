"""Customers and their products catalogue."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    birthday: Mapped[date | None]
    memo: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    emails: Mapped[list["CustomerEmail"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerEmail.id")
    phones: Mapped[list["CustomerPhone"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerPhone.id")
    addresses: Mapped[list["CustomerAddress"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerAddress.id")
    tag_rows: Mapped[list["CustomerTag"]] = relationship(
        back_populates="customer", cascade="all, delete-orphan", order_by="CustomerTag.tag")

    @property
    def primary_email(self) -> str | None:
        return next((e.email for e in self.emails if e.is_primary), None)

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]


class CustomerEmail(Base):
    __tablename__ = "customer_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    newsletter: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="emails")


class CustomerPhone(Base):
    __tablename__ = "customer_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="mobile")

    customer: Mapped[Customer] = relationship(back_populates="phones")


class CustomerAddress(Base):
    __tablename__ = "customer_addresses"
    __table_args__ = (CheckConstraint("kind IN ('billing', 'shipping')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="shipping")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    is_default: Mapped[bool] = mapped_column(default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")


class CustomerTag(Base):
    __tablename__ = "customer_tags"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    customer: Mapped[Customer] = relationship(back_populates="tag_rows")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (CheckConstraint("price >= 0", name="price_non_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80), index=True)
    price: Mapped[Decimal]


