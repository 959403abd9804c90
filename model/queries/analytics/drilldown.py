"""The records behind one chart value, with the chart's filters, so they add up to it.

refunds: credit memos (one per change order: their sum is the refund chart's
value); with a category or product filter, the change-order lines of that
category or product with what each refunded (`change_order_lines.refunded`),
which is what the rollups count per category. returns / cancellations:
change-order lines with their units. Converted views add each record's rate
and converted amount (exact; the grid's total rounds their sum once).
"""
from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterator

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...entities import ChangeOrder, ChangeOrderLine, CreditMemo, OrderItemSummary, OrderSummary
from ...money import from_minor, minor_units
from .filters import (
    DRILLDOWN_CHARTS, REFUND_KINDS, RETURN_KINDS, Conversion, Filters, MissingRate, as_date, load_conversion,
    utc_bounds,
)

MAX_DRILLDOWN_ROWS = 5000


def _kinds(chart: str, kind: str | None) -> tuple[str, ...]:
    if kind:
        return (kind,)
    return {"refunds": REFUND_KINDS, "returns": RETURN_KINDS, "cancellations": ("cancel",)}[chart]


def money_column(chart: str) -> str:
    return "refunded" if chart == "refunds" else "amount"


def per_line(f: Filters, chart: str) -> bool:
    """Refunds listed per change-order line (a category or a product picks lines, not memos)."""
    return chart != "refunds" or bool(f.category or f.product)


def drilldown_statement(f: Filters, chart: str, kind: str | None):
    """SQL for the records behind a value of `chart` (the filters say which point)."""
    if chart not in DRILLDOWN_CHARTS:
        raise ValueError(f"Unknown chart {chart!r}.")
    since, until = utc_bounds(f.start, f.end)
    co, line = ChangeOrder, OrderItemSummary
    if not per_line(f, chart):
        stmt = (select(CreditMemo.number.label("credit_memo"), OrderSummary.number.label("order_number"),
                       co.created_at.label("created_at"), co.kind, co.reason, OrderSummary.channel,
                       OrderSummary.currency, CreditMemo.amount.label("refunded"))
                .join(co, co.id == CreditMemo.change_order_id)
                .join(OrderSummary, OrderSummary.id == co.order_id)
                .order_by(co.created_at, CreditMemo.id))
    else:
        common = (OrderSummary.number.label("order_number"), co.created_at.label("created_at"), co.kind, co.reason,
                  OrderSummary.channel, OrderSummary.currency, line.sku, line.category)
        if chart == "refunds":
            stmt = select(CreditMemo.number.label("credit_memo"), *common, ChangeOrderLine.refunded.label("refunded"))
        else:
            stmt = select(*common, ChangeOrderLine.quantity.label("units"), ChangeOrderLine.amount.label("amount"))
        stmt = (stmt.select_from(ChangeOrderLine).join(co, co.id == ChangeOrderLine.change_order_id)
                .join(line, line.id == ChangeOrderLine.line_id).join(OrderSummary, OrderSummary.id == co.order_id)
                .order_by(co.created_at, ChangeOrderLine.id))
        if chart == "refunds":
            stmt = (stmt.outerjoin(CreditMemo, CreditMemo.change_order_id == co.id)
                    .where(ChangeOrderLine.refunded != 0))
        if f.category:
            stmt = stmt.where(line.category == f.category)
        if f.product:
            stmt = stmt.where(line.product_id == f.product)
    stmt = stmt.where(co.kind.in_(_kinds(chart, kind)), co.created_at >= since, co.created_at < until)
    if f.reason:
        stmt = stmt.where(co.reason == f.reason)
    stmt = stmt.where(OrderSummary.currency.in_(f.currencies) if f.convert else OrderSummary.currency == f.currency)
    if f.channel:
        stmt = stmt.where(OrderSummary.channel == f.channel)
    return stmt


def _exact(value, currency: str) -> Decimal:
    """A stored amount as an exact Decimal of its currency (SQLite hands over floats)."""
    return from_minor(round(Decimal(str(value)) * 10 ** minor_units(currency)), currency)


def _day(value) -> object:
    return value.date() if isinstance(value, datetime) else as_date(value)


class _Rows:
    """Turns result rows into records: exact money, the UTC day, and the conversion when asked."""

    def __init__(self, names: list[str], chart: str, conversion: Conversion | None):
        self.names = names
        self.money = names.index(money_column(chart))
        self.currency = names.index("currency")
        self.created = names.index("created_at")
        self.conversion = conversion
        self.columns = [*names, "day"] + (["rate", "converted"] if conversion else [])

    def record(self, row) -> list:
        values = list(row)
        currency = values[self.currency]
        values[self.money] = _exact(values[self.money], currency)
        day = _day(values[self.created])
        values.append(day)
        if self.conversion is not None:
            rate = self.conversion.rate(currency, day)
            values += [rate, values[self.money] * rate]
        return values


def check_rates(s: Session, f: Filters, chart: str, kind: str | None = None) -> Conversion | None:
    """The conversion of a converted drilldown, after making sure no record falls on a day
    without a rate (MissingRate otherwise): an export must not fail halfway through."""
    conversion = load_conversion(s, f)
    if conversion is None:
        return None
    for currency in f.currencies:
        if currency == conversion.target:
            continue
        starts = [p.start for p in conversion.periods if p.currency == currency]
        first_covered = min(starts) if starts else f.end + timedelta(days=1)
        if first_covered > f.start:
            uncovered = replace(f, currency=currency, convert=False, start=f.start,
                                end=first_covered - timedelta(days=1))
            row = s.execute(drilldown_statement(uncovered, chart, kind).limit(1)).first()
            if row is not None:
                raise MissingRate(currency, conversion.target, _day(row.created_at))
    return conversion


def drilldown(s: Session, f: Filters, chart: str, *, kind: str | None = None,
              limit: int | None = MAX_DRILLDOWN_ROWS) -> pd.DataFrame:
    """Records behind one chart value, each with its order number for a link.

    Narrow `f` to the clicked bucket with `Filters.narrowed` and the clicked bar's
    reason / channel / category / product with `dataclasses.replace`. The money column
    (`refunded` or `amount`) sums to the chart's value; converted: `converted` does.
    """
    stmt = drilldown_statement(f, chart, kind)
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = _Rows([c.name for c in stmt.selected_columns], chart, check_rates(s, f, chart, kind))
    return pd.DataFrame([rows.record(row) for row in s.execute(stmt)], columns=rows.columns)


def drilldown_total(frame: pd.DataFrame, chart: str) -> Decimal:
    """The exact money total of a drilldown (converted when it was)."""
    column = "converted" if "converted" in frame else money_column(chart)
    return sum(frame[column], Decimal(0))


def drilldown_csv(s: Session, f: Filters, chart: str, *, kind: str | None = None,
                  batch: int = 2000) -> Iterator[str]:
    """The whole drilldown as CSV text chunks, streamed from the database in batches."""
    stmt = drilldown_statement(f, chart, kind).execution_options(yield_per=batch)
    rows = _Rows([c.name for c in stmt.selected_columns], chart, check_rates(s, f, chart, kind))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    result = s.execute(stmt)
    writer.writerow(rows.columns)
    for partition in result.partitions():
        for row in partition:
            writer.writerow(["" if v is None else v for v in rows.record(row)])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
