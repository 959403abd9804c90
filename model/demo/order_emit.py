"""The rows an order ends with: summary, items, payment and fulfilment orders (part of _OrderWriter)."""
from __future__ import annotations

from .common import (CURRENCIES, L_ALLOCATED, L_CANCELED, L_CAPTURED, L_DISCOUNT, L_FULFILLED, L_ID, L_INITIATED,
                     L_ORDERED, L_PRICE, L_PRODUCT, L_RATE, L_REFUNDED, L_RETURNED, L_TAX, SCALES, _money)
from .order_rows import _METHODS, _Order
from .world import _Customer


class _OrderEmission:
    """Turns a simulated order into its table rows (part of _OrderWriter)."""

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
            profile.name, None if o.pickup else self._ship_to(o.customer, profile), o.pickup,
            *(_money(minor, scale) for minor in (
                subtotal, discounts, tax, shipping, grand, original_subtotal, original_tax, original_shipping,
                o.original, o.charged, o.ship_captured, o.ship_released, o.ship_refunded, o.fees)),
            ts(o.updated)))
        products = self.world.products
        rows = raw["order_item_summaries"]
        for ln in o.lines:
            sku, name, category = products[ln[L_PRODUCT]][:3]
            rows.append((ln[L_ID], o.id, ln[L_PRODUCT] + 1, sku, name, category, _money(ln[L_PRICE], scale),
                         ln[L_RATE] / 10000, ln[L_ORDERED], ln[L_CANCELED], ln[L_ALLOCATED], ln[L_FULFILLED],
                         ln[L_INITIATED], ln[L_RETURNED], _money(ln[L_DISCOUNT], scale), _money(ln[L_TAX], scale),
                         _money(ln[L_CAPTURED], scale), _money(ln[L_REFUNDED], scale)))
        raw["order_payment_summaries"].append((o.id, o.id, _METHODS[profile.locale].pick(r()),
                                               _money(o.authorized, scale), _money(o.captured, scale),
                                               _money(o.refunded, scale)))
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
