"""Test helpers: a digest of every table, to prove a refusal changed nothing."""
import hashlib

from sqlalchemy import select

from model.entities import Base


def digest(Session) -> str:  # noqa: N803
    h = hashlib.sha256()
    with Session() as s:
        for table in Base.metadata.sorted_tables:
            pk = list(table.primary_key.columns)
            for row in s.execute(select(table).order_by(*pk)):
                h.update(repr(tuple(row)).encode())
    return h.hexdigest()
