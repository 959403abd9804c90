"""create_user: people who sign in to the dashboard."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import User
from ..security import hash_password
from ._common import ActionError, record, role_values

LANGUAGES = ("en", "ja", "es")
LOGIN_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")


def create_user(s: Session, *, login: str, role: str, password: str, display_name: str | None = None,
                language: str = "en", time_zone: str = "UTC", actor: User | None = None) -> User:
    """Create a user; logins are lowercase letters, digits, dot, dash, underscore."""
    if not isinstance(login, str) or not LOGIN_PATTERN.match(login):
        raise ActionError("A login is 2 to 80 lowercase letters, digits, dots, dashes or underscores.")
    if role not in role_values():
        raise ActionError(f"Choose a role: {', '.join(role_values())}.")
    if not isinstance(password, str) or len(password) < 8:
        raise ActionError("A password needs at least 8 characters.")
    if language not in LANGUAGES:
        raise ActionError(f"Choose a language: {', '.join(LANGUAGES)}.")
    if s.execute(select(User.id).where(User.login == login)).first():
        raise ActionError(f"The login {login} is taken.")
    user = User(login=login, role=role, password_hash=hash_password(password),
                display_name=(display_name or login).strip()[:120], language=language, time_zone=time_zone)
    s.add(user)
    s.flush()
    record(s, actor, "user.create", login=login, role=role, user_id=user.id)
    return user
