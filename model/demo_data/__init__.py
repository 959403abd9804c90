"""Word lists and message templates for the demo data generator (model.demo).

Plain data only: no randomness and no database here. Texts are in the three
languages the service desk works in (en, ja, es); placeholders are
`{order}` (an order number), `{product}` (a product name), `{agent}` (the
agent's display name) and `{name}` (the customer's name).
"""
from __future__ import annotations

from .case_replies import (CUSTOMER_FOLLOW_UPS, FIRST_REPLIES, INTERNAL_NOTES, INTERNAL_TOPICS, PENDING_ASKS,
                           RESOLUTION_REPLIES)
from .cases import CASE_OPENINGS, CASE_TAGS, GENERAL_CASE_TAGS
from .catalog import CATALOG
from .fulfilment import (CANCEL_REASONS, CARRIERS, DISCOUNT_POST_REASONS, DISCOUNT_PRE_REASONS, LOST_REASONS,
                         PAYMENT_METHODS, RETURN_REASONS_BY_CATEGORY, RETURN_REASONS_DEFAULT, RMA_CONDITIONS,
                         SHIPPING_CREDIT_REASONS, STORES, WAREHOUSES)
from .people import (CUSTOMER_MEMOS, CUSTOMER_TAGS_RARE, EMAIL_DOMAINS, EXTRA_AGENTS, JA_FIRST_NAMES, JA_LAST_NAMES,
                     US_STATE_TAX, US_TIME_ZONE_WEIGHTS, US_TIME_ZONES)

LANGUAGES = ("en", "ja", "es")
