"""Order rows: every order simulated from placement to the anchor, in placement order."""
from __future__ import annotations

from array import array

from .. import demo_data as data
from .common import DAY, LOCALES, L_ORDERED, L_PRICE, L_PRODUCT, L_TAX, SCALES, _hash, _money, _rng
from .order_emit import _OrderEmission
from .order_lifecycle import _OrderLifecycle
from .order_rows import (_CHANNELS, _FREE_SHIPPING, _LINE_COUNT, _MARKETPLACE_SHIPPING, _ORDER_TABLES, _QUANTITY,
                         _SHIPPING, _Order)
from .plan_cases import _CasePlan, _forced_fates
from .plan_orders import _product_fits
from .users import USERS
from .world import _Customer, _nice_price, _World


class _OrderWriter(_OrderLifecycle, _OrderEmission):
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
                                         None if before is None else _money(before, scale),
                                         None if after is None else _money(after, scale), detail))

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
