"""Typed SQLAlchemy models, split by aggregate."""
from .audit import AuditEvent
from .base import (
    ApprovalStatus, Base, CaseChannel, CasePriority, CaseStatus, CaseType, Channel, ChangeKind,
    FulfillmentStatus, MessageKind, OrderStatus, ReturnOrderStatus, Role, utcnow,
)
from .cases import Case, CaseMessage, CaseTag
from .customers import Customer, CustomerAddress, CustomerEmail, CustomerPhone, CustomerTag, Product
from .orders import (
    ChangeOrder, ChangeOrderLine, CreditMemo, FulfillmentOrder, FulfillmentOrderLine,
    IdempotencyKey, OrderItemSummary, OrderPaymentSummary, OrderSummary, PendingApproval,
    ReturnOrder, ReturnOrderLine,
)
from .rollups import (
    CaseDurationBucket, CaseOpenCount, CaseRollup, CaseTiming, ExchangeRate, OrderRollup, OrderRollupTotal,
    ProductRollup, RefundRollup, RefundSizeRollup,
)
from .security import LoginFailure, UserSession
from .users import User
from .views import SavedView

__all__ = [name for name in dir() if not name.startswith("_")]
