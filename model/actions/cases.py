"""Case services: create, take, assign, add a message, set the status, edit the fields, link the
order, and apply one of them to many cases (DESIGN: Decisions → Cases)."""
from __future__ import annotations

from ..entities import utcnow  # noqa: F401  (tests move the clock here)
from .case_fields import BulkResult, bulk_apply, set_case_fields  # noqa: F401
from .case_messages import add_case_message  # noqa: F401
from .case_orders import link_case_order  # noqa: F401
from .case_rules import (  # noqa: F401
    BODY_LENGTH, BULK_ACTIONS, BULK_LIMIT, FINISHED, ORDER_NUMBER, PREVIEW_LENGTH, SUBJECT_LENGTH, TAG_LENGTH, _body,
    _cc, _choice, _closed_error, _customer, _given_order, _named_order, _preview, _tags,
)
from .case_work import _refuse_taking, assign_case, create_case, set_case_status, take_case  # noqa: F401
