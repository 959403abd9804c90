"""The browser tab's title follows the viewer's language (issue #10)."""
from __future__ import annotations

import dash
import pytest

from components.i18n import N_, page_title, use_language
from tests.app_helpers import app, app_database_url  # noqa: F401 - fixtures

APP = " · Service Desk Ops"


@pytest.mark.parametrize("language, expected", [("en", "Customer"), ("ja", "顧客"), ("es", "Cliente")])
def test_a_page_title_is_translated_when_dash_asks_for_it(language, expected):
    title = page_title(N_("Customer"))
    with use_language(language):
        assert title() == expected + APP
        assert title(customer_id="42") == expected + APP  # Dash passes the path's variables


def test_the_title_is_translated_per_call_not_frozen_at_registration():
    title = page_title(N_("Order"))
    with use_language("ja"):
        assert title(number="SO-1") == "注文" + APP
    with use_language("es"):
        assert title(number="SO-1") == "Pedido" + APP


def test_every_registered_page_titles_its_tab_in_the_viewers_language(app):  # noqa: F811
    pages = list(dash.page_registry.values())
    assert {page.get("path_template") or page["path"] for page in pages} >= {
        "/", "/customers", "/customers/<customer_id>", "/orders/<number>", "/cases/<number>", "/404"}
    for page in pages:
        title = page["title"]
        assert callable(title), f"{page['module']}: title={title!r} is frozen in one language"
        with use_language("en"):
            english = title()
        assert english.endswith(APP), page["module"]
        for language in ("ja", "es"):
            with use_language(language):
                assert title() != english and title().endswith(APP), (page["module"], language)
