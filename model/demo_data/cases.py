"""Demo cases: tags and the customer's first message (model.demo_data)."""
from __future__ import annotations

from .case_openings_goods import CASE_OPENINGS_GOODS
from .case_openings_other import CASE_OPENINGS_OTHER

# --- cases ----------------------------------------------------------------------------
CASE_TAGS = {
    "shipment": ("wismo", "carrier-delay", "lost-parcel", "address-change", "tracking"),
    "return": ("return", "refund", "wrong-size", "exchange", "label-request"),
    "claim": ("damaged", "defective", "quality", "missing-item", "photo-received"),
    "payment": ("payment", "double-charge", "refund-status", "invoice", "card-declined"),
    "cancellation": ("cancel", "duplicate", "changed-mind", "fraud-review"),
    "other": ("question", "feedback", "account", "gift", "product-info"),
}
GENERAL_CASE_TAGS = ("vip", "escalated", "repeat-contact", "social-media", "callback")

# Customer's first message, by type and language: (subject, body). Templates naming
# {order} are used for cases linked to an order, the others for cases without one.
CASE_OPENINGS = {**CASE_OPENINGS_GOODS, **CASE_OPENINGS_OTHER}
