"""The service layer: one module per action; every action raises ActionError and never commits."""
from ._common import ActionError
from .customers import create_customer, create_product
from .fulfillment import allocate, fulfill, report_lost
from .place_order import place_order
from .users import create_user

__all__ = [
    "ActionError", "create_user", "create_customer", "create_product", "place_order",
    "allocate", "fulfill", "report_lost",
]
