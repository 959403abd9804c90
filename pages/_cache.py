"""A shared cache (flask-caching on Redis) for reads that are costly and shared by many people.

    value = cached("analytics.kpis", filters, topics=("orders",), ttl=60, compute=lambda: ...)

The key holds the name, the arguments, the database and the generation of each
topic the read depends on (model/cache.py): a commit that changes one of those
topics bumps its generation, so the next read computes afresh, on every worker.
The TTL only bounds what a write outside this app (a script, psql) can leave stale.
With `topics=()` the TTL alone decides: for aggregates of data that changes every
second (queue health over 200k cases), where exact-to-the-second is not the point.

Cache what is the same for everybody who may see it: data with `cached` and
`cached_read`; rendered components only with `cached_render`, whose key holds
the reader's role and language. When the app was built without the cache
(tests, `python app.py`) or Redis does not answer, these just compute.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import flask
from flask_caching import Cache

from model import cache as generations

log = logging.getLogger(__name__)

EXTENSION = "sdo_cache"
KEY_PREFIX = "sdo:cache:"
DEFAULT_TTL = 60
TIMEOUT_SECONDS = generations.TIMEOUT_SECONDS


@dataclass
class CacheStats:
    """Per-process counters (shown by tests and the load test; not shared state)."""

    hits: int = 0
    misses: int = 0
    bypassed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, what: str) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)


stats = CacheStats()


def init_cache(server: flask.Flask, redis_url: str | None = None) -> Cache | None:
    """flask-caching on Redis for this app, and the commit hooks that invalidate it.

    `redis_url` (else REDIS_URL, else redis://127.0.0.1:6379/0); "none" turns caching off.
    """
    url = redis_url if redis_url is not None else os.environ.get("REDIS_URL", generations.DEFAULT_REDIS_URL)
    if not generations.configure(url).enabled:
        return None
    # No connection is made here: Redis may come up after the app (the breaker in model/cache.py).
    cache = Cache(server, config={
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": url,
        "CACHE_KEY_PREFIX": KEY_PREFIX,
        "CACHE_DEFAULT_TIMEOUT": DEFAULT_TTL,
        "CACHE_OPTIONS": {"socket_connect_timeout": TIMEOUT_SECONDS, "socket_timeout": TIMEOUT_SECONDS},
    })
    server.extensions[EXTENSION] = cache
    generations.track_writes()
    return cache


def _key(name: str, parts: tuple, database: str, stamps: tuple[int, ...]) -> str:
    digest = hashlib.sha1(repr((parts, stamps)).encode()).hexdigest()
    return f"{name}:{database}:{digest}"


def cached(name: str, *parts, topics: Iterable[str], compute: Callable[[], object], ttl: int = DEFAULT_TTL):
    """`compute()`, or what it returned before for the same name, parts and generations.

    `parts` must have a stable repr (strings, numbers, dates, frozen dataclasses).
    """
    cache = flask.current_app.extensions.get(EXTENSION) if flask.has_app_context() else None
    if cache is None:
        return compute()
    database = flask.current_app.config["DATABASE_URL"]
    stamps = generations.generations(database, topics)
    if stamps is None:  # Redis unreachable: read the database
        stats.count("bypassed")
        return compute()
    key = _key(name, parts, generations.database_key(database), stamps)
    try:
        stored = cache.get(key)
    except Exception as error:  # noqa: BLE001 - the cache is optional
        generations.failed(error)  # one breaker for both clients
        stats.count("bypassed")
        return compute()
    if stored is not None:
        stats.count("hits")
        return pickle.loads(stored)
    stats.count("misses")
    value = compute()
    try:
        cache.set(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), timeout=ttl)
    except Exception as error:  # noqa: BLE001
        generations.failed(error)
    return value


def cached_read(name: str, *parts, topics: Iterable[str], read: Callable, ttl: int = DEFAULT_TTL):
    """`read(session)` in a read-only session of this app's database, through `cached`."""
    from pages._db import read_session

    def compute():
        with read_session() as s:
            return read(s)

    return cached(name, *parts, topics=topics, compute=compute, ttl=ttl)


def cached_render(name: str, *parts, topics: Iterable[str], compute: Callable, ttl: int = DEFAULT_TTL):
    """Like `cached`, for what a callback returns (components, figures) in the reader's language.

    Stored as the JSON Dash would send, and returned as that JSON on a hit, which Dash
    sends as it is: a hit builds no component and no Plotly figure (each costs tens of
    ms to validate). The signed-in person's role and language are part of the key.
    `compute` must return real values (no `no_update`); raising PreventUpdate is fine.
    """
    from plotly.io.json import to_json_plotly

    from components.i18n import current_language
    from pages._guard import current_user_record

    user = current_user_record()
    fresh = []

    def render():
        value = compute()
        fresh.append(value)
        return zlib.compress(to_json_plotly(value).encode(), 1)

    stored = cached(name, *parts, user.role if user else None, current_language(), topics=topics,
                    compute=render, ttl=ttl)
    if fresh:  # computed now (miss or no cache): hand Dash the objects themselves
        return fresh[0]
    return json.loads(zlib.decompress(stored))  # a multi-output tuple comes back as a list: Dash takes both
