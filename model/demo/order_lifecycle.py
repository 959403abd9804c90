"""What happens to an order after placement, stopping at the anchor (part of _OrderWriter)."""
from __future__ import annotations

from .common import (DAY, HOUR, L_ALLOCATED, L_CANCELED, L_FULFILLED, L_INITIATED, L_ORDERED, L_RETURNED, MINUTE,
                     SCALES, _active)
from .order_actions import _OrderActions
from .order_rows import (_CANCEL_REASONS, _CARRIERS, _DISCOUNT_POST, _DISCOUNT_PRE, _RETURN_REASONS, _SHIPPING_CREDIT,
                         _WAREHOUSES, _Order)
from .users import USERS


class _OrderLifecycle(_OrderActions):
    """Decides an order's fate and runs it through the order actions (part of _OrderWriter)."""

    # -- what happens after placement, stopping at the anchor
    def _lifecycle(self, o: _Order, r, fate, injected) -> None:
        anchor = self.world.anchor
        forced_fate = fate is not None and injected is None
        t = o.placed
        lines = o.lines
        fast = injected is not None and fate in ("return", "rma_open", "lost", "claim_discount", "claim_return")
        if fate is None:
            u = r()
            if u < 0.04:
                fate = "cancel"
            elif u < 0.06:
                fate = "cancel_partial" if sum(ln[L_ORDERED] for ln in lines) >= 2 else None
            elif u < 0.075:
                fate = "discount_pre"
            else:
                # After fulfilment: returns ~10 %, discounts 1.5 %, lost parcels 1 %, shipping credits ~1 %
                # of all orders (4 % of those that paid for shipping).
                v = r()
                fate = ("return" if v < 0.055 else "rma" if v < 0.10 else "discount_post" if v < 0.115 else
                        "lost" if v < 0.125 and not o.pickup else "approval" if v < 0.131 else
                        "shipping_credit" if v < 0.171 and o.charged else None)
        # Before allocation: cancellations and price matches.
        if fate == "cancel":
            t_cancel = injected.action_t if injected else t + 5 * MINUTE + int(r() * 20 * HOUR)
            if t_cancel < anchor:
                if injected:
                    reason = "customer_request" if r() < 0.8 else "duplicate_order"
                else:
                    reason = _CANCEL_REASONS.pick(r())
                actor = USERS["lead"] if reason == "fraud_suspected" else self._agent(o, r)
                self._change(o, "cancel", reason, t_cancel, actor, [(ln, ln[L_ORDERED]) for ln in lines])
            return
        if fate == "cancel_partial":
            t_cancel = t + 5 * MINUTE + int(r() * 20 * HOUR)
            if t_cancel >= anchor:
                return
            if len(lines) >= 2 and r() < 0.5:
                picked = [(lines[-1], lines[-1][L_ORDERED])]
            else:
                ln = max(lines, key=lambda x: x[L_ORDERED])
                picked = ([(ln, ln[L_ORDERED] - 1)] if ln[L_ORDERED] > 1 else [(lines[-1], lines[-1][L_ORDERED])])
            self._change(o, "cancel", _CANCEL_REASONS.pick(r()), t_cancel, self._agent(o, r), picked)
            t = t_cancel
        elif fate == "discount_pre":
            t_discount = t + 10 * MINUTE + int(r() * 12 * HOUR)
            if t_discount >= anchor:
                return
            ln = lines[int(r() * len(lines))]
            amount = self._discount_amount(o, ln, 500 + int(1500 * r()))
            self._change(o, "discount", _DISCOUNT_PRE.pick(r()), t_discount, self._agent(o, r), [(ln, amount)])
            t = t_discount
        # Allocation, shipments, deliveries.
        t_alloc = max(t + MINUTE, o.placed + HOUR + int(r() * (7 if fast else 25) * HOUR))
        if t_alloc >= anchor:
            return
        locale = o.currency
        location_type = "store" if o.pickup else "warehouse"
        warehouses = _WAREHOUSES[locale]
        location = o.pickup or warehouses[int(r() * len(warehouses))]
        allocation = {i: ln[L_ORDERED] - ln[L_CANCELED] for i, ln in enumerate(lines) if ln[L_ORDERED] > ln[L_CANCELED]}
        fo = self._new_fo(o, location, location_type, t_alloc, allocation)
        for i, q in allocation.items():
            lines[i][L_ALLOCATED] += q
        o.updated = t_alloc
        t_ship = t_alloc + (HOUR + int(r() * 9 * HOUR) if fast else 2 * HOUR + int(r() * 38 * HOUR))
        if t_ship >= anchor:
            return
        carrier = None if o.pickup else _CARRIERS[locale].pick(r())
        units = sum(allocation.values())
        if fate == "split" or (not o.pickup and not fast and units >= 2 and r() < 0.08):
            keys = list(allocation)
            if len(keys) >= 2:
                first_part = {i: allocation[i] for i in keys[:max(1, len(keys) // 2)]}
            else:
                first_part = {keys[0]: allocation[keys[0]] - 1}
            # fulfill() ships part of an allocated fulfillment order as a new one; the rest waits.
            shipped = self._new_fo(o, location, location_type, t_ship, first_part)
            for fl in fo[12]:
                fl[1] -= first_part.get(fl[0], 0)
            fo[12] = [fl for fl in fo[12] if fl[1] > 0]
            self._ship(o, shipped, t_ship, carrier, first_part)
            t_second = t_ship + DAY + int(r() * 6 * DAY)
            if t_second >= anchor:
                return
            self._ship(o, fo, t_second, carrier, {fl[0]: fl[1] for fl in fo[12]})
            shipments = [shipped, fo]
        else:
            self._ship(o, fo, t_ship, carrier, allocation)
            shipments = [fo]
        t_done = 0
        for shipment in shipments:
            if o.pickup:
                transit = 2 * HOUR + int(r() * 3 * DAY)
            elif locale == 1:
                transit = 12 * HOUR + int(r() * 36 * HOUR)
            else:
                transit = DAY + int(r() * 4 * DAY)
            delivered = shipment[10] + transit
            if delivered < anchor and r() > 0.02:
                shipment[4] = "delivered"
            t_done = max(t_done, delivered)
        # After fulfilment.
        if fate is None:
            if t_done < anchor - 14 * DAY or r() >= 0.01:
                return
            fate = "approval"               # recent large returns wait for a manager now and then
        if fate == "lost":
            self._lost(o, r, shipments[-1], injected)
            return
        first_ship = min(s[10] for s in shipments)
        if fate in ("return", "rma", "rma_open", "claim_return"):
            if injected:
                t_return = injected.action_t
                ln = lines[0]
                quantity = 1 if fate == "claim_return" else ln[L_FULFILLED] - ln[L_RETURNED] - ln[L_INITIATED]
                picked = [(ln, quantity)] if quantity > 0 else []
                reason = "defective" if fate == "claim_return" else _RETURN_REASONS[self._category(ln)].pick(r())
            else:
                t_return = t_done + DAY + int(r() * (2 if forced_fate else 19) * DAY)
                picked = self._pick_return(o, r)
                reason = _RETURN_REASONS[self._category(picked[0][0])].pick(r()) if picked else "other"
            if not picked or t_return >= anchor or t_return > first_ship + 29 * DAY:
                return
            if fate in ("return", "claim_return"):
                self._return(o, t_return, reason, picked, r)
            else:
                self._rma(o, t_return, reason, picked, r, keep_open=(fate == "rma_open"))
        elif fate in ("discount_post", "claim_discount"):
            t_discount = injected.action_t if injected else t_done + int(r() * 15 * DAY)
            if t_discount >= anchor:
                return
            ln = lines[0] if injected else lines[int(r() * len(lines))]
            if _active(ln) <= 0:
                return
            amount = self._discount_amount(o, ln, 2000 + int(2000 * r()) if injected else 1000 + int(2000 * r()))
            reason = "damaged" if injected else _DISCOUNT_POST.pick(r())
            self._change(o, "discount", reason, t_discount, self._agent(o, r), [(ln, amount)])
        elif fate == "shipping_credit" and o.ship_captured > o.ship_refunded:
            t_credit = t_done + int(r() * 10 * DAY)
            if t_credit >= anchor:
                return
            available = o.ship_captured - o.ship_refunded
            step = SCALES[o.currency]
            amount = available if r() < 0.6 else max(1, available // 2 // step * step)
            self._change(o, "shipping_credit", _SHIPPING_CREDIT.pick(r()), t_credit, self._agent(o, r), [],
                         shipping_credit=amount)
        elif fate == "approval":
            self._pending_approval(o, t_done + int(r() * 8 * DAY), first_ship, r)
