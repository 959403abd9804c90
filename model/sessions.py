"""Server-side sign-in state: open sessions and the failed-sign-in throttle.

The browser's signed cookie carries a random session token; the database keeps
only its SHA-256 (`UserSession`). A request is signed in only while that row
exists, has not expired and its user is active, so logging out, disabling a
user or "sign out everywhere" end a session at once, even for someone who
copied the cookie.

Failed sign-ins are rows of `LoginFailure`, counted per login and per client
address over a sliding window: shared by every worker and every host, with no
other service to run. Nothing here knows about Flask.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .entities import LoginFailure, User, UserSession, utcnow

TOKEN_BYTES = 32
MAX_LOGIN = 80
MAX_ADDRESS = 64


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- sessions -----------------------------------------------------------------------
def open_session(s: Session, user_id: int, *, lifetime: timedelta, address: str = "",
                 now: datetime | None = None) -> str:
    """A new session for `user_id`; returns the token for the cookie (never stored as is).

    The user's expired sessions go at the same time, so the table stays small.
    """
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    s.execute(delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at <= now))
    s.add(UserSession(token_hash=token_hash(token), user_id=user_id, created_at=now, expires_at=now + lifetime,
                      address=(address or "")[:MAX_ADDRESS]))
    s.flush()
    return token


def session_user_filter(user_id: int, token: str, now: datetime | None = None):
    """WHERE clauses for "this user, active, with this open session" (join users to user_sessions)."""
    return (User.id == user_id, User.active.is_(True), UserSession.user_id == User.id,
            UserSession.token_hash == token_hash(token), UserSession.expires_at > (now or utcnow()))


def close_session(s: Session, token: str | None) -> int:
    """End the session of `token` (logout); returns how many rows went (0 or 1)."""
    if not isinstance(token, str) or not token:
        return 0
    return s.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token))).rowcount or 0


def close_user_sessions(s: Session, user_id: int) -> int:
    """End every session of a user (disabled, role taken away, "sign out everywhere")."""
    return s.execute(delete(UserSession).where(UserSession.user_id == user_id)).rowcount or 0


def open_sessions(s: Session, user_id: int, now: datetime | None = None) -> int:
    return s.execute(select(func.count()).select_from(UserSession).where(
        UserSession.user_id == user_id, UserSession.expires_at > (now or utcnow()))).scalar_one()


# --- failed sign-ins ---------------------------------------------------------------
@dataclass(frozen=True)
class Throttle:
    """At most `per_login` failures for one login and `per_address` from one address per `window`."""

    per_login: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def normalize_login(login) -> str:
    return (login if isinstance(login, str) else "").strip().lower()[:MAX_LOGIN]


def _retry_after(s: Session, column, value: str, limit: int, since: datetime, now: datetime,
                 window: timedelta) -> timedelta | None:
    """How long until fewer than `limit` failures of `value` remain in the window; None if already fewer."""
    recent = (select(LoginFailure.at).where(column == value, LoginFailure.at > since)
              .order_by(LoginFailure.at.desc()).limit(limit))
    times = s.execute(recent).scalars().all()
    if len(times) < limit:
        return None
    # The oldest of the latest `limit` failures must leave the window first.
    return max(times[-1] + window - now, timedelta(seconds=1))


def login_blocked(s: Session, login: str, address: str, *, throttle: Throttle,
                  now: datetime | None = None) -> timedelta | None:
    """None when a sign-in may be tried; else how long to wait."""
    now = now or utcnow()
    since = now - throttle.window
    waits = [_retry_after(s, LoginFailure.login, normalize_login(login), throttle.per_login, since, now,
                          throttle.window),
             _retry_after(s, LoginFailure.address, (address or "")[:MAX_ADDRESS], throttle.per_address, since,
                          now, throttle.window)]
    waits = [wait for wait in waits if wait is not None]
    return max(waits) if waits else None


def record_login_failure(s: Session, login: str, address: str, *, throttle: Throttle,
                         now: datetime | None = None) -> None:
    """Count one failed sign-in; failures older than the window are forgotten on the way."""
    now = now or utcnow()
    s.execute(delete(LoginFailure).where(LoginFailure.at <= now - throttle.window))
    s.add(LoginFailure(login=normalize_login(login), address=(address or "")[:MAX_ADDRESS], at=now))
    s.flush()


def clear_login_failures(s: Session, login: str) -> None:
    """A right password forgets the login's failures (not the address's: a guesser keeps its count)."""
    s.execute(delete(LoginFailure).where(LoginFailure.login == normalize_login(login)))
