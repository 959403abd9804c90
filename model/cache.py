"""Generation counters that tell cached reads a write happened (Redis, or nothing at all).

Reads that are worth caching (pages/_cache.py) put the generation of each topic
they depend on into their cache key. After a transaction commits, the topics of
the tables it changed get their counter incremented in Redis, so every worker on
every host stops using what was cached before that write: no wait for a TTL.

    track_writes()                 # once per process: hooks SQLAlchemy's session events
    generations(url, ("orders",))  # -> (7,) or None when Redis cannot be reached
    bump(url, {"orders"})          # done by the hooks after each commit

Redis down means no caching, never an error: `generations` answers None (the
caller then reads the database), `bump` remembers what it could not record and
records it on the first call that reaches Redis again, so nothing cached before
the outage is served as if current. After a failure Redis is left alone for
`RETRY_SECONDS`, so an outage costs one refused connection, not one per request.
model/ never imports Flask or Dash; this only needs the redis client.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
KEY_PREFIX = "sdo:gen:"
RETRY_SECONDS = 5.0
TIMEOUT_SECONDS = 0.25
# Table name prefix → topic: a cached read names topics, not tables, so a new table of
# an aggregate (another rollup, another line table) is covered without touching the reads.
TOPIC_PREFIXES = (
    ("order_", "orders"), ("fulfillment_", "orders"), ("change_order", "orders"), ("credit_memo", "orders"),
    ("return_order", "orders"), ("pending_approval", "orders"), ("product", "orders"),
    ("case", "cases"), ("customer", "customers"), ("user", "users"), ("saved_view", "views"),
)
_INFO_KEY = "cache_topics"


def topic_of(table_name: str) -> str:
    """The topic whose cached reads a write to `table_name` makes stale."""
    for prefix, topic in TOPIC_PREFIXES:
        if table_name.startswith(prefix):
            return topic
    return table_name


def database_key(url) -> str:
    """A short stable name of a database for cache keys (no password in Redis)."""
    parsed = make_url(url) if isinstance(url, str) else url  # str(URL) would mask the password
    canonical = parsed.render_as_string(hide_password=False)
    return hashlib.sha1(canonical.encode()).hexdigest()[:12]


class Generations:
    """The Redis side: counters per (database, topic), with a breaker for outages."""

    def __init__(self, redis_url: str | None = None):
        self.redis_url = redis_url if redis_url is not None else os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
        self._client = None
        self._down_until = 0.0
        self._missed: set[tuple[str, str]] = set()  # bumps that could not be recorded
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self.redis_url) and self.redis_url.lower() not in ("none", "off", "0")

    def client(self):
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=TIMEOUT_SECONDS,
                                                socket_timeout=TIMEOUT_SECONDS)
        return self._client

    def available(self) -> bool:
        return self.enabled and time.monotonic() >= self._down_until

    def failed(self, error: Exception) -> None:
        if time.monotonic() >= self._down_until:
            log.warning("Redis unavailable, caching off for %.0f s: %s", RETRY_SECONDS, error)
        self._down_until = time.monotonic() + RETRY_SECONDS

    def _flush_missed(self, pipe) -> None:
        with self._lock:
            missed, self._missed = self._missed, set()
        for database, topic in missed:
            pipe.incr(KEY_PREFIX + database + ":" + topic)

    def bump(self, url: str, topics: Iterable[str]) -> None:
        database = database_key(url)
        topics = set(topics)
        if not topics or not self.enabled:
            return
        if not self.available():
            with self._lock:
                self._missed.update((database, topic) for topic in topics)
            return
        try:
            pipe = self.client().pipeline(transaction=False)
            self._flush_missed(pipe)
            for topic in sorted(topics):
                pipe.incr(KEY_PREFIX + database + ":" + topic)
            pipe.execute()
        except Exception as error:  # noqa: BLE001 - any Redis trouble means "no cache"
            with self._lock:
                self._missed.update((database, topic) for topic in topics)
            self.failed(error)

    def current(self, url: str, topics: Iterable[str]) -> tuple[int, ...] | None:
        """The counters of `topics` on the database at `url`, or None: do not use the cache."""
        if not self.available():
            return None
        database = database_key(url)
        topics = tuple(topics)
        try:
            if self._missed:
                pipe = self.client().pipeline(transaction=False)
                self._flush_missed(pipe)
                pipe.execute()
            values = self.client().mget([KEY_PREFIX + database + ":" + topic for topic in topics])
        except Exception as error:  # noqa: BLE001
            self.failed(error)
            return None
        return tuple(int(value or 0) for value in values)


_generations = Generations()
_tracking_lock = threading.Lock()
_tracking = False


def configure(redis_url: str | None) -> Generations:
    """Point the counters at another Redis (None: REDIS_URL); returns them."""
    global _generations
    _generations = Generations(redis_url)
    return _generations


def generations(url: str, topics: Iterable[str]) -> tuple[int, ...] | None:
    return _generations.current(url, topics)


def bump(url: str, topics: Iterable[str]) -> None:
    _generations.bump(url, topics)


def available() -> bool:
    return _generations.available()


def failed(error: Exception) -> None:
    """Another Redis client of this process failed: leave Redis alone for a while."""
    _generations.failed(error)


# --- which topics a transaction changed ------------------------------------------------
def _note(session: Session, table_name: str | None) -> None:
    if table_name:
        session.info.setdefault(_INFO_KEY, set()).add(topic_of(table_name))


def _after_flush(session: Session, _context) -> None:
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__table__", None)
        _note(session, getattr(table, "name", None))


def _do_orm_execute(state) -> None:
    # Guarded `UPDATE … WHERE` and bulk statements skip the unit of work's flush.
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        _note(state.session, getattr(table, "name", None))


def _after_commit(session: Session) -> None:
    topics = session.info.pop(_INFO_KEY, None)
    if topics:
        try:
            url = session.get_bind().url
        except Exception:  # noqa: BLE001 - an unbound session has nothing cached
            return
        bump(url, topics)


def _after_soft_rollback(session: Session, _previous) -> None:
    # A savepoint's rollback keeps the outer transaction's topics: bumping too much is harmless.
    if not session.in_transaction():
        session.info.pop(_INFO_KEY, None)


def track_writes() -> None:
    """Bump the topics of every committed ORM transaction in this process (idempotent)."""
    global _tracking
    with _tracking_lock:
        if _tracking:
            return
        for name, listener in _listeners():
            event.listen(Session, name, listener)
        _tracking = True


def _listeners() -> tuple:
    return (("after_flush", _after_flush), ("do_orm_execute", _do_orm_execute),
            ("after_commit", _after_commit), ("after_soft_rollback", _after_soft_rollback))


def stop_tracking() -> None:
    """Undo `track_writes` (tests that turned it on for a while)."""
    global _tracking
    with _tracking_lock:
        if not _tracking:
            return
        for name, listener in _listeners():
            event.remove(Session, name, listener)
        _tracking = False
