"""How fast the demo generator fills a database, as a ratio to raw sqlite3 inserts.

    python bench/demo_scale.py [--orders 1000000 --cases 200000 --customers 300000]
                               [--seed 1] [--database-url URL] [--keep]

Generates into a fresh temporary SQLite file (default) or into the empty
database at --database-url, then prints the elapsed time, the rows written per
table, rows/s and orders/s. The baseline is plain `sqlite3.executemany` of the
same number of rows (id + 3 columns, no index, one transaction, journal off)
into another fresh file: the ratio says how many times longer the generator
takes than merely inserting that many trivial rows.
"""
from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from model import demo  # noqa: E402


def baseline(rows: int, directory: str) -> float:
    """Seconds to executemany `rows` plain rows into a fresh SQLite file."""
    path = os.path.join(directory, "baseline.db")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=OFF")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, a INTEGER, b REAL, c TEXT)")
        started = time.perf_counter()
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO plain VALUES (?, ?, ?, ?)",
                               ((i, i % 97, i * 0.25, "row") for i in range(1, rows + 1)))
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()
        os.remove(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="an empty database (default: a fresh temporary SQLite file)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite file and print its path")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    directory = tempfile.mkdtemp(prefix="demo-scale-")
    url = args.database_url or f"sqlite:///{os.path.join(directory, 'demo.db')}"
    started, cpu = time.perf_counter(), time.process_time()
    counts = demo.generate(url, customers=args.customers, orders=args.orders, cases=args.cases, seed=args.seed,
                           progress=not args.quiet)
    elapsed = time.perf_counter() - started
    children = os.times()
    total = sum(counts.values())

    print(f"demo data: {args.customers:,} customers, {args.orders:,} orders, {args.cases:,} cases "
          f"(seed {args.seed}) into {url.split('://')[0]}")
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"  {name:<{width}}  {count:>12,}")
    print(f"  {'total':<{width}}  {total:>12,}")
    print(f"elapsed          {elapsed:10.1f} s   (CPU: main {time.process_time() - cpu:.1f} s, "
          f"workers {children.children_user + children.children_system:.1f} s)")
    print(f"rows/s           {total / elapsed:12,.0f}")
    print(f"orders/s         {args.orders / elapsed:12,.0f}")
    base = baseline(total, directory)
    print(f"baseline         {base:10.1f} s   raw sqlite3 executemany of {total:,} plain rows "
          f"({total / base:,.0f} rows/s)")
    print(f"ratio            {elapsed / base:10.2f} x baseline")
    if args.keep and not args.database_url:
        print(f"database kept at {os.path.join(directory, 'demo.db')}")
    else:
        for name in os.listdir(directory):
            os.remove(os.path.join(directory, name))
        os.rmdir(directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
