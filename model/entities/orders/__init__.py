"""Order summaries and everything that happens to them (Salesforce OM names)."""
from .summary import OrderItemSummary, OrderSummary
from .payments import OrderPaymentSummary
from .fulfillment import FulfillmentOrder, FulfillmentOrderLine
from .changes import ChangeOrder, ChangeOrderLine, CreditMemo
from .returns import ReturnOrder, ReturnOrderLine
from .approvals import IdempotencyKey, PendingApproval

__all__ = [
    "ChangeOrder", "ChangeOrderLine", "CreditMemo", "FulfillmentOrder", "FulfillmentOrderLine",
    "IdempotencyKey", "OrderItemSummary", "OrderPaymentSummary", "OrderSummary", "PendingApproval",
    "ReturnOrder", "ReturnOrderLine",
]
