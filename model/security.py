"""Password hashing (werkzeug's salted scrypt/pbkdf2); no web framework here."""
from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="pbkdf2:sha256:200000")


def verify_password(password_hash: str, password: str) -> bool:
    if not password_hash or not isinstance(password, str):
        return False
    return check_password_hash(password_hash, password)
