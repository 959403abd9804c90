"""The service layer: one module per action; every action raises ActionError and never commits."""
from ._common import ActionError
from .cases import (
    add_case_message, assign_case, bulk_apply, create_case, link_case_order, set_case_fields, set_case_status, take_case,
)
from .customers import create_customer, create_product
from .fulfillment import allocate, fulfill, report_lost
from .place_order import place_order
from .users import create_user, set_user_active, set_user_role
from .approval import approve_action, reject_action
from .cancel import cancel_items
from .credit_shipping import credit_shipping
from .discount import discount_items
from .flow import Preview, preview, refundable
from .reship import reship_items
from .returns import return_items
from .rma import close_return_order, create_return_order, receive_return_order

__all__ = [
    "ActionError", "create_user", "set_user_role", "set_user_active", "create_customer", "create_product", "place_order",
    "allocate", "fulfill", "report_lost",
    "create_case", "take_case", "assign_case", "add_case_message", "set_case_status", "set_case_fields",
    "link_case_order", "bulk_apply",
    "cancel_items", "discount_items", "credit_shipping", "reship_items", "return_items",
    "create_return_order", "receive_return_order", "close_return_order", "approve_action", "reject_action",
    "Preview", "preview", "refundable",
]
