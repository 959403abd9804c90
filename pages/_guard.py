"""Who is signed in and what they may do, for layouts and callbacks.

Every Dash request is already refused with 401 without a session (see
app.py). Each callback starts with `require(capability)`: 401 when signed
out, 403 when the role lacks the capability in model.permissions.TABLE (the
same table the services read). `require()` without a capability only asks
for a signed-in person: for callbacks that neither write nor reveal anything
role-specific (tests/unit/test_security_callbacks.py holds the list).
Layouts use `current_user_record()` and `can(user, capability)`.

A session is valid while its server-side row exists (model.sessions): the
cookie alone is not enough, so logout and disabling a user end it everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, has_request_context, session
from flask_login import current_user
from sqlalchemy import select

from model import permissions
from model.entities import User, UserSession
from model.security import hash_password, verify_password
from model.sessions import session_user_filter

from pages._db import read_session

MAX_LOGIN_LENGTH = 80
MAX_PASSWORD_LENGTH = 1024
SESSION_TOKEN_KEY = "sid"  # the server-side session's token in the signed cookie
ROLE_NAMES = frozenset(permissions.ROLES)
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
    """flask-login's user loader: the active user by id whose server-side session is open, else None.

    One query per request: the user joined to the session of the cookie's token.
    """
    try:
        key = int(user_id)
    except (TypeError, ValueError):
        return None
    token = session.get(SESSION_TOKEN_KEY)
    if not isinstance(token, str) or not token:
        return None
    with read_session() as s:
        row = s.execute(select(*_COLUMNS).select_from(User).join(UserSession, UserSession.user_id == User.id)
                        .where(*session_user_filter(key, token))).first()
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
    """True when the user holds one of `roles`; admins hold every role.

    For what to show; what a person may do is `can(user, capability)`.
    """
    return user is not None and (user.role == "admin" or user.role in roles)


def can(user: UserRecord | None, capability: str) -> bool:
    """True when the user's role holds `capability` in model.permissions.TABLE."""
    return user is not None and permissions.can(user.role, capability)


def allowed(user: UserRecord | None, *needs: str) -> bool:
    """True when the user holds one of `needs`: capabilities (or, from older callers, role names)."""
    if user is None:
        return False
    if not needs:
        return True
    return any(has_role(user, need) if need in ROLE_NAMES else permissions.can(user.role, need) for need in needs)


def require(*needs: str) -> UserRecord:
    """The signed-in person if they hold one of the capabilities `needs` (anyone signed in when none).

    In a callback this ends the request: 401 when signed out, 403 when the role
    lacks the capability, so a browser that skips the UI still cannot act. An
    unknown capability name raises ValueError: a typo must not open anything.
    """
    user = current_user_record()
    if user is None:
        abort(401)
    if needs and not allowed(user, *needs):
        abort(403)
    return user


def require_order_action(action: str | None = None) -> UserRecord:
    """`require` for the order page: the capability of order action `action` ("cancel", "rma", …);
    without a known action, at least one order action (opening a form or a dry run)."""
    needed = permissions.order_capability(action)
    return require(needed) if needed is not None else require(*permissions.ORDER_CAPABILITIES)
