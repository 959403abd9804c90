"""Browser fixtures: Chromium options for dash_duo and a fresh app per test."""
from __future__ import annotations

import socket

import pytest
from dash.testing.application_runners import BaseDashRunner
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


@pytest.fixture(autouse=True)
def _free_server_port():
    """Each test's Dash server on a port the OS says is free.

    dash.testing counts ports up from 58050 in every process, so two test runs
    on one machine (parallel work, CI beside a developer) would collide.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        BaseDashRunner._next_port = probe.getsockname()[1]  # noqa: SLF001 - dash.testing's own counter
    yield
