"""Loading chunk files into a PostgreSQL target."""
from __future__ import annotations

import sqlite3

from .chunks import TABLES


class _PostgresLoader:
    """COPY from each chunk file; audit event ids are numbered here, in copy order.

    User triggers (the queue's search documents) are disabled during the load,
    then enabled; the search documents are built set-wise, SEARCH_CHUNK cases per
    call of case_search_refresh (the function the triggers call), rather than by
    touching each case: row by row, that took over 20 minutes at 200,000 cases.
    """

    SEARCH_CHUNK = 20_000

    def __init__(self, engine):
        self.fairy = engine.raw_connection()
        self.connection = self.fairy.driver_connection
        self.next_audit = 1
        with self.connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")   # this session's commits only; a failed load is redone
            for name, _, _ in TABLES:
                cursor.execute(f'ALTER TABLE "{name}" DISABLE TRIGGER USER')
        self.connection.commit()
        self.disabled = True

    def restore(self) -> None:
        if not self.disabled:
            return
        self.connection.rollback()
        with self.connection.cursor() as cursor:
            for name, _, _ in TABLES:
                cursor.execute(f'ALTER TABLE "{name}" ENABLE TRIGGER USER')
            cursor.execute("SELECT min(id), max(id) FROM cases")
            low, high = cursor.fetchone()
            for start in range(low or 1, (high or 0) + 1, self.SEARCH_CHUNK):
                cursor.execute("SELECT case_search_refresh(ARRAY(SELECT id FROM cases WHERE id BETWEEN %s AND %s))",
                               (start, start + self.SEARCH_CHUNK - 1))
        self.connection.commit()
        self.disabled = False

    def load(self, path: str, counts: list[int]) -> None:
        source = sqlite3.connect(path)
        try:
            with self.connection.cursor() as cursor:
                for (name, columns, key), count in zip(TABLES, counts):
                    if not count:
                        continue
                    names = ", ".join(f'"{col}"' for col in columns)
                    rows = source.execute(f'SELECT {names} FROM "{name}"')
                    target = ("id, " if key == "seq" else "") + names
                    with cursor.copy(f'COPY "{name}" ({target}) FROM STDIN') as copy:
                        if key == "seq":
                            for n, row in enumerate(rows, start=self.next_audit):
                                copy.write_row((n,) + row)
                            self.next_audit += count
                        else:
                            for row in rows:
                                copy.write_row(row)
            self.connection.commit()
        finally:
            source.close()

    def finish(self) -> None:
        self.restore()
        with self.connection.cursor() as cursor:
            for name, _, key in TABLES:
                if key in ("id", "seq"):
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                   f"COALESCE((SELECT MAX(id) FROM \"{name}\"), 1), "
                                   f"(SELECT MAX(id) IS NOT NULL FROM \"{name}\"))")
        self.connection.commit()
        self.connection.autocommit = True
        with self.connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.connection.autocommit = False
        self.fairy.close()
