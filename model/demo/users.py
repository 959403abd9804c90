"""The demo users (logins, passwords, roles) and their password hashes."""
from __future__ import annotations

import functools
import hashlib

from .. import demo_data as data
from .common import LOCALES


DEMO_USERS: list[dict] = [
    {"login": "agent", "password": "agent-demo", "role": "agent", "display_name": "Avery Agent",
     "language": "en", "time_zone": "America/New_York"},
    {"login": "lead", "password": "lead-demo", "role": "lead", "display_name": "Logan Lead",
     "language": "en", "time_zone": "America/Chicago"},
    {"login": "manager", "password": "manager-demo", "role": "manager", "display_name": "Morgan Manager",
     "language": "en", "time_zone": "America/New_York"},
    {"login": "admin", "password": "admin-demo", "role": "admin", "display_name": "Ada Admin",
     "language": "en", "time_zone": "UTC"},
    {"login": "tanaka", "password": "tanaka-demo", "role": "agent", "display_name": "田中 花子",
     "language": "ja", "time_zone": "Asia/Tokyo"},
    {"login": "garcia", "password": "garcia-demo", "role": "agent", "display_name": "María García",
     "language": "es", "time_zone": "Europe/Madrid"},
] + [
    {"login": f"agent{n:02d}", "password": "agent-demo", "role": "agent", "display_name": name,
     "language": language, "time_zone": zone}
    for n, (name, language, zone) in enumerate(data.EXTRA_AGENTS, start=1)
]


# --- users ------------------------------------------------------------------------------------
def _user_ids() -> dict:
    """Ids of the demo users by role and language (ids follow DEMO_USERS)."""
    by_language: dict[str, list[int]] = {"en": [], "ja": [], "es": []}
    ids = {}
    for i, user in enumerate(DEMO_USERS, start=1):
        ids[user["login"]] = i
        if user["role"] == "agent":
            by_language[user["language"]].append(i)
    return {"agents": [by_language[l] for l in LOCALES], "lead": ids["lead"], "manager": ids["manager"],
            "admin": ids["admin"], "names": {i: u["display_name"] for i, u in enumerate(DEMO_USERS, start=1)}}


USERS = _user_ids()


@functools.lru_cache(maxsize=4)
def _password_hashes(seed: int) -> dict[str, str]:
    """One hash per distinct password, with a salt derived from the seed so reruns are identical.

    The method (and its cost) is the one model.security.hash_password uses; only the
    salt is chosen here instead of at random, which keeps the demo deterministic.
    Should werkzeug's helper ever move, hash_password itself is used (random salts).
    """
    from ..security import hash_password

    passwords = sorted({u["password"] for u in DEMO_USERS})
    try:
        from werkzeug.security import _hash_internal
    except ImportError:
        return {password: hash_password(password) for password in passwords}
    method = hash_password(passwords[0]).split("$", 1)[0]
    hashes = {}
    for password in passwords:
        salt = hashlib.sha256(f"{seed}:{password}".encode()).hexdigest()[:16]
        digest, actual = _hash_internal(method, salt, password)
        hashes[password] = f"{actual}${salt}${digest}"
    return hashes
