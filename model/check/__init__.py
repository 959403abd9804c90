"""Verify every numbered rule of model/INVARIANTS.md on a database.

    python -m model.check [--database-url URL] [--limit N]

Orders are read in id-ordered chunks with what hangs off them (Core selects of
the needed columns, `order_id BETWEEN` the chunk's first and last id), so memory
stays flat on millions of orders. Every money value is read as stored (SQLite
keeps Numeric as floating values) and goes through `round_money`, half-up to the
currency's minor unit, before any comparison; all money arithmetic is Decimal in
Python and no money is added up in SQL, which only adds up unit counts. The
rollup rules (24–27) add the rollup cells up in Python, each cell rounded first,
and compare them with the facts summed during the pass over the orders. The
check reads one snapshot (REPEATABLE READ on PostgreSQL, one read transaction on
SQLite) and never takes SQLite's write lock.

The modules, in the order a run goes through them:

    report      Report: the violations found, the limit, the facts the rollups must add up to
    reading     the snapshot, the record shapes, orders in chunks with what hangs off them
    orders      rules 1–20, one order at a time
    cases       rules 21–23
    rollups     rules 24–27: order rollups against the facts of the pass over the orders
    analytics   rules 28–33: analytics rollups against the facts
    runner      run() and check()
    cli         the command line (__main__ runs it)
"""
from .cli import main
from .orders import captured_target
from .report import Report
from .runner import check, run

__all__ = ["Report", "captured_target", "check", "main", "run"]
