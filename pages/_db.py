"""Sessions on the database of the app serving the current request.

Several apps with different databases can live in one process (tests do
this), so pages never rely on a process-wide default: `create_app` stores the
URL in the Flask config and these wrappers pass it on to `model.db`.
"""
from __future__ import annotations

from contextlib import contextmanager

from flask import current_app

from model import db as model_db


def database_url() -> str:
    return current_app.config["DATABASE_URL"]


@contextmanager
def read_session():
    """A read-only session (no SQLite write lock); see `model.db.read_session`."""
    with model_db.read_session(database_url()) as session:
        yield session


@contextmanager
def transaction():
    """A writing unit of work that commits on success; see `model.db.transaction`."""
    with model_db.transaction(database_url()) as session:
        yield session
