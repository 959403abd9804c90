"""Service cases and their threads."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Computed, FetchedValue, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import (
    Base, CaseChannel, CasePriority, CaseStatus, CaseType, MessageKind, enum_values, utcnow,
)


def _rank_sql(column: str, codes) -> str:
    """CASE <column> WHEN <code> THEN <its rank> … END, ranks from 1 in the enum's order."""
    whens = " ".join(f"WHEN '{code.value}' THEN {rank}" for rank, code in enumerate(codes, start=1))
    return f"CASE {column} {whens} END"


# Low → urgent and new → closed, as the queue sorts them: computed by the database so that
# sorts can use an index (migration 0003 adds them virtual on SQLite, stored on PostgreSQL).
PRIORITY_RANK_SQL = _rank_sql("priority", CasePriority)
STATUS_RANK_SQL = _rank_sql("status", CaseStatus)
TAG_LIST_LENGTH = 200


def _maintained(length: int):
    """A copy of what the queue shows from another table (customer, assignee, order number,
    tags), kept current by triggers (migration 0003_queue_sort) whoever writes: the ORM
    neither writes it nor trusts its own copy after a flush."""
    return mapped_column(String(length), server_default=FetchedValue(), server_onupdate=FetchedValue())


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
        Index("ix_cases_status_due", "status", "due_at"),  # SLA filters and the breaching KPI
        # The grid's sorts end with the id: one index per sort key, id included, so that
        # PostgreSQL needs no sort step over the ties of a low-cardinality key either.
        Index("ix_cases_priority_rank_id", "priority_rank", "id"),
        Index("ix_cases_status_rank_id", "status_rank", "id"),
        Index("ix_cases_channel_id", "channel", "id"),
        Index("ix_cases_type_id", "type", "id"),
        Index("ix_cases_customer_name_id", "customer_name", "id"),
        Index("ix_cases_assignee_name_id", "assignee_name", "id"),
        Index("ix_cases_order_number_id", "order_number", "id"),
        Index("ix_cases_tag_list_id", "tag_list", "id"),
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
    # Sort keys for the queue (see above); never written by the application.
    priority_rank: Mapped[int | None] = mapped_column(Computed(PRIORITY_RANK_SQL, persisted=True))
    status_rank: Mapped[int | None] = mapped_column(Computed(STATUS_RANK_SQL, persisted=True))
    customer_name: Mapped[str | None] = _maintained(200)
    assignee_name: Mapped[str | None] = _maintained(120)
    order_number: Mapped[str | None] = _maintained(32)
    tag_list: Mapped[str | None] = _maintained(TAG_LIST_LENGTH)  # "a, b, c", cut at 200

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
    # The cases of a tag straight from the index, without a visit to each tag row.
    __table_args__ = (Index("ix_case_tags_tag_case_id", "tag", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)

    case: Mapped[Case] = relationship(back_populates="tag_rows")
