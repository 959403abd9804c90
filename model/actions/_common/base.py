"""Errors, human numbers, the acting user and reason codes: what every action checks first."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ...entities import Role, User
from ...permissions import can, capability as _capability
from ...policy import current_policy


class ActionError(Exception):
    """Bad input or a refused action; the message is a sentence for a person."""


# --- numbers ------------------------------------------------------------------
NUMBER_PREFIX = {"order": "SO-", "case": "CS-", "credit_memo": "CM-", "return_order": "RMA-"}


def format_number(kind: str, ident: int) -> str:
    """Human numbers derived from the primary key: unique without a sequence table."""
    return f"{NUMBER_PREFIX[kind]}{ident:08d}"


def temporary_number() -> str:
    import uuid
    return "tmp-" + uuid.uuid4().hex[:24]


def assign_number(s: Session, obj, kind: str) -> None:
    obj.number = temporary_number()
    s.add(obj)
    s.flush()
    obj.number = format_number(kind, obj.id)


# --- actors -------------------------------------------------------------------
def require_actor(actor: User | None, *capabilities: str) -> User:
    """The actor, if signed in, active and holding one of `capabilities` (model.permissions)."""
    if actor is None:
        raise ActionError("Sign in to do this.")
    if not getattr(actor, "active", True):
        raise ActionError("This user account is disabled.")
    if capabilities and not any(can(actor.role, _capability(name)) for name in capabilities):
        raise ActionError(f"Your role ({actor.role}) may not do this.")
    return actor


def is_approver(actor: User) -> bool:
    return can(actor.role, "approve")


def check_reason(action: str, reason: str | None) -> str:
    allowed = current_policy().reasons_for(action)
    if reason not in allowed:
        raise ActionError(f"Choose a reason for this action: {', '.join(allowed)}.")
    return reason


def role_values() -> tuple[str, ...]:
    return tuple(r.value for r in Role)
