"""People who sign in to the dashboard: create, change role, disable and enable.

`actor` is the admin doing it, or None for the system (the command line,
`python -m model.users`, run by whoever operates the server). Every change
writes an audit event with the state before and after; disabling a user (or
changing their role) also ends their open sessions, so their next request is
refused.
"""
from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..entities import User
from ..security import hash_password
from ..sessions import close_user_sessions
from ._common import ActionError, record, require_actor, role_values

LANGUAGES = ("en", "ja", "es")
MAX_ID = 2 ** 31 - 1  # users.id is a 32-bit integer: a larger number is no user (PostgreSQL would raise)
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024


def _check_admin(actor: User | None) -> None:
    if actor is not None:
        require_actor(actor, "admin")


def create_user(s: Session, *, login: str, role: str, password: str, display_name: str | None = None,
                language: str = "en", time_zone: str = "UTC", actor: User | None = None) -> User:
    """Create a user; logins are lowercase letters, digits, dot, dash, underscore."""
    _check_admin(actor)
    if not isinstance(login, str) or not LOGIN_PATTERN.match(login):
        raise ActionError("A login is 2 to 80 lowercase letters, digits, dots, dashes or underscores.")
    if role not in role_values():
        raise ActionError(f"Choose a role: {', '.join(role_values())}.")
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ActionError("A password needs at least 8 characters.")
    if len(password) > MAX_PASSWORD:
        raise ActionError("A password has at most 1,024 characters.")
    if language not in LANGUAGES:
        raise ActionError(f"Choose a language: {', '.join(LANGUAGES)}.")
    if display_name is not None and (not isinstance(display_name, str) or not display_name.strip()
                                     or len(display_name.strip()) > 120):
        raise ActionError("A display name is 1 to 120 characters.")
    if s.execute(select(User.id).where(User.login == login)).first():
        raise ActionError(f"The login {login} is taken.")
    user = User(login=login, role=role, password_hash=hash_password(password),
                display_name=(display_name or login).strip()[:120], language=language, time_zone=time_zone)
    s.add(user)
    s.flush()
    record(s, actor, "user.create", login=login, role=role, user_id=user.id)
    return user


def user_by_id(s: Session, user_id) -> User | None:
    """The user with this id, None for anything that is not one (wrong type, out of range, gone)."""
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id <= MAX_ID:
        return None
    return s.get(User, user_id)


def _lock_user(s: Session, user_id) -> User:
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ActionError("Choose a user.")
    if not 0 < user_id <= MAX_ID:
        raise ActionError(f"User {user_id} does not exist.")
    user = s.execute(select(User).where(User.id == user_id).with_for_update()
                     .execution_options(populate_existing=True)).scalar_one_or_none()
    if user is None:
        raise ActionError(f"User {user_id} does not exist.")
    return user


def _other_active_admins(s: Session, user: User) -> int:
    return s.execute(select(func.count()).select_from(User).where(
        User.role == "admin", User.active.is_(True), User.id != user.id)).scalar_one()


def set_user_role(s: Session, user_id: int, role: str, *, actor: User | None) -> User:
    """Give a user another role; the last active admin keeps theirs (someone must manage users)."""
    _check_admin(actor)
    if role not in role_values():
        raise ActionError(f"Choose a role: {', '.join(role_values())}.")
    user = _lock_user(s, user_id)
    if user.role == role:
        return user
    if user.role == "admin" and user.active and _other_active_admins(s, user) == 0:
        raise ActionError(f"{user.login} is the last active admin; make someone else admin first.")
    before = user.role
    user.role = role
    closed = close_user_sessions(s, user.id)
    record(s, actor, "user.role", user_id=user.id, login=user.login, role_before=before, role_after=role,
           sessions_closed=closed)
    return user


def set_user_active(s: Session, user_id: int, active: bool, *, actor: User | None) -> User:
    """Disable (sign-in refused, open sessions ended at once) or enable a user again."""
    _check_admin(actor)
    if not isinstance(active, bool):
        raise ActionError("Say whether the user is enabled or disabled.")
    user = _lock_user(s, user_id)
    if user.active == active:
        return user
    if not active:
        if actor is not None and actor.id == user.id:
            raise ActionError("You cannot disable your own account.")
        if user.role == "admin" and _other_active_admins(s, user) == 0:
            raise ActionError(f"{user.login} is the last active admin; make someone else admin first.")
    user.active = active
    closed = close_user_sessions(s, user.id) if not active else 0
    record(s, actor, "user.enable" if active else "user.disable", user_id=user.id, login=user.login,
           state_before="enabled" if not active else "disabled", state_after="enabled" if active else "disabled",
           sessions_closed=closed)
    return user


def find_user(s: Session, login: str) -> User:
    """The user with this login (any case), else ActionError."""
    if not isinstance(login, str) or not login.strip():
        raise ActionError("Give a login.")
    wanted = login.strip().lower()
    user = s.execute(select(User).where(User.login == wanted)).scalar_one_or_none()
    if user is None:
        raise ActionError(f"No user has the login {wanted}.")
    return user
