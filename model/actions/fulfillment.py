"""allocate, fulfill (captures what ships) and report_lost."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..entities import (
    FulfillmentOrder, FulfillmentOrderLine, FulfillmentStatus, User, utcnow,
)
from ._common import (
    ActionError, add_product_rollup, add_rollup, check_reason, lock_order, normalize_lines, record,
    require_actor,
)

DEFAULT_WAREHOUSE = "Main warehouse"


def _new_fulfillment_order(order, status: str, *, location: str | None = None) -> FulfillmentOrder:
    store = order.pickup_store
    return FulfillmentOrder(location=location or store or DEFAULT_WAREHOUSE,
                            location_type="store" if (store and not location) else "warehouse",
                            status=status, is_reship=False, created_at=utcnow())


def allocate(s: Session, order_id: int, lines=None, *, actor: User, location: str | None = None):
    """Reserve units at a location; allocated units can no longer be canceled or discounted."""
    require_actor(actor)
    order = lock_order(s, order_id)
    chosen = normalize_lines(order, lines, available=lambda ln: ln.available_to_cancel, what="allocated")
    return _allocate(s, order, chosen, actor=actor, location=location)


def _allocate(s, order, chosen: dict[int, int], *, actor, location=None) -> FulfillmentOrder:
    fulfillment = _new_fulfillment_order(order, FulfillmentStatus.ALLOCATED, location=location)
    for line_id, qty in chosen.items():
        line = order.line(line_id)
        if qty > line.available_to_cancel:
            raise ActionError(f"Only {line.available_to_cancel} of {line.sku} can be allocated.")
        line.allocated += qty
        fulfillment.lines.append(FulfillmentOrderLine(line_id=line_id, quantity=qty, reshipped=0))
    order.fulfillment_orders.append(fulfillment)
    order.recompute_totals()
    s.flush()
    record(s, actor, "order.allocate", order=order, fulfillment_order_id=fulfillment.id,
           lines={str(k): v for k, v in chosen.items()})
    return fulfillment


def _take_from_allocated(s, order, wanted: dict[int, int], *, carrier, tracking, now) -> list[FulfillmentOrder]:
    """Ship `wanted` units out of allocated (non-reship) fulfillment orders, splitting them."""
    shipped: list[FulfillmentOrder] = []
    for fulfillment in [f for f in order.fulfillment_orders
                        if f.status == FulfillmentStatus.ALLOCATED and not f.is_reship]:
        take = {fl.id: min(fl.quantity, wanted.get(fl.line_id, 0)) for fl in fulfillment.lines}
        if not any(take.values()):
            continue
        if all(take[fl.id] == fl.quantity for fl in fulfillment.lines):
            target = fulfillment  # the whole fulfillment order ships
        else:
            target = FulfillmentOrder(location=fulfillment.location, location_type=fulfillment.location_type,
                                      status=FulfillmentStatus.ALLOCATED, is_reship=False, created_at=now)
            for fl in list(fulfillment.lines):
                if take[fl.id]:
                    target.lines.append(FulfillmentOrderLine(line_id=fl.line_id, quantity=take[fl.id], reshipped=0))
                    fl.quantity -= take[fl.id]
                    if fl.quantity == 0:
                        fulfillment.lines.remove(fl)
                        s.delete(fl)
            order.fulfillment_orders.append(target)
        for fl in fulfillment.lines if target is fulfillment else target.lines:
            wanted[fl.line_id] -= fl.quantity
        target.status = FulfillmentStatus.FULFILLED
        target.carrier, target.tracking_number, target.fulfilled_at = carrier, tracking, now
        shipped.append(target)
    return shipped


def fulfill(s: Session, order_id: int, lines=None, *, actor: User, carrier: str | None = "UPS",
            tracking_number: str | None = None, fulfillment_order_id: int | None = None,
            location: str | None = None) -> list[FulfillmentOrder]:
    """Ship units: allocates first what is not allocated, captures what ships.

    lines=None ships every open unit and every pending reship; the first
    shipment also captures the shipping charge. Reships capture nothing.
    """
    require_actor(actor)
    order = lock_order(s, order_id)
    now = utcnow()
    shipped: list[FulfillmentOrder] = []
    if lines is None or fulfillment_order_id is not None:
        for reship in [f for f in order.fulfillment_orders if f.is_reship and f.status == FulfillmentStatus.ALLOCATED
                       and fulfillment_order_id in (None, f.id)]:
            reship.status, reship.carrier, reship.fulfilled_at = FulfillmentStatus.FULFILLED, carrier, now
            reship.tracking_number = tracking_number or f"R{order.id:07d}{reship.id or 0:05d}"
            shipped.append(reship)
    if fulfillment_order_id is None:
        open_units = lambda ln: ln.open_quantity  # noqa: E731
        if lines is None and not any(open_units(ln) for ln in order.lines):
            if not shipped:
                raise ActionError(f"Nothing on order {order.number} is waiting to ship.")
            chosen = {}
        else:
            chosen = normalize_lines(order, lines, available=open_units, what="shipped")
        for line_id, qty in chosen.items():
            line = order.line(line_id)
            if qty > line.open_quantity:
                raise ActionError(f"Only {line.open_quantity} of {line.sku} are waiting to ship.")
        extra = {lid: qty - order.line(lid).allocated for lid, qty in chosen.items()
                 if qty > order.line(lid).allocated}
        if extra:
            _allocate(s, order, extra, actor=actor, location=location)
        tracking = tracking_number or f"T{order.id:08d}{len(order.fulfillment_orders):03d}"
        wanted = dict(chosen)
        shipped += _take_from_allocated(s, order, wanted, carrier=carrier, tracking=tracking, now=now)
        capture = _capture(s, order, chosen, now.date())
    elif not shipped:
        raise ActionError(f"Fulfillment order {fulfillment_order_id} is not a reship waiting to go out.")
    else:
        capture = Decimal(0)
    order.recompute_totals()
    s.flush()
    record(s, actor, "order.fulfill", order=order, before=order.payment.captured - capture,
           after=order.payment.captured, fulfillment_orders=[f.id for f in shipped])
    return shipped


def _capture(s, order, chosen: dict[int, int], day) -> Decimal:
    """Move units from allocated to fulfilled and capture the difference to each line's target."""
    first_shipment = not any(ln.fulfilled for ln in order.lines)
    total = Decimal(0)
    for line_id, qty in chosen.items():
        line = order.line(line_id)
        line.allocated -= qty
        line.fulfilled += qty
        amount = line.captured_target() - (line.captured - line.refunded)
        line.captured += amount
        total += amount
        add_rollup(s, day=day, kind="fulfilled", channel=order.channel, currency=order.currency,
                   category=line.category, units=qty, amount=amount,
                   events=1 if line_id == next(iter(chosen)) else 0)
        add_product_rollup(s, day=day, product_id=line.product_id, category=line.category, channel=order.channel,
                           currency=order.currency, fulfilled_units=qty)
    if first_shipment and order.shipping_outstanding > 0:
        shipping = order.shipping_outstanding
        order.shipping_captured += shipping
        total += shipping
        add_rollup(s, day=day, kind="fulfilled", channel=order.channel, currency=order.currency, amount=shipping)
    order.payment.captured += total
    if order.payment.captured > order.payment.authorized:
        raise ActionError("The payment authorization does not cover this shipment.")
    return total


def report_lost(s: Session, fulfillment_order_id: int, *, actor: User, reason: str) -> FulfillmentOrder:
    """Mark a shipped fulfillment order lost so its units can be reshipped."""
    require_actor(actor)
    check_reason("report_lost", reason)
    if not isinstance(fulfillment_order_id, int):
        raise ActionError("Choose a shipment.")
    order_id = s.execute(select(FulfillmentOrder.order_id).where(
        FulfillmentOrder.id == fulfillment_order_id)).scalar_one_or_none()
    if order_id is None:
        raise ActionError(f"Shipment {fulfillment_order_id} does not exist.")
    order = lock_order(s, order_id)
    fulfillment = next(f for f in order.fulfillment_orders if f.id == fulfillment_order_id)
    if fulfillment.status == FulfillmentStatus.LOST:
        raise ActionError("This shipment is already reported lost.")
    if fulfillment.status not in (FulfillmentStatus.FULFILLED, FulfillmentStatus.DELIVERED):
        raise ActionError("Only a shipment that has left the warehouse can be reported lost.")
    fulfillment.status = FulfillmentStatus.LOST
    fulfillment.lost_reason = reason
    record(s, actor, "order.report_lost", order=order, fulfillment_order_id=fulfillment.id, reason=reason)
    return fulfillment
