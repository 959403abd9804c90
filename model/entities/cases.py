"""Service cases and their threads."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import (
    Base, CaseChannel, CasePriority, CaseStatus, CaseType, MessageKind, enum_values, utcnow,
)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(CaseStatus)})", name="status"),
        CheckConstraint(f"channel IN ({enum_values(CaseChannel)})", name="channel"),
        CheckConstraint(f"type IN ({enum_values(CaseType)})", name="type"),
        CheckConstraint(f"priority IN ({enum_values(CasePriority)})", name="priority"),
        # Queue: default view is open work by status, newest first; single-column
        # indexes on each sortable column keep unfiltered sorts off full scans.
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_assignee_status", "assignee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject: Mapped[str] = mapped_column(String(300))
    channel: Mapped[str] = mapped_column(String(16), default=CaseChannel.EMAIL, index=True)
    status: Mapped[str] = mapped_column(String(16), default=CaseStatus.NEW, index=True)
    type: Mapped[str] = mapped_column(String(16), default=CaseType.OTHER, index=True)
    priority: Mapped[str] = mapped_column(String(16), default=CasePriority.NORMAL, index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("order_summaries.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    cc: Mapped[str | None] = mapped_column(Text)  # comma-separated addresses
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    first_response_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_at: Mapped[datetime | None]
    last_message_at: Mapped[datetime | None]
    last_message_preview: Mapped[str | None] = mapped_column(String(200))

    messages: Mapped[list["CaseMessage"]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan")
    tag_rows: Mapped[list["CaseTag"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseTag.tag")
    customer = relationship("Customer")
    order = relationship("OrderSummary")
    assignee = relationship("User")

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]


class CaseMessage(Base):
    __tablename__ = "case_messages"
    __table_args__ = (CheckConstraint(f"kind IN ({enum_values(MessageKind)})", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="messages")


class CaseTag(Base):
    __tablename__ = "case_tags"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)

    case: Mapped[Case] = relationship(back_populates="tag_rows")
