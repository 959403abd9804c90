"""Take docs/screenshot.png: the queue as the demo agent sees it after signing in.

    .venv/bin/python scripts/screenshot.py [--output docs/screenshot.png]

Builds a small demo database in a temporary folder, serves the app on a free
local port and drives headless Chromium (Debian's /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

AGENT = {"login": "agent", "password": "agent-demo"}


def fill_demo_database(url: str) -> None:
    """The demo generator's data when it is there, else a handful of cases."""
    try:
        from model import demo
    except ImportError:
        demo = None
    if demo is not None:
        demo.generate(url, customers=40, orders=150, cases=80, seed=1)
        return
    from model.actions import assign_case, create_case, create_customer, create_user
    from model.db import transaction

    subjects = ["Parcel shows delivered but never arrived", "Refund for a cracked coffee mug",
                "Wrong size shirt, need an exchange", "Charged twice for order", "Cancel my order please",
                "Discount code did not apply", "Lamp arrived without its shade", "Change the delivery address"]
    with transaction(url) as s:
        agent = create_user(s, login="agent", role="agent", password="agent-demo", display_name="Alex Agent")
        lead = create_user(s, login="lead", role="lead", password="lead-demo", display_name="Lee Lead")
        customer = create_customer(s, name="Ada Lovelace", email="ada@example.com", actor=agent)
        for index, subject in enumerate(subjects):
            case = create_case(s, subject=subject, actor=agent, customer_id=customer.id,
                               priority=("normal", "high", "urgent", "low")[index % 4])
            if index % 3:
                assign_case(s, case.id, (agent if index % 2 else lead).id, actor=lead)


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1360,820", "--hide-scrollbars"):
        options.add_argument(argument)
    return webdriver.Chrome(options=options)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "screenshot.png"))
    args = parser.parse_args(argv)

    from app import create_app

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        app = create_app(url, secret_key="screenshot")
        fill_demo_database(url)
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        browser = chromium()
        try:
            browser.get(f"http://127.0.0.1:{server.port}/")
            wait = WebDriverWait(browser, 20)
            wait.until(expected_conditions.presence_of_element_located((By.ID, "login-form")))
            browser.find_element(By.ID, "login-login").send_keys(AGENT["login"])
            browser.find_element(By.ID, "login-password").send_keys(AGENT["password"] + Keys.ENTER)
            wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "#home-grid .ag-row")))
            Path(args.output).parent.mkdir(parents=True, exist_ok=True)
            browser.save_screenshot(args.output)
        finally:
            browser.quit()
            server.shutdown()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
