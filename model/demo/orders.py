"""Order rows: every order simulated from placement to the anchor, in placement order."""
from __future__ import annotations

from array import array

from .. import demo_data as data
from .common import (CURRENCIES, DAY, HOUR, L_ALLOCATED, L_CANCELED, L_CAPTURED, L_DISCOUNT, L_FULFILLED, L_ID,
                     L_INITIATED, L_ORDERED, L_PRICE, L_PRODUCT, L_RATE, L_REFUNDED, L_RETURNED, L_TAX, LOCALES,
                     MINUTE, SCALES, _active, _hash, _rng)
from .order_actions import _OrderActions
from .order_rows import (_CANCEL_REASONS, _CARRIERS, _CHANNELS, _DISCOUNT_POST, _DISCOUNT_PRE, _FREE_SHIPPING,
                         _LINE_COUNT, _MARKETPLACE_SHIPPING, _METHODS, _ORDER_TABLES, _QUANTITY, _RETURN_REASONS,
                         _SHIPPING, _SHIPPING_CREDIT, _WAREHOUSES, _Order)
from .plan_cases import _CasePlan, _forced_fates
from .plan_orders import _product_fits
from .users import USERS
from .world import _Customer, _nice_price, _World


class _OrderWriter(_OrderActions):
    """Simulates orders in placement order; `simulate` numbers rows per chunk, `_finalize_orders` globally."""

    def __init__(self, world: _World, order_ts: array, order_cust: array, plans: list[_CasePlan]):
        self.world, self.order_ts, self.order_cust = world, order_ts, order_cust
        self.injections = {c.order: c for c in plans if c.injection}
        self.forced = _forced_fates(world, order_ts, {c.order for c in plans if c.primary})
        self.rollups: dict[tuple, list] = {}
        self.profiles: dict[int, _Customer] = {}
        self.addresses: dict[int, str] = {}
        self.raw: dict[str, list] = {}
        self.next: dict[str, int] = {}
        self.salt = _hash(world.seed, 5, 0)
        self.ts = world.timestamp_function()

    def simulate(self, lo: int, hi: int) -> dict[str, list]:
        self.raw = {name: [] for name in _ORDER_TABLES}
        self.next = dict.fromkeys(("line", "fo", "change", "change_line", "memo", "rma", "rma_line", "approval"), 1)
        r = _rng(self.world.seed, "orders", lo).random
        for index in range(lo, hi):
            self._order(index, r)
        return self.raw

    # -- helpers
    def _id(self, kind: str) -> int:
        value = self.next[kind]
        self.next[kind] = value + 1
        return value

    def _rollup(self, t, kind, reason, category, o: _Order, events, units, amount, refunded=0):
        key = (t // DAY, kind, reason, category, o.channel, o.currency)
        cell = self.rollups.get(key)
        if cell is None:
            self.rollups[key] = [events, units, amount, refunded]
        else:
            cell[0] += events
            cell[1] += units
            cell[2] += amount
            cell[3] += refunded

    def _cell(self, key: tuple, first: int, second: int = 0) -> None:
        """Add to an analytics rollup cell; keys start with their table: "product", "refund", "size"."""
        cell = self.rollups.get(key)
        if cell is None:
            self.rollups[key] = [first, second, 0, 0]
        else:
            cell[0] += first
            cell[1] += second

    def _audit(self, t, actor, action, o: _Order, before=None, after=None, detail=None):
        scale = SCALES[o.currency]
        self.raw["audit_events"].append((self.ts(t), actor, action, o.id, None, o.customer,
                                         None if before is None else before / scale,
                                         None if after is None else after / scale, detail))

    def _agent(self, o: _Order, r) -> int:
        agents = USERS["agents"][o.profile.locale]
        return agents[int(r() * len(agents))]

    def _category(self, line) -> str:
        return self.world.products[line[L_PRODUCT]][2]

    # -- one order
    def _order(self, index: int, r) -> None:
        world = self.world
        t0 = self.order_ts[index]
        cid = self.order_cust[index]
        profile = self.profiles.get(cid)
        if profile is None:
            profile = self.profiles[cid] = world.customer(cid)
        locale = profile.locale
        injected = self.injections.get(index)
        fate = injected.injection if injected else self.forced.get(index)
        o = _Order()
        o.id, o.customer, o.profile, o.currency, o.placed, o.updated = index + 1, cid, profile, locale, t0, t0
        channel = _CHANNELS[locale].pick(r())
        if fate == "pickup":
            channel = "store"
        elif fate in ("lost", "split") and channel == "store":
            channel = "web"
        o.channel = channel
        stores = data.STORES[LOCALES[locale]]
        o.pickup = (stores[int(r() * len(stores))]
                    if channel == "store" and (fate == "pickup" or (fate not in ("lost", "split") and r() < 0.6))
                    else None)
        # Lines.
        n_lines = _LINE_COUNT.pick(r())
        if fate == "split" and n_lines < 2:
            n_lines = 2
        products = world.products
        chosen = [world.first_products[index]]
        while len(chosen) < n_lines:
            p = world.popular.pick(r())
            if p not in chosen and (_product_fits(world, p, locale) or r() < 0.1):
                chosen.append(p)
        lines = []
        subtotal = tax = 0
        rate = profile.tax_bp
        for p in chosen:
            price = products[p][3][locale]
            if r() < 0.13:
                price = max(SCALES[locale], _nice_price(int(price * (0.7 + 0.2 * r())), locale))
            qty = _QUANTITY.pick(r())
            line_tax = (price * qty * rate + 5000) // 10000
            lines.append([self._id("line"), p, price, rate, qty, 0, 0, 0, 0, 0, 0, line_tax, 0, 0])
            subtotal += price * qty
            tax += line_tax
        o.lines = lines
        if o.pickup:
            shipping = 0
        elif channel == "marketplace":
            shipping = _MARKETPLACE_SHIPPING[locale] if subtotal < _FREE_SHIPPING[locale] else 0
        else:
            shipping = 0 if subtotal >= _FREE_SHIPPING[locale] else _SHIPPING[locale][r() < 0.15]
        o.charged, o.ship_captured, o.ship_released, o.ship_refunded, o.fees = shipping, 0, 0, 0, 0
        o.captured = o.refunded = 0
        o.original = o.authorized = subtotal + tax + shipping
        o.fos = []
        rollups, day, events = self.rollups, t0 // DAY, 1
        for ln in lines:
            key = (day, "placed", "", products[ln[L_PRODUCT]][2], channel, locale)
            total = ln[L_PRICE] * ln[L_ORDERED] + ln[L_TAX]
            cell = rollups.get(key)
            if cell is None:
                rollups[key] = [events, ln[L_ORDERED], total, 0]
            else:
                cell[0] += events
                cell[1] += ln[L_ORDERED]
                cell[2] += total
            events = 0
        if shipping:
            self._rollup(t0, "placed", "", "", o, 0, 0, shipping)
        self._lifecycle(o, r, fate, injected)
        self._emit(o, r, subtotal, tax, shipping)

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
            amount = self._discount_amount(o, ln, 0.05 + 0.15 * r())
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
            amount = self._discount_amount(o, ln, 0.2 + 0.2 * r() if injected else 0.1 + 0.2 * r())
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

    # -- the rows an order ends with
    def _emit(self, o: _Order, r, original_subtotal, original_tax, original_shipping) -> None:
        ts = self.ts
        raw = self.raw
        scale = SCALES[o.currency]
        subtotal = discounts = tax = ordered = canceled = fulfilled = returned = allocated = 0
        for ln in o.lines:
            subtotal += ln[L_PRICE] * (ln[L_ORDERED] - ln[L_CANCELED] - ln[L_RETURNED])
            discounts += ln[L_DISCOUNT]
            tax += ln[L_TAX]
            ordered += ln[L_ORDERED]
            canceled += ln[L_CANCELED]
            fulfilled += ln[L_FULFILLED]
            returned += ln[L_RETURNED]
            allocated += ln[L_ALLOCATED]
        shipping = o.charged - o.ship_released - o.ship_refunded
        grand = subtotal - discounts + tax + shipping + o.fees
        # OrderSummary.derive_status()
        if ordered and canceled == ordered:
            status = "canceled"
        elif fulfilled and returned == fulfilled and canceled + fulfilled == ordered:
            status = "returned"
        elif fulfilled and canceled + fulfilled == ordered:
            status = "fulfilled"
        elif fulfilled:
            status = "partially_fulfilled"
        elif allocated:
            status = "allocated"
        else:
            status = "created"
        profile = o.profile
        raw["order_summaries"].append((
            o.id, f"SO-{o.id:08d}", o.customer, o.channel, CURRENCIES[o.currency], status, ts(o.placed),
            profile.name, None if o.pickup else self._ship_to(o.customer, profile), o.pickup, subtotal / scale,
            discounts / scale, tax / scale, shipping / scale, grand / scale, original_subtotal / scale,
            original_tax / scale, original_shipping / scale, o.original / scale, o.charged / scale,
            o.ship_captured / scale, o.ship_released / scale, o.ship_refunded / scale, o.fees / scale,
            ts(o.updated)))
        products = self.world.products
        rows = raw["order_item_summaries"]
        for ln in o.lines:
            sku, name, category = products[ln[L_PRODUCT]][:3]
            rows.append((ln[L_ID], o.id, ln[L_PRODUCT] + 1, sku, name, category, ln[L_PRICE] / scale,
                         ln[L_RATE] / 10000, ln[L_ORDERED], ln[L_CANCELED], ln[L_ALLOCATED], ln[L_FULFILLED],
                         ln[L_INITIATED], ln[L_RETURNED], ln[L_DISCOUNT] / scale, ln[L_TAX] / scale,
                         ln[L_CAPTURED] / scale, ln[L_REFUNDED] / scale))
        raw["order_payment_summaries"].append((o.id, o.id, _METHODS[profile.locale].pick(r()), o.authorized / scale,
                                               o.captured / scale, o.refunded / scale))
        fos, fo_lines = raw["fulfillment_orders"], raw["fulfillment_order_lines"]
        for fo in o.fos:
            fos.append((fo[0], o.id, fo[2], fo[3], fo[4], fo[5], fo[6], fo[7], fo[8], fo[9], ts(fo[11]),
                        ts(fo[10]) if fo[10] else None))
            for i, quantity, reshipped in fo[12]:
                fo_lines.append((len(fo_lines) + 1, fo[0], o.lines[i][L_ID], quantity, reshipped))

    def _ship_to(self, cid: int, profile: _Customer) -> str:
        """The customer's shipping address as one text (what the order summary shows)."""
        text = self.addresses.get(cid)
        if text is None:
            line1, line2, city, region, postal, country = profile.address
            if country == "JP":
                text = f"〒{postal} {region}{city}{line1}" + (f" {line2}" if line2 else "")
            elif country == "ES":
                text = f"{line1}" + (f", {line2}" if line2 else "") + f"\n{postal} {city} ({region})\nES"
            else:
                text = f"{line1}" + (f" {line2}" if line2 else "") + f"\n{city}, {region} {postal}\nUS"
            self.addresses[cid] = text
        return text
