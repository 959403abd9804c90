"""Money arithmetic: Decimal only, half-up to the currency's minor unit."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

# ISO 4217 minor units of the currencies we sell in; unknown codes default to 2.
MINOR_UNITS = {"USD": 2, "EUR": 2, "JPY": 0, "GBP": 2}
ZERO = Decimal("0")


@lru_cache(maxsize=64)
def minor_units(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


@lru_cache(maxsize=64)
def quantum(currency: str) -> Decimal:
    """0.01 for USD, 1 for JPY (built once per currency: the checker calls this millions of times)."""
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (Babel would round half-even)."""
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount, currency: str) -> int:
    """Amount as an integer count of minor units (cents, yen)."""
    return int(round_money(amount, currency).scaleb(minor_units(currency)))


def from_minor(count: int, currency: str) -> Decimal:
    return Decimal(count).scaleb(-minor_units(currency)).quantize(quantum(currency))


def line_tax(net, rate, currency: str) -> Decimal:
    """Line tax is always round_half_up(line net × rate) (DESIGN: Domain)."""
    return round_money(Decimal(net) * Decimal(rate), currency)


def discount_share(discount, quantity: int, units: int, currency: str) -> Decimal:
    """Part of a line discount carried by its last `units` of `quantity` units.

    A discount is spread over the line's units with the remainder minor units
    on the last units, so units removed later (canceled, returned) take their
    share with them; the last units go first.
    """
    if units <= 0 or quantity <= 0:
        return from_minor(0, currency)
    if units >= quantity:
        return round_money(discount, currency)
    base, remainder = divmod(to_minor(discount, currency), quantity)
    return from_minor(units * base + min(units, remainder), currency)
