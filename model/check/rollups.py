"""Rules 24–27: the order rollups against the facts counted during the pass over the orders."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy.engine import Connection

from ..entities import OrderRollup
from .reading import CHANGE_KINDS, _rounders, _select
from .report import Report


# --- rules 24–27: rollups ----------------------------------------------------------------------
ROLLUP_RULES = [(24, "placed", "amount", "Σ original_grand_total"), (24, "placed", "units", "Σ ordered"),
                (24, "placed", "events", "orders"), (25, "fulfilled", "amount", "Σ payment.captured"),
                (25, "fulfilled", "units", "Σ line.fulfilled")] + [
                (26, kind, measure, f"{kind} change orders") for kind in CHANGE_KINDS
                for measure in ("amount", "refunded", "events")]


def _check_rollups(conn: Connection, r: Report) -> None:
    """Each cell is rounded, then added in Python: no floating sum of SQLite's is trusted."""
    cells: dict = defaultdict(lambda: defaultdict(int))
    ru = OrderRollup.__table__.c
    rows = conn.execute(_select(conn, [ru.kind, ru.currency, ru.events, ru.units, ru.amount, ru.refunded])).all()
    rounders = _rounders(rows)
    for kind, currency, events, units, amount, refunded in rows:
        cell, rounded = cells[currency], rounders[currency]
        cell[kind, "events"] += events
        cell[kind, "units"] += units
        cell[kind, "amount"] += rounded[amount]
        cell[kind, "refunded"] += rounded[refunded]
    for currency in sorted(set(r.facts) | set(cells)):
        want, have = r.facts[currency], cells[currency]
        for rule, kind, measure, source in ROLLUP_RULES:
            r.expect(rule, "order_rollups", f"{kind}/{currency}", f"Σ {measure} ({source})",
                     want[kind, measure], have[kind, measure])
        r.expect(27, "order_rollups", f"cancel/{currency}", "Σ units (Σ line.canceled)",
                 want["cancel", "units"], have["cancel", "units"])
        r.expect(27, "order_rollups", f"return+rma/{currency}", "Σ units (Σ line.returned)",
                 want["returned", "units"], have["return", "units"] + have["rma", "units"])
