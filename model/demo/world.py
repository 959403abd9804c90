"""The world the demo is simulated in: name and street pools, the catalogue, each customer."""
from __future__ import annotations

import functools
import hashlib
import unicodedata
from array import array
from dataclasses import dataclass, field

from .. import demo_data as data
from .common import DAY, HOUR, LOCALE_CUTS, LOCALES, _US_ZONE_CUTS, _hash, _mix64, _Table


# --- the world: pools, catalogue, customers (built once, inherited by the workers) -------
@dataclass
class _Customer:
    locale: int
    name: str
    first: str          # how replies address the customer
    email_first: str
    email_last: str
    time_zone: str
    offset: int         # seconds east of UTC (standard time)
    address: tuple      # (line1, line2, city, region, postal_code, country)
    tax_bp: int


@dataclass
class _World:
    seed: int
    anchor: int                     # epoch seconds
    customers: int
    orders: int
    cases: int
    backend: str                    # "sqlite" | "postgresql": timestamp format
    first_names: list = field(default_factory=list)
    last_names: list = field(default_factory=list)
    streets: list = field(default_factory=list)
    products: list = field(default_factory=list)  # (sku, name, category, (usd, jpy, eur) minor, origin)
    popular: _Table | None = None                      # product index by popularity
    created: array = field(default_factory=lambda: array("q"))    # customer signup, sorted by id
    weights: array = field(default_factory=lambda: array("d"))    # cumulative order weights
    offsets: array = field(default_factory=lambda: array("q"))    # tz offset per customer
    raw_weights: array = field(default_factory=lambda: array("d"))  # order weight per customer
    order_ts: array = field(default_factory=lambda: array("q"))     # the order plan (ids follow it)
    order_cust: array = field(default_factory=lambda: array("q"))
    first_products: array = field(default_factory=lambda: array("q"))  # product of each order's first line
    case_plans: list = field(default_factory=list)
    vip_weight: float = 0.0
    day0: int = 0                   # day number of DAYS[0]
    days: list = field(default_factory=list)
    times: list = field(default_factory=list)

    # -- timestamps as the target stores them (SQLAlchemy's SQLite format / timestamptz text)
    def ts(self, t: int) -> str:
        return self.days[t // DAY - self.day0] + self.times[t % DAY]

    def timestamp_function(self):
        """`ts` as a plain function with its tables bound (it runs a few million times)."""
        days, times, day0 = self.days, self.times, self.day0

        def ts(t: int) -> str:
            return days[t // DAY - day0] + times[t % DAY]
        return ts

    def day(self, t: int) -> str:
        return self.days[t // DAY - self.day0]

    def address(self, locale: int, h: int) -> tuple[tuple, int]:
        """(line1, line2, city, region, postal_code, country) and the sales tax rate there, from a hash."""
        street = self.streets[locale][(h >> 8) % len(self.streets[locale])]
        number = 1 + (h >> 40) % (9800 if locale == 0 else 120)
        extra = (h >> 52) & 0xFF
        if locale == 0:
            line2 = f"Apt {1 + extra % 40}{'ABCD'[extra % 4]}" if extra < 60 else None
            return (f"{number} {street[0]}", line2, street[1], street[2], street[3], "US"), street[4]
        if locale == 1:
            chome, ban, go = 1 + number % 9, 1 + (h >> 20) % 30, 1 + (h >> 28) % 25
            line2 = f"{street[4]} {1 + extra % 12}0{1 + extra % 9}号室" if extra < 90 else None
            return (f"{street[2]}{chome}丁目{ban}番{go}号", line2, street[1], street[0], street[3], "JP"), 1000
        line2 = f"{1 + extra % 8}º {'ABCD'[extra % 4]}" if extra < 150 else None
        return (f"{street[0]}, {number}", line2, street[1], street[2], street[3], "ES"), 2100

    def customer(self, cid: int) -> _Customer:
        """Everything about a customer that more than one table needs: a pure function of the id."""
        h = _hash(self.seed, 1, cid)
        h2 = _mix64(h ^ 0x5DEECE66D)
        u = h & 0xFFFF
        locale = 0 if u < LOCALE_CUTS[0] else (1 if u < LOCALE_CUTS[1] else 2)
        firsts, lasts = self.first_names[locale], self.last_names[locale]
        first = firsts[(h >> 16) % len(firsts)]
        last = lasts[(h >> 32) % len(lasts)]
        address, tax_bp = self.address(locale, h2)
        if locale == 0:
            zone = (h2 & 0xFFFF) % 100
            zone_index = next((i for i, cut in enumerate(_US_ZONE_CUTS) if zone < cut), len(_US_ZONE_CUTS))
            time_zone, hours = data.US_TIME_ZONES[zone_index]
            name = f"{first[0]} {last[0]}"
        elif locale == 1:
            time_zone, hours = "Asia/Tokyo", 9
            name = f"{last[0]} {first[0]}"
            first = (last[0], first[1])             # replies address Japanese customers by surname
        else:
            canary = (h2 & 0xFF) < 26
            time_zone, hours = ("Atlantic/Canary", 0) if canary else ("Europe/Madrid", 1)
            second = lasts[(h >> 48) % len(lasts)]
            name = f"{first[0]} {last[0]} {second[0]}"
        return _Customer(locale, name, first[0], first[1], last[1], time_zone, hours * HOUR, address, tax_bp)


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


@functools.lru_cache(maxsize=4)
def _build_pools(seed: int) -> tuple[list, list, list]:
    """Names and streets per locale from a seeded Faker (slow, so done once and combined later)."""
    from faker import Faker

    first_names, last_names, streets = [], [], []
    for locale, faker_locale in zip(LOCALES, ("en_US", "ja_JP", "es_ES")):
        fake = Faker(faker_locale)
        fake.seed_instance(seed * 1000 + LOCALES.index(locale))
        if locale == "ja":
            firsts = {(k, _ascii(r)) for k, _, r in [fake.first_name_pair() for _ in range(400)] + [
                (k, None, r) for k, r in data.JA_FIRST_NAMES]}
            lasts = {(k, _ascii(r)) for k, _, r in [fake.last_name_pair() for _ in range(400)] + [
                (k, None, r) for k, r in data.JA_LAST_NAMES]}
            rows = [(fake.prefecture(), fake.city(), fake.town(), fake.zipcode(), fake.building_name())
                    for _ in range(900)]
        else:
            firsts = {(n, _ascii(n)) for n in (fake.first_name() for _ in range(1500))}
            lasts = {(n, _ascii(n)) for n in (fake.last_name() for _ in range(1500))}
            if locale == "en":
                rows = []
                for _ in range(900):
                    state = fake.state_abbr(include_territories=False, include_freely_associated_states=False)
                    rate = data.US_STATE_TAX.get(state)
                    spread = int(hashlib.md5(state.encode()).hexdigest(), 16) % 13
                    bp = round(float(rate) * 10000) if rate else 725 + 25 * spread
                    rows.append((fake.street_name(), fake.city(), state, fake.zipcode_in_state(state), bp))
            else:
                rows = [(fake.street_name(), fake.city(), fake.state(), fake.postcode()) for _ in range(900)]
        first_names.append(sorted(f for f in firsts if f[1]))
        last_names.append(sorted(n for n in lasts if n[1]))
        streets.append(rows)
    return first_names, last_names, streets


def _nice_price(minor: int, currency: int) -> int:
    """Shelf prices: 24.99 $, 22.99 €, ¥3,480."""
    if currency == 1:
        return max(100, round(minor / 100) * 100 - 20) if minor >= 1000 else max(10, round(minor / 10) * 10)
    return max(99, (minor // 100) * 100 + 99 if minor % 100 >= 50 else (minor // 100) * 100 - 1)


def _build_products() -> list:
    """The catalogue: 40 SKUs per category, seed-independent (a shop has one catalogue)."""
    products = []
    for category, (prefix, (low, high), nouns, adjectives, japanese, spanish) in data.CATALOG.items():
        names = [f"{adjectives[(i * 7) % len(adjectives)]} {nouns[i % len(nouns)]}" for i in range(30)]
        origins = [0] * 30 + [1] * len(japanese) + [2] * len(spanish)
        names += japanese + spanish
        for k, (name, origin) in enumerate(zip(names, origins)):
            h = _hash(7, 2, len(products))
            spread = (h % 10_000) / 10_000
            usd = int((low + (high - low) * spread ** 2.2) * 100)
            usd = _nice_price(usd, 0)
            prices = (usd, _nice_price(usd * 3 // 2, 1), _nice_price(usd * 93 // 100, 2))
            products.append((f"{prefix}-{1001 + k}", name, category, prices, origin))
    return products
