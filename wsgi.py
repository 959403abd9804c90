"""Production entry point: the app of app.py plus what a server in front of people needs.

    gunicorn -c gunicorn.conf.py wsgi:server        # what ./scripts/serve runs

On top of `create_app` this adds gzip compression of responses (flask-compress)
and long-lived browser caching of static files whose URL carries a fingerprint
(Dash's component suites `*.v4_4_1m123.js`, `/assets/x.css?m=123`, the favicon's
`?v=`): a new version has a new URL, so those are `immutable` for a year, and the
compressed bytes of each are kept per process after the first request. Anything
else keeps its own headers (Dash callbacks, pages, /healthz).

It also turns on the shared Redis cache (pages/_cache.py) and the 503 "try
again" answer to database outages (pages/_unavailable.py). The server keeps no
per-user state in a process: sessions are signed cookies (one SECRET_KEY for
every worker and host) backed by session rows in the database, cached data
lives in Redis, so any worker on any host can answer anyone.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict

import flask
from flask_compress import Compress

import app as app_module
from pages import _cache, _unavailable

# Fingerprinted static URLs: the content behind them never changes.
IMMUTABLE_SUITE = re.compile(r"^/_dash-component-suites/.+\.v[\w]+m\d+(\.[\w@.-]+)?\.(js|css|map)$")
IMMUTABLE_QUERY = re.compile(r"(^|&)(m|v)=[\w.]+($|&)")
FINGERPRINT = re.compile(r"\.v[\w]+m\d+")
STATIC_CACHE_ENTRIES = 256
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")
ONE_YEAR = 365 * 24 * 3600
COMPRESS_SETTINGS = {
    "COMPRESS_REGISTER": False,      # registered below: static and dynamic responses differ
    "COMPRESS_ALGORITHM": ["gzip"],  # every client has it; cheap at level 6
    "COMPRESS_LEVEL": 6,
    "COMPRESS_MIN_SIZE": 500,
    "COMPRESS_STREAMS": False,       # the CSV export streams: leave it as it goes
}


def is_immutable_static(request: flask.Request) -> bool:
    """True for a static file requested by its fingerprinted URL."""
    path = request.path
    if not path.startswith(STATIC_PREFIXES):
        return False
    if IMMUTABLE_SUITE.match(path):
        return True
    return bool(IMMUTABLE_QUERY.search(request.query_string.decode("latin-1")))


class BoundedCache:
    """flask-compress's cache backend, holding at most `size` entries (least recently used go)."""

    def __init__(self, size: int):
        self.size, self.data, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
            return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


def static_cache_key(request: flask.Request) -> str:
    """The file, not the URL: without its fingerprint or query, plus what identifies its content,
    so made-up fingerprints or `?m=` values cannot fill the cache with copies."""
    path = FINGERPRINT.sub("", request.path)
    return f"{path}|{flask.g.get('static_etag', '')}|{flask.g.get('static_length', '')}"


def configure_production(server: flask.Flask, *, redis_url: str | None = None) -> flask.Flask:
    """Compression, static caching and the shared cache (Redis at `redis_url`, else REDIS_URL)
    on an app built by `create_app`."""
    for key, value in COMPRESS_SETTINGS.items():
        server.config.setdefault(key, value)
    dynamic = Compress()
    dynamic.init_app(server)
    static = Compress()
    static.init_app(server)
    static.cache = BoundedCache(STATIC_CACHE_ENTRIES)  # per process: compressed bundles, computed once each
    static.cache_key = static_cache_key
    server.extensions["static_compressed"] = static.cache

    def compress_and_cache(response: flask.Response) -> flask.Response:
        request = flask.request
        if request.method in ("GET", "HEAD") and response.status_code == 200 \
                and request.path.startswith(STATIC_PREFIXES):
            if is_immutable_static(request):
                response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
            if response.is_streamed:  # a file sent by Flask: read it (small, and compressed once)
                response.direct_passthrough = False
                response.make_sequence()
            flask.g.static_etag = response.headers.get("ETag", "")
            flask.g.static_length = response.content_length
            return static.after_request(response)
        return dynamic.after_request(response)

    # create_app has served its first request already (see app._bind_page_callbacks), so
    # Flask refuses `server.after_request(...)`; this is the list that decorator appends to.
    # Registered last, it runs first: the other hooks only add headers.
    server.after_request_funcs.setdefault(None, []).append(compress_and_cache)
    _cache.init_cache(server, redis_url)
    _unavailable.register(server)
    return server


def production_app(database_url: str | None = None, *, secret_key: str | None = None, redis_url: str | None = None):
    """A new Dash app (see app.create_app) with the production additions."""
    app = app_module.create_app(database_url, secret_key=secret_key)
    configure_production(app.server, redis_url=redis_url)
    return app


def production_server(database_url: str | None = None, *, secret_key: str | None = None,
                      redis_url: str | None = None) -> flask.Flask:
    """The Flask server of `production_app`, what a WSGI server runs."""
    return production_app(database_url, secret_key=secret_key, redis_url=redis_url).server


_lock = threading.Lock()


def __getattr__(name: str):
    """`server` (and `application`) for WSGI servers, built on first access, once."""
    if name not in ("server", "application"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _lock:
        if "server" not in globals():
            globals()["server"] = globals()["application"] = production_server()
    return globals()[name]
