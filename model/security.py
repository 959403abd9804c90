"""Password hashing (werkzeug's salted scrypt/pbkdf2); no web framework here."""
from __future__ import annotations

import os

from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    # Tests lower the cost through the environment; production keeps the default.
    iterations = int(os.environ.get("PASSWORD_HASH_ITERATIONS", "200000"))
    return generate_password_hash(password, method=f"pbkdf2:sha256:{iterations}")


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash or not isinstance(password, str):
        return False
    return check_password_hash(password_hash, password)
