"""Configurable flow rules (DESIGN: Order actions, Decisions).

Defaults below; a JSON settings file named by SERVICE_DESK_POLICY (or passed
to `load_policy`) overrides any key.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from pathlib import Path

REASONS = {
    "cancel": ("customer_request", "duplicate_order", "out_of_stock", "fraud_suspected", "other"),
    "discount": ("price_match", "goodwill", "damaged", "late_delivery", "other"),
    "shipping_credit": ("late_delivery", "goodwill", "other"),
    "reship": ("lost_in_transit", "damaged_in_transit", "other"),
    "report_lost": ("lost_in_transit", "damaged_in_transit", "other"),
    "return": ("damaged", "defective", "wrong_item", "wrong_size", "not_as_described",
               "changed_mind", "other"),
}
REASONS["rma"] = REASONS["return"]

CONDITIONS = ("resellable", "damaged", "defective", "missing_parts")


@dataclass(frozen=True)
class Policy:
    return_window_days: int = 30
    # Restocking fee as a fraction of the refund, by the received condition.
    restocking_fee_rate: dict[str, Decimal] = field(default_factory=lambda: {c: Decimal("0") for c in CONDITIONS})
    # Flat return shipping fee per RMA, by currency.
    return_shipping_fee: dict[str, Decimal] = field(default_factory=lambda: {"USD": Decimal("0"), "EUR": Decimal("0"), "JPY": Decimal("0")})
    refund_shipping_on_full_return: bool = True
    reasons: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(REASONS))
    approval_threshold: dict[str, Decimal] = field(default_factory=lambda: {
        "USD": Decimal("500"), "EUR": Decimal("500"), "JPY": Decimal("50000")})
    # Roles whose own refunds never wait for approval.
    approver_roles: tuple[str, ...] = ("manager", "admin")
    # Case SLA: hours from creation to the due time, by priority.
    sla_hours: dict[str, int] = field(default_factory=lambda: {"urgent": 4, "high": 8, "normal": 24, "low": 72})
    # Extra flow steps by action name: dotted paths "module:function" (see model.actions.flow).
    extra_steps: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def threshold(self, currency: str) -> Decimal:
        return self.approval_threshold.get(currency, self.approval_threshold.get("USD", Decimal("500")))

    def reasons_for(self, action: str) -> tuple[str, ...]:
        return tuple(self.reasons.get(action, ()))


def _coerce(name: str, value):
    if name in ("restocking_fee_rate", "return_shipping_fee", "approval_threshold"):
        return {k: Decimal(str(v)) for k, v in value.items()}
    if name == "reasons":
        return {**REASONS, **{k: tuple(v) for k, v in value.items()}}
    if name == "extra_steps":
        return {k: tuple(v) for k, v in value.items()}
    if name == "approver_roles":
        return tuple(value)
    return value


def load_policy(path: str | Path | None = None) -> Policy:
    path = path or os.environ.get("SERVICE_DESK_POLICY")
    policy = Policy()
    if path:
        settings = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f.name for f in fields(Policy)}
        unknown = set(settings) - known
        if unknown:
            raise ValueError(f"Unknown policy settings: {', '.join(sorted(unknown))}")
        policy = replace(policy, **{k: _coerce(k, v) for k, v in settings.items()})
    return policy


_current: Policy | None = None


def current_policy() -> Policy:
    global _current
    if _current is None:
        _current = load_policy()
    return _current


def set_policy(policy: Policy | None) -> None:
    """Replace the active policy (tests, admin reload); None reloads defaults/file."""
    global _current
    _current = policy
