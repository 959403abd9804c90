"""Who is signed in and what they may do, for layouts and callbacks.

Every Dash request is already refused with 401 without a session (see
app.py); pages call `require(...)` in each callback that reads or writes
something role-specific, and `current_user_record()` in layouts.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, has_request_context
from flask_login import current_user
from sqlalchemy import select

from model.entities import User
from model.security import hash_password, verify_password

from pages._db import read_session

MAX_LOGIN_LENGTH = 80
MAX_PASSWORD_LENGTH = 1024
_dummy_hash: str | None = None


@dataclass(frozen=True)
class UserRecord:
    """The signed-in person as the pages see them (no password hash, no session)."""

    id: int
    login: str
    display_name: str
    role: str
    language: str
    time_zone: str

    # flask-login's user protocol: only active users are ever loaded.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)


_COLUMNS = (User.id, User.login, User.display_name, User.role, User.language, User.time_zone)


def load_user(user_id: str) -> UserRecord | None:
    """flask-login's user loader: an active user by id, else None (signed out)."""
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    with read_session() as s:
        row = s.execute(select(*_COLUMNS).where(User.id == key, User.active.is_(True))).first()
    return UserRecord(*row) if row else None


def authenticate(login: str, password: str) -> UserRecord | None:
    """The active user with this login and password, else None.

    Unknown logins still pay for one hash check, so the answer time does not
    tell which logins exist.
    """
    global _dummy_hash
    login = (login or "").strip().lower()  # logins are stored lowercase
    if not login or len(login) > MAX_LOGIN_LENGTH or not password or len(password) > MAX_PASSWORD_LENGTH:
        return None
    with read_session() as s:
        row = s.execute(select(*_COLUMNS, User.password_hash, User.active)
                        .where(User.login == login)).first()
    if row is None:
        if _dummy_hash is None:
            _dummy_hash = hash_password("timing-equalizer")
        verify_password(_dummy_hash, password)
        return None
    *fields, password_hash, active = row
    if not verify_password(password_hash, password) or not active:
        return None
    return UserRecord(*fields)


def current_user_record() -> UserRecord | None:
    """The signed-in person, or None outside a request or when signed out."""
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user._get_current_object()  # noqa: SLF001 - unwrap the werkzeug proxy


def has_role(user: UserRecord | None, *roles: str) -> bool:
    """True when the user holds one of `roles`; admins hold every role."""
    return user is not None and (user.role == "admin" or user.role in roles)


def require(*roles: str) -> UserRecord:
    """The signed-in person if they hold one of `roles` (any role when none given).

    In a callback this ends the request: 401 when signed out, 403 when the role
    does not fit, so a browser that skips the UI still cannot act.
    """
    user = current_user_record()
    if user is None:
        abort(401)
    if roles and not has_role(user, *roles):
        abort(403)
    return user
