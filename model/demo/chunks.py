"""Chunk files: the target tables and their columns, and the sink that writes a chunk's rows."""
from __future__ import annotations

import itertools
import sqlite3
from operator import itemgetter


# --- chunk files ----------------------------------------------------------------------------
# (table, columns, key): key "id" = the table's own primary key; "seq" = audit events, whose ids
# the target assigns in copy order; None = no single id column.
TABLES: list[tuple[str, tuple[str, ...], str | None]] = [
    ("users", ("id", "login", "display_name", "role", "password_hash", "language", "time_zone", "active",
               "created_at"), "id"),
    ("products", ("id", "sku", "name", "category", "price"), "id"),
    ("customers", ("id", "name", "language", "time_zone", "currency", "birthday", "memo", "created_at"), "id"),
    ("customer_emails", ("id", "customer_id", "email", "is_primary", "newsletter"), "id"),
    ("customer_phones", ("id", "customer_id", "number", "kind"), "id"),
    ("customer_addresses", ("id", "customer_id", "kind", "line1", "line2", "city", "region", "postal_code",
                            "country", "is_default"), "id"),
    ("customer_tags", ("customer_id", "tag"), None),
    ("order_summaries", ("id", "number", "customer_id", "channel", "currency", "status", "placed_at",
                         "ship_to_name", "ship_to_address", "pickup_store", "subtotal", "discounts", "tax",
                         "shipping", "grand_total", "original_subtotal", "original_tax", "original_shipping",
                         "original_grand_total", "shipping_charged", "shipping_captured", "shipping_released",
                         "shipping_refunded", "fees", "updated_at"), "id"),
    ("order_item_summaries", ("id", "order_id", "product_id", "sku", "name", "category", "unit_price", "tax_rate",
                              "ordered", "canceled", "allocated", "fulfilled", "return_initiated", "returned",
                              "discount", "tax", "captured", "refunded"), "id"),
    ("order_payment_summaries", ("id", "order_id", "method", "authorized", "captured", "refunded"), "id"),
    ("fulfillment_orders", ("id", "order_id", "location", "location_type", "status", "carrier", "tracking_number",
                            "is_reship", "reship_of_id", "lost_reason", "created_at", "fulfilled_at"), "id"),
    ("fulfillment_order_lines", ("id", "fulfillment_order_id", "line_id", "quantity", "reshipped"), "id"),
    ("change_orders", ("id", "order_id", "kind", "reason", "note", "actor_id", "amount", "released", "refunded",
                       "created_at"), "id"),
    ("change_order_lines", ("id", "change_order_id", "line_id", "quantity", "subtotal_change", "discount_change",
                            "tax_change", "shipping_change", "amount", "refunded"), "id"),
    ("credit_memos", ("id", "number", "order_id", "change_order_id", "amount", "fees", "refund_reference",
                      "created_at"), "id"),
    ("return_orders", ("id", "number", "order_id", "status", "reason", "note", "actor_id", "condition",
                       "change_order_id", "created_at", "received_at", "closed_at"), "id"),
    ("return_order_lines", ("id", "return_order_id", "line_id", "expected", "received"), "id"),
    ("pending_approvals", ("id", "order_id", "action", "arguments", "amount", "currency", "status",
                           "requested_by_id", "decided_by_id", "decision_reason", "result_type", "result_id",
                           "created_at", "decided_at"), "id"),
    ("cases", ("id", "number", "subject", "channel", "status", "type", "priority", "customer_id", "order_id",
               "assignee_id", "cc", "language", "created_at", "updated_at", "first_response_at", "due_at",
               "resolved_at", "last_message_at", "last_message_preview", "customer_name", "assignee_name",
               "order_number", "tag_list"), "id"),
    ("case_messages", ("id", "case_id", "kind", "body", "author_id", "created_at"), "id"),
    ("case_tags", ("case_id", "tag"), None),
    ("audit_events", ("at", "actor_id", "action", "order_id", "case_id", "customer_id", "before_amount",
                      "after_amount", "detail"), "seq"),
    ("order_rollups", ("id", "day", "kind", "reason", "category", "channel", "currency", "events", "units",
                       "amount", "refunded"), "id"),
    ("product_rollups", ("currency", "grain", "day", "channel", "reason", "category", "product_id", "fulfilled_units",
                         "returned_units"), None),
    ("refund_rollups", ("currency", "level", "day", "actor_id", "kind", "reason", "channel", "refunds", "refunded"),
     None),
    ("refund_size_rollups", ("currency", "day", "refunded_minor", "refunds"), None),
    ("exchange_rates", ("id", "currency", "target", "effective_on", "rate"), "id"),
]
TABLE_INDEX = {name: i for i, (name, _, _) in enumerate(TABLES)}
NULLABLE = {
    "customers": ("birthday", "memo"), "customer_addresses": ("line2", "region", "postal_code"),
    "order_summaries": ("ship_to_address", "pickup_store"),
    "fulfillment_orders": ("carrier", "tracking_number", "reship_of_id", "lost_reason", "fulfilled_at"),
    "change_orders": ("note", "actor_id"), "credit_memos": (), "return_orders": ("note", "condition",
                                                                                "change_order_id", "received_at",
                                                                                "closed_at"),
    "pending_approvals": ("decided_by_id", "decision_reason", "result_type", "result_id", "decided_at"),
    "cases": ("customer_id", "order_id", "assignee_id", "cc", "first_response_at", "resolved_at", "customer_name",
              "assignee_name", "order_number", "tag_list"),
    "case_messages": ("author_id",),
    "audit_events": ("actor_id", "order_id", "case_id", "customer_id", "before_amount", "after_amount", "detail"),
}


class _Sink:
    """Rows of one chunk, grouped by table and by which nullable columns are NULL.

    Binding None through sqlite3 is slow (the adaptation protocol runs for it);
    a row's NULL columns are left out of its INSERT instead. Tables without
    nullable columns take plain appends to `sink.table(name)`.
    """

    def __init__(self):
        self.rows: dict[tuple[str, int], list] = {}

    def table(self, name: str) -> list:
        """The row list of a table whose rows have no NULLs."""
        return self.rows.setdefault((name, 0), [])

    def rows_for(self, name: str, mask: int) -> list:
        """The row list of rows that leave out the `mask` columns (NULL or their chunk default)."""
        return self.rows.setdefault((name, mask), [])

    def add(self, table: str, row: tuple, mask: int = 0) -> None:
        """`mask`: columns the caller knows hold their chunk default (0), left out like NULLs."""
        for position in _NULL_POSITIONS[table]:
            if row[position] is None:
                mask |= 1 << position
        bucket = self.rows.get((table, mask))
        if bucket is None:
            bucket = self.rows[(table, mask)] = []
        bucket.append(row)

    @property
    def counts(self) -> list[int]:
        counts = [0] * len(TABLES)
        for (name, _), rows in self.rows.items():
            counts[TABLE_INDEX[name]] += len(rows)
        return counts

    def write(self, path: str) -> None:
        """An SQLite file with one table per target table (no constraints), ordered by id."""
        connection = sqlite3.connect(":memory:", isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("BEGIN")
            for name, columns, key in TABLES:
                connection.execute(f'CREATE TABLE "{name}" ({_CHUNK_COLUMNS[name]})')
            for (name, mask), rows in sorted(self.rows.items(), key=lambda kv: (TABLE_INDEX[kv[0][0]], kv[0][1])):
                if not rows:
                    continue
                columns = TABLES[TABLE_INDEX[name]][1]
                keep = [i for i in range(len(columns)) if not mask >> i & 1]
                if mask:
                    getter = itemgetter(*keep)
                    rows = list(map(getter, rows)) if len(keep) > 1 else [(getter(r),) for r in rows]
                _insert_many(connection, name, [columns[i] for i in keep], rows)
            connection.execute("COMMIT")
            with open(path, "wb") as file:
                file.write(connection.serialize())
        finally:
            connection.close()


# Columns that are usually 0: rows where they are 0 leave them out (binding costs more than a default).
ZERO_DEFAULTS = {
    "order_summaries": ("discounts", "shipping_released", "shipping_refunded", "fees"),
    "order_item_summaries": ("canceled", "allocated", "return_initiated", "returned", "discount", "refunded"),
    "order_payment_summaries": ("refunded",),
    "fulfillment_orders": ("is_reship",),
    "fulfillment_order_lines": ("reshipped",),
}


def _insert_many(connection, name: str, columns: list[str], rows: list) -> None:
    """executemany, but many rows per INSERT: binding runs a third faster than one row per statement."""
    head = f'INSERT INTO "{name}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in columns)}) VALUES '
    one = f"({', '.join('?' * len(columns))})"
    per = max(1, min(200, 30_000 // len(columns)))
    whole = len(rows) // per * per
    if whole:
        flat = itertools.chain.from_iterable
        connection.executemany(head + ", ".join([one] * per),
                               (tuple(flat(rows[k:k + per])) for k in range(0, whole, per)))
    if whole < len(rows):
        connection.executemany(head + one, rows[whole:])


def _chunk_columns(name, columns, key) -> str:
    zero = ZERO_DEFAULTS.get(name, ())
    ddl = [f'"{c}" DEFAULT 0' if c in zero else f'"{c}"' for c in columns]
    if key == "id":
        ddl[0] = "id INTEGER PRIMARY KEY"
    elif key == "seq":
        ddl.insert(0, "seq INTEGER PRIMARY KEY")
    return ", ".join(ddl)


def _mask(name: str, *columns: str) -> int:
    table_columns = TABLES[TABLE_INDEX[name]][1]
    return sum(1 << table_columns.index(c) for c in columns)


_CHUNK_COLUMNS = {name: _chunk_columns(name, columns, key) for name, columns, key in TABLES}
_ZERO_MASKS = {name: _mask(name, *columns) for name, columns in ZERO_DEFAULTS.items()}
_NULL_POSITIONS = {name: tuple(columns.index(c) for c in NULLABLE.get(name, ())) for name, columns, _ in TABLES}
