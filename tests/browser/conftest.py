"""Browser fixtures: Chromium options for dash_duo and a fresh app per test."""
from __future__ import annotations

from selenium.webdriver.chrome.options import Options

from tests.app_helpers import app, app_database_url  # noqa: F401 - fixtures


def pytest_setup_options():
    """dash.testing asks this hook for the webdriver options (Chromium runs as root in CI)."""
    options = Options()
    for argument in ("--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update",
                     "--window-size=1280,900"):
        options.add_argument(argument)
    return options
