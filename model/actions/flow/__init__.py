"""The money-action flow shared by cancel, discount, return, RMA close and shipping credit.

validate → apply → settle shipping → fees and policy steps → refundable →
approval → change order → credit memo → refund → rollups → audit.

Each step is a plain function of the `Flow`. The whole flow runs inside a
savepoint: a dry run (preview) or an action that must wait for approval runs
the very same steps and then rolls the savepoint back, so nothing is written.
"""
from __future__ import annotations

from ...entities import utcnow  # noqa: F401  (tests move the clock here)
from .._common import today  # noqa: F401
from .runner import _request_approval, preview, run_money_action  # noqa: F401
from .state import (  # noqa: F401
    _PENDING_SUM, Flow, LineChange, Preview, _Stop, make_preview, pending_refunds, refundable,
)
from .steps import (  # noqa: F401
    _CHANGE_LINES, _CHANGE_ORDERS, _CREDIT_MEMOS, _INSERT_CHANGE_LINES, _INSERT_CHANGE_ORDER, _INSERT_CREDIT_MEMO,
    _NUMBER_CREDIT_MEMO, ACTION_STEPS, STEPS, _attach, apply_changes, bound_fees, check_approval, check_refundable,
    policy_steps, refund_payment, settle_shipping, stop_if_dry_run, write_audit, write_change_order,
    write_credit_memo, write_rollups,
)
