"""What every action shares: errors, locks, audit, idempotency, rollups, numbers."""
from __future__ import annotations

from ...entities import utcnow  # noqa: F401  (tests move the clock here)
from .audit import (  # noqa: F401
    NO_RESULT, RESULT_TYPES, _INSERT_AUDIT, _NoResult, _audit_values, _dialect_insert, _json_default,
    arguments_digest, claim_key, record, record_now, remember_result, to_json,
)
from .base import (  # noqa: F401
    NUMBER_PREFIX, ActionError, assign_number, check_reason, format_number, is_approver, require_actor,
    role_values, temporary_number,
)
from .lines import count_phrase, normalize_lines, quantity_refusal  # noqa: F401
from .locking import (  # noqa: F401
    _lock_order_statement, check_case, lock_case, lock_order, start_order_action,
)
from .rollups import (  # noqa: F401
    _ANALYTICS_STATEMENTS, _ROLLUP_UPSERTS, _additive_upsert, _rollup_upsert, add_product_rollup,
    add_refund_rollup, add_rollup, bulk_insert, today,
)
