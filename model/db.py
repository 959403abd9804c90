"""Engine and sessions from DATABASE_URL; Alembic owns the schema.

    python -m model.db upgrade [--database-url URL]
"""
from __future__ import annotations

import argparse
import os
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / "data" / "servicedesk.db"
# How long a SQLite writer waits for another's write lock before "database is locked";
# the web server sets it shorter (gunicorn.conf.py) so a person gets "busy, try again", not a hang.
SQLITE_BUSY_TIMEOUT = float(os.environ.get("SQLITE_BUSY_TIMEOUT", "30"))

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker] = {}
_default_url: str | None = None


def database_url(url: str | None = None) -> str:
    url = url or os.environ.get("DATABASE_URL")
    if not url:
        DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # SQLAlchemy 2.1 changed the default driver of plain postgresql://.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection, _record):
    # Autocommit at the driver so SQLAlchemy's "begin" event decides how to BEGIN.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT * 1000)}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn):
    # SQLite has no SELECT … FOR UPDATE: a writing transaction takes the write
    # lock up front (BEGIN IMMEDIATE) so two actions never read the same stale row.
    if conn.get_execution_options().get("readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | None = None, **kwargs) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT, "check_same_thread": False},
                               **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        kwargs.setdefault("pool_size", int(os.environ.get("DB_POOL_SIZE", "10")))
        kwargs.setdefault("max_overflow", int(os.environ.get("DB_MAX_OVERFLOW", "20")))
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


def get_engine(url: str | None = None) -> Engine:
    url = database_url(url)
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def upgrade(url: str | None = None, engine: Engine | None = None) -> None:
    """alembic upgrade heads on the given database (every branch: parallel
    work may add migrations off the same parent until a merge revision joins them)."""
    from alembic import command
    from alembic.config import Config

    engine = engine or get_engine(url)
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")


def connect(url: str | None = None, *, migrate: bool = True) -> sessionmaker:
    """Session factory for the database at `url` (or DATABASE_URL, or SQLite file).

    Upgrades the schema to head the first time a URL is connected.
    """
    global _default_url
    url = database_url(url)
    with _lock:
        factory = _sessionmakers.get(url)
    if factory is None:
        engine = get_engine(url)
        if migrate:
            upgrade(engine=engine)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        with _lock:
            _sessionmakers[url] = factory
    if _default_url is None or url == database_url(None):
        _default_url = url
    return factory


def session_factory() -> sessionmaker:
    """The application's session factory (DATABASE_URL or the SQLite default)."""
    return connect(_default_url)


@contextmanager
def transaction(url: str | None = None):
    """A writing unit of work: commits on success, rolls back on any error."""
    factory = connect(url) if url else session_factory()
    with factory.begin() as session:
        yield session


@contextmanager
def read_session(url: str | None = None):
    """A read-only session that does not take SQLite's write lock."""
    factory = connect(url) if url else session_factory()
    session: Session = factory()
    session.connection(execution_options={"readonly": True})
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def ping(url: str | None = None) -> bool:
    try:
        with get_engine(url).connect() as conn:
            conn.execution_options(readonly=True)
            conn.execute(text("SELECT 1"))
        return True
    except Exception:  # noqa: BLE001 - health check reports, never raises
        return False


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _sessionmakers.clear()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model.db")
    parser.add_argument("command", choices=["upgrade"])
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    upgrade(args.database_url)
    print(f"schema at head on {get_engine(args.database_url).url.render_as_string(hide_password=True)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
