"""Rollup upserts (order, product, refund), today's date and bulk inserts."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ...entities import OrderRollup, utcnow


# --- rollups ------------------------------------------------------------------
def add_rollup(s: Session, *, day: date, kind: str, channel: str, currency: str, reason: str = "",
               category: str = "", events: int = 0, units: int = 0,
               amount: Decimal = Decimal("0"), refunded: Decimal = Decimal("0")) -> None:
    """Add to one rollup cell with an upsert, safe when two actions hit the same cell."""
    # Through the session's connection: the upsert touches no ORM object, so it
    # need not flush the action's pending changes first.
    connection = s.connection()
    connection.execute(_rollup_upsert(connection.dialect.name), {
        "day": day, "kind": kind, "reason": reason, "category": category, "channel": channel,
        "currency": currency, "events": events, "units": units, "amount": amount, "refunded": refunded})


_ROLLUP_UPSERTS: dict[str, object] = {}


def _rollup_upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE adding to a rollup cell, built once per dialect."""
    stmt = _ROLLUP_UPSERTS.get(dialect)
    if stmt is None:
        table = OrderRollup.__table__
        insert_ = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        stmt = insert_.on_conflict_do_update(
            index_elements=["day", "kind", "reason", "category", "channel", "currency"],
            set_={name: table.c[name] + insert_.excluded[name] for name in ("events", "units", "amount", "refunded")})
        _ROLLUP_UPSERTS[dialect] = stmt
    return stmt


# Analytics rollups beside the order rollups (model.entities.rollups): the product's units, the
# refunds per person and per amount, and each change-order line's refunded money.
_ANALYTICS_STATEMENTS: dict[tuple[str, str], object] = {}


def _additive_upsert(dialect: str, name: str):
    """INSERT … ON CONFLICT (primary key) DO UPDATE adding the measures, built once per dialect."""
    stmt = _ANALYTICS_STATEMENTS.get((dialect, name))
    if stmt is None:
        from ...entities import ProductRollup, RefundRollup, RefundSizeRollup
        table = {"product": ProductRollup, "refund": RefundRollup, "size": RefundSizeRollup}[name].__table__
        insert_ = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        keys = [c.name for c in table.primary_key.columns]
        stmt = _ANALYTICS_STATEMENTS[dialect, name] = insert_.on_conflict_do_update(
            index_elements=keys, set_={c.name: c + insert_.excluded[c.name] for c in table.c if c.name not in keys})
    return stmt


def add_product_rollup(s: Session, *, day: date, product_id: int, category: str, channel: str, currency: str,
                       reason: str = "", fulfilled_units: int = 0, returned_units: int = 0) -> None:
    """Add units to a product's rollup cells of `day` and of its month (one statement, two rows)."""
    connection = s.connection()
    cell = {"currency": currency, "channel": channel, "reason": reason, "category": category,
            "product_id": product_id, "fulfilled_units": fulfilled_units, "returned_units": returned_units}
    connection.execute(_additive_upsert(connection.dialect.name, "product"),
                       [dict(cell, grain="day", day=day), dict(cell, grain="month", day=day.replace(day=1))])


def add_refund_rollup(s: Session, *, day: date, actor_id: int | None, kind: str, reason: str, channel: str,
                      currency: str, refunded: Decimal) -> None:
    """Count a change order that refunded money: per person, and by its exact amount."""
    if refunded <= 0:
        return
    from ...money import to_minor
    connection = s.connection()
    dialect = connection.dialect.name
    cell = {"currency": currency, "day": day, "actor_id": actor_id or 0, "refunds": 1, "refunded": refunded}
    connection.execute(_additive_upsert(dialect, "refund"), [
        dict(cell, level=0, kind=kind, reason=reason, channel=channel),
        dict(cell, level=1, kind="*", reason="*", channel="*")])
    connection.execute(_additive_upsert(dialect, "size"), {
        "currency": currency, "day": day, "refunded_minor": to_minor(refunded, currency), "refunds": 1})


def today() -> date:
    return utcnow().date()


def bulk_insert(s: Session, model, rows: list[dict]) -> None:
    if rows:
        s.execute(insert(model), rows)
