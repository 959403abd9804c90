"""reship_items: send again, at no charge, units whose shipment was reported lost."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..entities import FulfillmentOrder, FulfillmentOrderLine, FulfillmentStatus, User, utcnow
from ._common import (
    ActionError, normalize_lines, quantity_refusal, record, remember_result, start_order_action,
)
from .cancel import _lines_argument


def lost_units(order, line) -> int:
    """Units of `line` on lost shipments not yet sent again (and not returned)."""
    lost = sum(fl.quantity - fl.reshipped for fo in order.fulfillment_orders if fo.status == FulfillmentStatus.LOST
               for fl in fo.lines if fl.line_id == line.id)
    return max(0, min(lost, line.fulfilled - line.returned - line.return_initiated))


def reship_items(s: Session, order_id: int, lines, *, actor: User, reason: str, note: str | None = None,
                 idempotency_key: str | None = None, case_id: int | None = None) -> FulfillmentOrder:
    """A new fulfillment order at no cost; totals and payments stay as they are."""
    order, done = start_order_action(
        s, action="reship_items", order_id=order_id, actor=actor, reason=reason, reason_list="reship",
        arguments={"lines": _lines_argument(lines), "note": note}, idempotency_key=idempotency_key,
        fulfillment=True, case_id=case_id)
    if done is not None:
        return done
    if not any(fo.status == FulfillmentStatus.LOST for fo in order.fulfillment_orders):
        raise ActionError(f"No shipment of order {order.number} was reported lost; report it lost first.")
    chosen = normalize_lines(order, lines, available=lambda ln: lost_units(order, ln), what="reshipped")
    lost_shipments = [fo for fo in order.fulfillment_orders if fo.status == FulfillmentStatus.LOST]
    reship = FulfillmentOrder(location=lost_shipments[0].location, location_type=lost_shipments[0].location_type,
                              status=FulfillmentStatus.ALLOCATED, is_reship=True, reship_of_id=lost_shipments[0].id,
                              created_at=utcnow())
    for line_id, qty in chosen.items():
        line = order.line(line_id)
        if qty > lost_units(order, line):
            raise ActionError(quantity_refusal("reshipped", line.sku, lost_units(order, line), line.fulfilled, qty,
                                               ["only units of a lost shipment not yet sent again can be"]))
        remaining = qty
        for fo in lost_shipments:
            for fl in fo.lines:
                if fl.line_id == line_id and remaining:
                    take = min(remaining, fl.quantity - fl.reshipped)
                    fl.reshipped += take
                    remaining -= take
        reship.lines.append(FulfillmentOrderLine(line_id=line_id, quantity=qty, reshipped=0))
    order.fulfillment_orders.append(reship)  # loaded with the lock: no extra read
    s.flush()
    record(s, actor, "order.reship", order=order, case_id=case_id, fulfillment_order_id=reship.id, reason=reason, note=note,
           lines={str(k): v for k, v in chosen.items()})
    remember_result(s, idempotency_key, reship)
    return reship
