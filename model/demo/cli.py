"""The command line: python -m model.demo (see the package docstring)."""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone

from . import __doc__ as _PACKAGE_DOC
from .common import ANCHOR, DemoError
from .generation import generate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.demo", description=_PACKAGE_DOC.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url")
    parser.add_argument("--anchor", help="date the data is relative to, YYYY-MM-DD (default 2026-11-01)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    anchor = ANCHOR
    if args.anchor:
        try:
            anchor = datetime.strptime(args.anchor, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        except ValueError:
            parser.error("--anchor must be a date like 2026-11-01")
    started = time.perf_counter()
    try:
        counts = generate(args.database_url, customers=args.customers, orders=args.orders, cases=args.cases,
                          seed=args.seed, progress=not args.quiet, anchor=anchor)
    except DemoError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    print(f"{total:,} rows in {elapsed:.1f} s: " + ", ".join(f"{n} {c:,}" for n, c in counts.items() if c))
    return 0
