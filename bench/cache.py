"""Server time of the cached callbacks: without the cache, on a miss, on a hit.

    python -m bench.cache --database-url URL [--repeat 20]

Builds the production app (wsgi.production_server: flask-caching on Redis at
REDIS_URL) on the database, signs in as the demo manager and posts the real
callback requests of the analytics page through the Flask test client (no
network). Three timings per callback: the cache switched off (the app as it
was), a miss (a generation bump first, as after an order action) and a hit.
Reads only; the database is not changed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.load.dash_client import (  # noqa: E402
    AppClient, chart_body, chart_names, find_component, try_again_message,
)

MANAGER = ("manager", "manager-demo")


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(client: AppClient, bodies: list[dict]) -> float:
    """Milliseconds to answer these requests one after the other (a page's charts)."""
    started = time.perf_counter()
    for body in bodies:
        answer = client.post(body)
        if answer.status_code != 200 or try_again_message(answer):
            raise RuntimeError(f"callback answered {answer.status_code}: {answer.get_data(as_text=True)[:200]}")
    return (time.perf_counter() - started) * 1000


def analytics_requests(client: AppClient) -> dict[str, list[dict]]:
    """The analytics page's requests for the default 30 days and for 12 weekly months."""
    layout = client.go("/analytics")
    end = date.fromisoformat(str(find_component(layout, "analytics-dates")["end_date"])[:10])
    requests = {}
    for label, overrides in (("30 days, daily", {}),
                             ("12 months, weekly", {"analytics-granularity.value": "week",
                                                    "analytics-dates.start_date": (end - timedelta(days=364))
                                                    .isoformat()})):
        summary = client.body(output="analytics-kpis.children", changed=["analytics-dates.start_date"],
                              overrides=overrides)
        filters = client.call(summary)["analytics-filters"]["data"]
        charts = [chart_body(client.callbacks, name, filters) for name in chart_names(layout)]
        requests[f"analytics summary ({label})"] = [summary]
        requests[f"analytics: the refunds chart ({label})"] = [chart_body(client.callbacks, "refunds", filters)]
        requests[f"analytics: all {len(charts)} charts + summary ({label})"] = [summary, *charts]
    requests["analytics: what-if"] = [client.body(output="analytics-what-if.children",
                                                  changed=["analytics-currency.value"])]
    return requests


def measure(database_url: str, repeat: int) -> list[dict]:
    """One row per callback: p50/p95 ms off, miss, hit."""
    from model import cache as generations
    import wsgi
    from pages import _cache

    server = wsgi.production_server(database_url, secret_key=os.environ.get("SECRET_KEY", "bench-cache"))
    cache = server.extensions.get(_cache.EXTENSION)
    if cache is None:
        raise SystemExit("Redis is not reachable (REDIS_URL): nothing to compare")
    client = AppClient(server.test_client(), *MANAGER)
    rows = []
    for name, bodies in analytics_requests(client).items():
        server.extensions.pop(_cache.EXTENSION)
        timed(client, bodies)  # warm the process (imports, plans) before timing
        off = [timed(client, bodies) for _ in range(repeat)]
        server.extensions[_cache.EXTENSION] = cache
        misses = []
        for _ in range(repeat):
            generations.bump(database_url, {"orders"})
            cache.clear()  # a miss everywhere, also for reads cached by TTL alone (only sdo:cache: keys)
            misses.append(timed(client, bodies))
        hits = [timed(client, bodies) for _ in range(repeat)]
        rows.append({"name": name, "off": off, "miss": misses, "hit": hits})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    rows = measure(args.database_url, args.repeat)
    print(f"# Cached callbacks, server time in ms ({args.repeat} runs each, {args.database_url.split('://')[0]})\n")
    print("| callback | no cache p50 | no cache p95 | miss p50 | hit p50 | hit p95 | hit speed-up (p50) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        off50, hit50 = statistics.median(row["off"]), statistics.median(row["hit"])
        print(f"| {row['name']} | {off50:.1f} | {percentile(row['off'], 95):.1f} | "
              f"{statistics.median(row['miss']):.1f} | {hit50:.1f} | {percentile(row['hit'], 95):.1f} | "
              f"{off50 / hit50:.1f}× |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
