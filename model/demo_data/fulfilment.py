"""Demo fulfilment: warehouses, stores, carriers, payment methods and reason weights (model.demo_data)."""
from __future__ import annotations

# --- fulfilment ----------------------------------------------------------------------
WAREHOUSES = {"en": ("Reno DC", "Memphis DC", "Allentown DC"),
              "ja": ("Chiba FC", "Osaka FC"),
              "es": ("Madrid Getafe", "Barcelona El Prat")}
STORES = {"en": ("Store 012 Brooklyn", "Store 027 Chicago Loop", "Store 041 Union Square SF",
                 "Store 055 Seattle Pike", "Store 063 Austin Domain"),
          "ja": ("Store 101 Tokyo Shibuya", "Store 104 Osaka Umeda", "Store 108 Fukuoka Tenjin"),
          "es": ("Store 201 Madrid Gran Vía", "Store 204 Barcelona Diagonal", "Store 207 Valencia Colón")}
CARRIERS = {"en": (("UPS", 45), ("FedEx", 30), ("USPS", 25)),
            "ja": (("Yamato Transport", 55), ("Sagawa Express", 25), ("Japan Post", 20)),
            "es": (("Correos", 50), ("SEUR", 30), ("MRW", 20))}
PAYMENT_METHODS = {"en": (("card", 70), ("paypal", 18), ("apple_pay", 9), ("gift_card", 3)),
                   "ja": (("card", 62), ("konbini", 15), ("paypay", 15), ("cash_on_delivery", 8)),
                   "es": (("card", 68), ("bizum", 14), ("paypal", 15), ("gift_card", 3))}

# Reason weights (codes from model.policy.REASONS).
CANCEL_REASONS = (("customer_request", 52), ("duplicate_order", 12), ("out_of_stock", 17),
                  ("fraud_suspected", 5), ("other", 14))
DISCOUNT_PRE_REASONS = (("price_match", 60), ("goodwill", 25), ("other", 15))
DISCOUNT_POST_REASONS = (("goodwill", 30), ("damaged", 30), ("late_delivery", 30), ("other", 10))
SHIPPING_CREDIT_REASONS = (("late_delivery", 65), ("goodwill", 30), ("other", 5))
LOST_REASONS = (("lost_in_transit", 80), ("damaged_in_transit", 17), ("other", 3))
RETURN_REASONS_BY_CATEGORY = {
    "apparel": (("wrong_size", 45), ("changed_mind", 20), ("not_as_described", 15), ("defective", 6),
                ("damaged", 5), ("wrong_item", 5), ("other", 4)),
    "shoes": (("wrong_size", 50), ("changed_mind", 18), ("not_as_described", 10), ("defective", 9),
              ("damaged", 5), ("wrong_item", 4), ("other", 4)),
    "electronics": (("defective", 38), ("not_as_described", 18), ("changed_mind", 18), ("damaged", 12),
                    ("wrong_item", 8), ("other", 6)),
}
RETURN_REASONS_DEFAULT = (("changed_mind", 30), ("damaged", 18), ("defective", 16), ("not_as_described", 16),
                          ("wrong_item", 12), ("other", 8))
RMA_CONDITIONS = (("resellable", 70), ("damaged", 12), ("defective", 13), ("missing_parts", 5))
