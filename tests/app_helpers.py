"""Build the Dash app on a throwaway SQLite database, for app and browser tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import dash
import pytest
from sqlalchemy import select, update

from model import db as model_db
from model.actions import create_user
from model.entities import Case, User

SECRET_KEY = "test-secret-key"

# Same logins and passwords as model.demo's DEMO_USERS (plus an inactive one).
USERS = [
    {"login": "agent", "password": "agent-demo", "role": "agent", "display_name": "Alex Agent", "language": "en"},
    {"login": "lead", "password": "lead-demo", "role": "lead", "display_name": "Lee Lead", "language": "en"},
    {"login": "manager", "password": "manager-demo", "role": "manager", "display_name": "Morgan Manager",
     "language": "en"},
]
INACTIVE = {"login": "former", "password": "former-demo", "role": "agent", "display_name": "Former Agent",
            "language": "en"}


def reset_dash_pages() -> None:
    """Forget the pages registered by an earlier app (dash.page_registry is global).

    Unlike dash's own tests/conftest.py this leaves `dash._pages.CONFIG` alone:
    it is the latest app's own config object, which that app still needs, and
    the next `Dash(...)` replaces it anyway.
    """
    dash.page_registry.clear()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'app.db'}"


def build_app(database_url: str) -> dash.Dash:
    """A fresh app (own page registry, own callbacks) with the test users."""
    from app import create_app

    reset_dash_pages()
    app = create_app(database_url, secret_key=SECRET_KEY)
    with model_db.transaction(database_url) as s:
        for user in [*USERS, INACTIVE]:
            create_user(s, **user)
        s.execute(update(User).where(User.login == INACTIVE["login"]).values(active=False))
    return app


def add_cases(database_url: str, subjects: list[str], *, status: str = "open",
              assignee_login: str | None = None) -> None:
    """Cases written straight to the table, newest last in `subjects`."""
    start = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
    with model_db.transaction(database_url) as s:
        assignee = s.scalars(select(User).where(User.login == assignee_login)).one() if assignee_login else None
        for index, subject in enumerate(subjects):
            s.add(Case(number=f"CS-{status[:2].upper()}{index:05d}", subject=subject, status=status, priority="high",
                       assignee_id=assignee.id if assignee else None,
                       created_at=start + timedelta(minutes=index)))


def forget_database(database_url: str) -> None:
    """Close the engine of a test database so its file can go."""
    engine = model_db._engines.pop(database_url, None)  # noqa: SLF001 - test cleanup, as tests/conftest.py
    model_db._sessionmakers.pop(database_url, None)  # noqa: SLF001
    if engine is not None:
        engine.dispose()


@pytest.fixture
def app_database_url(tmp_path):
    url = sqlite_url(tmp_path)
    yield url
    forget_database(url)


@pytest.fixture
def app(app_database_url):
    yield build_app(app_database_url)
    reset_dash_pages()
