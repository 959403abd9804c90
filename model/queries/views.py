"""Saved queue views: three built-in ones for everybody, plus each person's own.

Saving and deleting a view writes a person's preference, not the case data,
so it lives here beside its reads rather than among the audited actions.
Like an action it never commits and raises ActionError with a sentence.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..actions import ActionError
from ..entities import SavedView
from .queue import QueueFilter, QueueQueryError

MAX_VIEWS_PER_USER = 50
NAME_LENGTH = 80


@dataclass(frozen=True)
class View:
    key: str  # "default:<slug>" or "saved:<id>"
    name: str  # built-in names are English source text: pages translate them
    query: str
    builtin: bool


DEFAULT_VIEWS = (
    View("default:mine", "My open cases", "assignee=me", True),
    View("default:unassigned-urgent", "Unassigned urgent", "priority=urgent&assignee=unassigned", True),
    View("default:breaching", "Breaching SLA", "sla=breached", True),
)


def list_views(s: Session, user_id: int) -> list[View]:
    own = s.execute(select(SavedView.id, SavedView.name, SavedView.query)
                    .where(SavedView.user_id == user_id).order_by(SavedView.name, SavedView.id))
    return [*DEFAULT_VIEWS, *(View(f"saved:{i}", name, query, False) for i, name, query in own)]


def find_view(s: Session, user_id: int, key: str) -> View | None:
    return next((view for view in list_views(s, user_id) if view.key == key), None)


def save_view(s: Session, user_id: int, name: str, query: str) -> View:
    """Save (or overwrite, by name) one of this person's views."""
    name = " ".join(name.split()) if isinstance(name, str) else ""  # never the repr of a list
    if not name or len(name) > NAME_LENGTH:
        raise ActionError(f"Name the view (1 to {NAME_LENGTH} characters).")
    if any(name.casefold() == view.name.casefold() for view in DEFAULT_VIEWS):
        raise ActionError(f"“{name}” is a built-in view; choose another name.")
    query = "" if query is None else query
    if not isinstance(query, str):
        raise ActionError("This filter cannot be saved; reload the queue and try again.")
    try:
        query = QueueFilter.from_query(query).to_query()
    except QueueQueryError as error:
        raise ActionError(str(error)) from None
    view = s.execute(select(SavedView).where(SavedView.user_id == user_id, SavedView.name == name)
                     ).scalar_one_or_none()
    if view is None:
        count = len(s.scalars(select(SavedView.id).where(SavedView.user_id == user_id)).all())
        if count >= MAX_VIEWS_PER_USER:
            raise ActionError(f"You have {MAX_VIEWS_PER_USER} saved views; delete one first.")
        view = SavedView(user_id=user_id, name=name, query=query)
        s.add(view)
    else:
        view.query = query
    s.flush()
    return View(f"saved:{view.id}", view.name, view.query, False)


def delete_view(s: Session, user_id: int, key: str) -> None:
    """Delete one of this person's own views; built-in views stay."""
    if not isinstance(key, str) or not key.startswith("saved:") or not key[6:].isdigit():
        raise ActionError("Built-in views cannot be deleted.")
    gone = s.execute(delete(SavedView).where(SavedView.id == int(key[6:]), SavedView.user_id == user_id)).rowcount
    if gone != 1:
        raise ActionError("That view does not exist any more.")
