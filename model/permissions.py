"""Who may do what: the one role × capability table.

Callbacks ask through `pages._guard.require(capability)`, services through
`model.actions._common.require_actor(actor, capability)`; both read `TABLE`,
so changing a cell here changes what the dashboard and the model allow.

A cell is `NO` (not granted), `YES` (granted, no limit) or, for the order
actions that can move money, `UP_TO_THRESHOLD`: granted, but a refund above
the policy's approval threshold of the order's currency waits for someone
holding `approve` (DESIGN: "Approval").

Plain data on purpose: no web framework, no database.
"""
from __future__ import annotations

from decimal import Decimal
from enum import Enum, StrEnum
from types import MappingProxyType


class Capability(StrEnum):
    VIEW_QUEUE = "view_queue"            # read cases, customers and orders
    TAKE = "take"                        # work a case: take, reply, note, status, fields, new case
    ASSIGN = "assign"                    # give a case to someone else
    BULK = "bulk"                        # change many cases at once
    EDIT_CUSTOMER = "edit_customer"      # change a customer's profile
    ORDER_CANCEL = "order.cancel"
    ORDER_DISCOUNT = "order.discount"
    ORDER_CREDIT_SHIPPING = "order.credit_shipping"
    ORDER_RETURN = "order.return"        # return with immediate refund
    ORDER_RMA = "order.rma"              # return order: create, receive, close
    ORDER_RESHIP = "order.reship"
    APPROVE = "approve"                  # decide on refunds waiting for approval
    ANALYTICS = "analytics"              # analytics page, exports, lead KPIs
    ADMIN = "admin"                      # users, roles, audit log


class Grant(Enum):
    NO = "no"
    YES = "yes"
    UP_TO_THRESHOLD = "up to the approval threshold"


NO, YES, UP_TO_THRESHOLD = Grant.NO, Grant.YES, Grant.UP_TO_THRESHOLD

ROLES = ("agent", "lead", "manager", "admin")

# The order action names the Actions panel and the services use, and their capability.
ORDER_ACTIONS = MappingProxyType({
    "cancel": Capability.ORDER_CANCEL,
    "discount": Capability.ORDER_DISCOUNT,
    "credit_shipping": Capability.ORDER_CREDIT_SHIPPING,
    "return": Capability.ORDER_RETURN,
    "rma": Capability.ORDER_RMA,
    "receive_return": Capability.ORDER_RMA,
    "close_return": Capability.ORDER_RMA,
    "reship": Capability.ORDER_RESHIP,
})
ORDER_CAPABILITIES = tuple(dict.fromkeys(ORDER_ACTIONS.values()))
# The services of model.actions that change an order, by the name they file idempotency keys
# and approvals under.
SERVICES = MappingProxyType({
    "cancel_items": Capability.ORDER_CANCEL,
    "discount_items": Capability.ORDER_DISCOUNT,
    "credit_shipping": Capability.ORDER_CREDIT_SHIPPING,
    "return_items": Capability.ORDER_RETURN,
    "create_return_order": Capability.ORDER_RMA,
    "receive_return_order": Capability.ORDER_RMA,
    "close_return_order": Capability.ORDER_RMA,
    "reship_items": Capability.ORDER_RESHIP,
})

_ORDER_UP_TO_THRESHOLD = {capability: UP_TO_THRESHOLD for capability in ORDER_CAPABILITIES}
_ORDER_UNLIMITED = {capability: YES for capability in ORDER_CAPABILITIES}

# role → capability → grant. A capability missing from a role's row is NO.
TABLE: dict[str, dict[Capability, Grant]] = {
    "agent": {Capability.VIEW_QUEUE: YES, Capability.TAKE: YES, Capability.EDIT_CUSTOMER: YES,
              **_ORDER_UP_TO_THRESHOLD},
    "lead": {Capability.VIEW_QUEUE: YES, Capability.TAKE: YES, Capability.ASSIGN: YES, Capability.BULK: YES,
             Capability.EDIT_CUSTOMER: YES, Capability.ANALYTICS: YES, **_ORDER_UP_TO_THRESHOLD},
    "manager": {Capability.VIEW_QUEUE: YES, Capability.TAKE: YES, Capability.ASSIGN: YES, Capability.BULK: YES,
                Capability.EDIT_CUSTOMER: YES, Capability.ANALYTICS: YES, Capability.APPROVE: YES,
                **_ORDER_UNLIMITED},
    "admin": {capability: YES for capability in Capability},
}


def capability(name: str | Capability) -> Capability:
    """The Capability called `name`; ValueError for a name that is none (a typo must not pass)."""
    try:
        return Capability(name)
    except ValueError:
        raise ValueError(f"Unknown capability {name!r}; see model.permissions.Capability.") from None


def grant(role: str | None, name: str | Capability) -> Grant:
    """The cell for `role` and capability `name` (unknown roles hold nothing)."""
    return TABLE.get(role or "", {}).get(capability(name), NO)


def can(role: str | None, name: str | Capability) -> bool:
    """True when `role` holds capability `name`, with or without a limit."""
    return grant(role, name) is not NO


def can_any(role: str | None, names) -> bool:
    return any(can(role, name) for name in names)


def refund_limit(role: str | None, name: str | Capability, threshold: Decimal) -> Decimal | None:
    """The most `role` may refund with `name` without approval: None for no limit.

    `threshold` is the policy's approval threshold for the order's currency.
    Raises PermissionError when the role does not hold the capability at all.
    """
    cell = grant(role, name)
    if cell is NO:
        raise PermissionError(f"{role} may not {capability(name).value}")
    return threshold if cell is UP_TO_THRESHOLD else None


def order_capability(action: str | None) -> Capability | None:
    """The capability of an order action name ("cancel", "rma", …), None for an unknown one."""
    return ORDER_ACTIONS.get(action) if isinstance(action, str) else None


def service_capability(service: str) -> Capability:
    """The capability an order service needs; ValueError for a service missing from SERVICES."""
    try:
        return SERVICES[service]
    except KeyError:
        raise ValueError(f"No capability is set for the service {service!r} in model.permissions.") from None


def roles_with(name: str | Capability) -> tuple[str, ...]:
    """The roles that hold capability `name`, in TABLE order (for labels and navbar metadata)."""
    return tuple(role for role in TABLE if can(role, name))


def describe() -> list[tuple[str, str, str]]:
    """(role, capability, grant) rows: what the admin page shows and the docs quote."""
    return [(role, cap.value, grant(role, cap).value) for role in TABLE for cap in Capability]
