"""Exchange rates for analytics' converted view (the `exchange_rates` table).

    python -m model.rates list [--database-url URL]
    python -m model.rates set EUR USD 1.0825 --from 2026-11-01 [--database-url URL]

A rate says what one unit of a currency is worth in another from a day on,
until the pair's next rate. Only analytics reads them: stored money is never converted.
"""
from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from .entities import ExchangeRate
from .money import MINOR_UNITS

RATE_PLACES = 8


class RateError(ValueError):
    """A rate that cannot be stored; the message says why."""


def set_rate(s: Session, currency: str, target: str, rate, effective_on: date) -> ExchangeRate:
    """Store (or replace) the rate of `currency` in `target` from `effective_on`. Does not commit."""
    if currency not in MINOR_UNITS or target not in MINOR_UNITS or currency == target:
        raise RateError(f"Choose two different currencies of {', '.join(sorted(MINOR_UNITS))}.")
    try:
        value = Decimal(str(rate))
    except InvalidOperation:
        raise RateError(f"{rate!r} is not a rate.") from None
    if not value.is_finite() or value <= 0 or value != value.quantize(Decimal(1).scaleb(-RATE_PLACES)) \
            or value >= Decimal("1e10"):
        raise RateError(f"A rate is a positive number with at most {RATE_PLACES} decimals.")
    row = s.execute(select(ExchangeRate).where(ExchangeRate.currency == currency, ExchangeRate.target == target,
                                               ExchangeRate.effective_on == effective_on)).scalar_one_or_none()
    if row is None:
        row = ExchangeRate(currency=currency, target=target, effective_on=effective_on, rate=value)
        s.add(row)
    else:
        row.rate = value
    s.flush()
    return row


def list_rates(s: Session) -> list[ExchangeRate]:
    return list(s.execute(select(ExchangeRate).order_by(ExchangeRate.target, ExchangeRate.currency,
                                                        ExchangeRate.effective_on)).scalars())


def main(argv=None) -> int:
    from .db import transaction

    parser = argparse.ArgumentParser(prog="python -m model.rates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list")
    setter = commands.add_parser("set")
    setter.add_argument("currency")
    setter.add_argument("target")
    setter.add_argument("rate")
    setter.add_argument("--from", dest="effective_on", type=date.fromisoformat, default=date.today())
    args = parser.parse_args(argv)
    with transaction(args.database_url) as s:
        if args.command == "set":
            try:
                set_rate(s, args.currency.upper(), args.target.upper(), args.rate, args.effective_on)
            except RateError as error:
                print(f"error: {error}")
                return 2
        for row in list_rates(s):
            print(f"{row.effective_on}  1 {row.currency} = {row.rate} {row.target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
