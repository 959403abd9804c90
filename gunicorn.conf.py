"""gunicorn settings for `./scripts/serve` (gunicorn -c gunicorn.conf.py wsgi:server).

Sized for this machine (2 cores): a few processes so both cores run Python at
once (one GIL each), a few threads per process so a request waiting on the
database does not hold a core. Each thread holds at most one database
connection at a time, so the pool of a worker is its thread count (plus a
little overflow). Every value can be set from the environment:

    WEB_CONCURRENCY   worker processes                        (default 3)
    WEB_THREADS       threads per worker                       (default 4)
    HOST, PORT / BIND where to listen                          (127.0.0.1:8000)
    WEB_TIMEOUT       seconds before a silent worker is killed (30)
    SQLITE_BUSY_TIMEOUT  seconds a SQLite writer waits for the lock (5)
    ACCESS_LOG        "-" for an access log on stdout          (off)
"""
from __future__ import annotations

import gc
import os
import time

workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
bind = os.environ.get("BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
# Idle keep-alive connections wait in the worker's poller, not in a thread: keep them longer than
# people pause between clicks and than a load balancer's idle timeout (60 s is common), so a
# request never lands on a connection the server is just closing (a reset the browser sees).
keepalive = 65
backlog = 256
# Build the app once in the master, then fork: workers share its memory and start in a blink.
preload_app = True
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
proc_name = "servicedesk"
# gunicorn's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl): two
# servers on one machine (tests, a second instance) would fight over it. Signals do the same job.
control_socket_disable = True

# model/db.py reads these when the app builds its engine (before the fork, in the master).
os.environ.setdefault("DB_POOL_SIZE", str(threads))
os.environ.setdefault("DB_MAX_OVERFLOW", str(threads))
# SQLite: wait at most this long for another worker's write lock, then answer "busy, try again".
os.environ.setdefault("SQLITE_BUSY_TIMEOUT", "5")


def when_ready(server):
    # Everything built so far lives as long as the process: keep the garbage collector
    # off it (shorter full collections, PITFALLS "Speed") and its pages shared after fork.
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    # Connections opened in the master (schema upgrade, first request) must not be
    # shared with the children: each worker opens its own.
    from model import db as model_db

    for engine in list(model_db._engines.values()):  # noqa: SLF001 - the process's engines
        engine.dispose(close=False)


# --- what each worker saw, logged when it exits (tests/load/run.py reads these lines) ------------
# Collections are timed in CPU time of the collecting thread: on a busy machine wall time would
# also count the waits for a core.
_gc_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
_gc_started = [0.0]


def _time_collections(phase, info):
    if phase == "start":
        _gc_started[0] = time.thread_time()
    else:
        _gc_pauses[info["generation"]].append((time.thread_time() - _gc_started[0]) * 1000)


def post_worker_init(worker):
    gc.callbacks.append(_time_collections)


def worker_exit(server, worker):
    from pages._cache import stats

    if _time_collections in gc.callbacks:
        gc.callbacks.remove(_time_collections)
    full, young = _gc_pauses[2], _gc_pauses[0] + _gc_pauses[1]
    server.log.info("worker %s stats: cache hits %d misses %d bypassed %d; gc full collections %d, "
                    "longest %.1f ms, total %.0f ms; young collections %d, longest %.1f ms",
                    worker.pid, stats.hits, stats.misses, stats.bypassed, len(full), max(full, default=0),
                    sum(full), len(young), max(young, default=0))
