"""Money, numbers and dates in the viewer's locale (Babel, CLDR data).

Babel rounds half-even: amounts are quantized half-up to the currency's
minor unit first (model.money.round_money), then formatted.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal

from model.money import round_money

from .i18n import current_language

LOCALES = {"en": "en_US", "es": "es_ES", "ja": "ja_JP"}


def babel_locale(language: str | None = None) -> str:
    return LOCALES.get(language or current_language(), "en_US")


def format_money(amount, currency: str, language: str | None = None) -> str:
    """'$1,234.56', '1.234,56 €', '￥1,235' — never a float on the way."""
    if amount is None:
        return ""
    value = round_money(Decimal(str(amount)), currency)
    return format_currency(value, currency, locale=babel_locale(language), currency_digits=True)


def format_number(value, language: str | None = None) -> str:
    return format_decimal(value, locale=babel_locale(language))


def to_zone(moment: datetime | None, time_zone: str = "UTC") -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(ZoneInfo(time_zone))
    except Exception:  # noqa: BLE001 - an unknown zone shows UTC rather than failing a page
        return moment.astimezone(timezone.utc)


def format_when(moment: datetime | None, time_zone: str = "UTC", language: str | None = None) -> str:
    """Date and time in the viewer's zone and locale, e.g. 'Nov 23, 2026, 9:15 AM'."""
    local = to_zone(moment, time_zone)
    return "" if local is None else format_datetime(local, format="medium", tzinfo=local.tzinfo,
                                                     locale=babel_locale(language))


def format_day(moment, language: str | None = None) -> str:
    return "" if moment is None else format_date(moment, format="medium", locale=babel_locale(language))
