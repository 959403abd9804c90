"""The analytics page's pure parts: the fast money text of chart hovers equals Babel's, to the character."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.analytics_charts import money_formatter, percent, percent_text
from components.formatting import format_money

amounts = st.decimals(min_value=Decimal("-1e9"), max_value=Decimal("1e9"), places=3, allow_nan=False,
                      allow_infinity=False)


@pytest.mark.parametrize("language", ["en", "ja", "es"])
@pytest.mark.parametrize("currency", ["USD", "EUR", "JPY", "GBP"])
@settings(max_examples=300, deadline=None)
@given(amount=amounts)
def test_hover_money_reads_exactly_like_format_money(language, currency, amount):
    assert money_formatter(currency, language)(amount) == format_money(amount, currency, language)


def test_percentages_are_decimal_and_round_half_up():
    assert percent(Decimal(2) / Decimal(3)) == Decimal("66.7") and percent(Decimal("0.0005")) == Decimal("0.1")
    assert percent(None) is None and percent_text(None) == "—"
