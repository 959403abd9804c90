"""Verify every numbered rule of model/INVARIANTS.md on a database.

    python -m model.check [--database-url URL] [--limit N]

Prints one line per violation ("rule 5: order_summaries 42: grand_total: expected
81.60, found 81.61"), then a summary line; exits 1 if a rule is broken, 0 if none
is, 2 if the database cannot be read. (The command line; __main__ runs it.)
"""
from __future__ import annotations

import argparse
import sys
import time

from sqlalchemy.exc import SQLAlchemyError

from .runner import run


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.check", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the SQLite file under data/")
    parser.add_argument("--limit", type=int, help="stop after this many violations")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        report = run(args.database_url, limit=args.limit)
    except SQLAlchemyError as error:
        print(f"model.check: cannot read the database: {error}", file=sys.stderr)
        return 2
    for line in report.violations:
        print(line)
    scope = (f"{report.orders:,} orders, {report.lines:,} lines, {report.cases:,} cases, "
             f"{time.monotonic() - started:.1f} s")
    if not report.violations:
        print(f"model.check: all rules hold ({scope})")
        return 0
    stopped = f"; stopped at --limit {report.limit}" if report.stopped else ""
    print(f"model.check: {len(report.violations):,} violations of rules "
          f"{', '.join(map(str, report.rules))} ({scope}{stopped})")
    return 1
