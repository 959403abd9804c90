"""Case services: edit the fields, and apply one action to many cases."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import Case, CasePriority, CaseStatus, CaseTag, CaseType, User, utcnow
from ..permissions import can
from ._common import ActionError, lock_case, record, require_actor
from .case_rules import BULK_ACTIONS, BULK_LIMIT, _cc, _choice, _closed_error, _tags
from .case_work import assign_case, set_case_status


def set_case_fields(s: Session, case_id: int, *, actor: User, priority: str | None = None,
                    type: str | None = None, tags=None, add_tags=(), cc=None,  # noqa: A002
                    clear_cc: bool = False) -> Case:
    """Change priority, type, the tag set (or add tags) and CCs; one audit event per change."""
    require_actor(actor, "take")
    priority = _choice(priority, CasePriority, "priority") if priority is not None else None
    case_type = _choice(type, CaseType, "case type") if type is not None else None
    new_tags = _tags(tags) if tags is not None else None
    extra_tags = _tags(add_tags) if add_tags else []
    cc_list = _cc(cc) if cc is not None else None
    case = lock_case(s, case_id)
    if case.status == CaseStatus.CLOSED:
        raise _closed_error(case)
    changed = False
    if priority is not None and priority != case.priority:
        record(s, actor, "case.priority", case=case, before_priority=case.priority, priority=priority)
        case.priority, changed = priority, True
    if case_type is not None and case_type != case.type:
        record(s, actor, "case.type", case=case, before_type=case.type, type=case_type)
        case.type, changed = case_type, True
    current = set(s.scalars(select(CaseTag.tag).where(CaseTag.case_id == case.id)))
    wanted = set(new_tags) if new_tags is not None else set(current)
    wanted |= set(extra_tags)
    if wanted != current:
        for tag in sorted(current - wanted):
            s.delete(s.get(CaseTag, (case.id, tag)))
        for tag in sorted(wanted - current):
            s.add(CaseTag(case_id=case.id, tag=tag))
        record(s, actor, "case.tags", case=case, before_tags=sorted(current), tags=sorted(wanted))
        changed = True
    if (cc is not None or clear_cc) and (cc_list if not clear_cc else None) != case.cc:
        after = None if clear_cc else cc_list
        record(s, actor, "case.cc", case=case, before_cc=case.cc, cc=after)
        case.cc, changed = after, True
    if changed:
        case.updated_at = utcnow()
        s.flush()
    return case


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)  # case numbers
    refused: list[str] = field(default_factory=list)  # sentences


def bulk_apply(transaction, *, actor_id: int, case_ids: list[int], action: str, value=None) -> BulkResult:
    """Apply one action to each case in its own transaction, so one refusal stops nothing else.

    `transaction` is a context manager factory yielding a session that commits
    (pages._db.transaction, or a sessionmaker's begin). Leads, managers and
    admins only; the acting user is loaded in each transaction.
    """
    if action not in BULK_ACTIONS:
        raise ActionError(f"Choose a bulk action: {', '.join(BULK_ACTIONS)}.")
    ids = sorted({i for i in case_ids or () if isinstance(i, int) and not isinstance(i, bool)})
    if not ids:
        raise ActionError("Select at least one case.")
    if len(ids) > BULK_LIMIT:
        raise ActionError(f"Select at most {BULK_LIMIT} cases at once.")
    result = BulkResult()
    for case_id in ids:
        try:
            with transaction() as s:
                actor = s.get(User, actor_id)
                if actor is None or not actor.active or not can(actor.role, "bulk"):
                    raise ActionError("Only a lead, a manager or an admin can change cases in bulk.")
                if action == "assign":
                    case = assign_case(s, case_id, value, actor=actor)
                elif action == "priority":
                    case = set_case_fields(s, case_id, actor=actor, priority=value)
                elif action == "tag":
                    if not str(value or "").strip():
                        raise ActionError("Type the tag to add.")
                    case = set_case_fields(s, case_id, actor=actor, add_tags=[value])
                else:
                    case = set_case_status(s, case_id, CaseStatus.CLOSED.value, actor=actor)
                number = case.number
        except ActionError as error:
            result.refused.append(str(error))
            if "Only a lead" in str(error):
                break
            continue
        result.done.append(number)
    return result
