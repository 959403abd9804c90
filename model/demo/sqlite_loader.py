"""Loading chunk files into an SQLite target."""
from __future__ import annotations

from .chunks import TABLE_INDEX, TABLES


# --- loading chunks into the target --------------------------------------------------------------
class _SqliteLoader:
    """INSERT … SELECT from each attached chunk file, one transaction per chunk.

    Triggers (the queue's full-text index) are set aside during the load and put
    back verbatim afterwards. The cases' own triggers are fired once per case, by
    touching the cases of each chunk after its messages are in, instead of once
    per message.
    """

    def __init__(self, engine):
        self.fairy = engine.raw_connection()
        self.connection = self.fairy.driver_connection
        c = self.connection
        c.execute("PRAGMA foreign_keys=OFF")
        c.execute("PRAGMA synchronous=OFF")
        c.execute("PRAGMA cache_size=-400000")
        c.execute("PRAGMA temp_store=MEMORY")
        self.triggers = c.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                                  "ORDER BY name").fetchall()
        c.execute("BEGIN IMMEDIATE")
        for name, _, _ in self.triggers:
            c.execute(f'DROP TRIGGER "{name}"')
        c.execute("COMMIT")

    def load(self, path: str, counts: list[int]) -> None:
        c = self.connection
        c.execute("ATTACH DATABASE ? AS chunk", (path,))
        try:
            c.execute("BEGIN IMMEDIATE")
            for (name, columns, _), count in zip(TABLES, counts):
                if count:
                    names = ", ".join(f'"{col}"' for col in columns)
                    c.execute(f'INSERT INTO main."{name}" ({names}) SELECT {names} FROM chunk."{name}"')
            case_triggers = [(name, sql) for name, table, sql in self.triggers if table == "cases"]
            if counts[TABLE_INDEX["cases"]] and case_triggers:
                for _, sql in case_triggers:
                    c.execute(sql)
                c.execute("UPDATE main.cases SET number = number WHERE id BETWEEN "
                          "(SELECT min(id) FROM chunk.cases) AND (SELECT max(id) FROM chunk.cases)")
                for name, _ in case_triggers:
                    c.execute(f'DROP TRIGGER main."{name}"')
            c.execute("COMMIT")
        finally:
            if c.in_transaction:
                c.execute("ROLLBACK")
            c.execute("DETACH DATABASE chunk")

    def restore(self) -> None:
        """Put the triggers back and let them index what was loaded (also after a failure)."""
        c = self.connection
        if not self.triggers:
            return
        if c.in_transaction:
            c.execute("ROLLBACK")
        c.execute("BEGIN IMMEDIATE")
        for _, _, sql in self.triggers:
            c.execute(sql)
        c.execute("COMMIT")
        self.triggers = []

    def finish(self) -> None:
        self.restore()
        c = self.connection
        c.execute("PRAGMA analysis_limit=1000")
        c.execute("ANALYZE")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA foreign_keys=ON")
        c.execute("PRAGMA cache_size=-2000")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.fairy.close()
