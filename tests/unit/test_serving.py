"""Production serving (wsgi.py, gunicorn.conf.py): compression, static caching, stateless workers."""
from __future__ import annotations

import gzip
import time
import re
import runpy
from pathlib import Path

import pytest

import wsgi
from tests.app_helpers import SECRET_KEY, app_database_url, build_app, reset_dash_pages  # noqa: F401 - fixture
from tests.load.dash_client import AppClient, try_again_message

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production(app_database_url):  # noqa: F811
    app = build_app(app_database_url)
    wsgi.configure_production(app.server, redis_url="none")
    yield app
    reset_dash_pages()


def signed_in(app, login="agent", password="agent-demo") -> AppClient:
    return AppClient(app.server.test_client(), login, password)


def test_pages_and_callbacks_are_gzipped_for_clients_that_ask(production):
    client = signed_in(production)
    shell = client.client.get("/", headers={"Accept-Encoding": "gzip"})
    assert shell.headers["Content-Encoding"] == "gzip"
    assert b"_dash-renderer" in gzip.decompress(shell.data) or b"dash_renderer" in gzip.decompress(shell.data)
    plain = client.client.get("/")
    assert "Content-Encoding" not in plain.headers and b"dash_renderer" in plain.data

    deps = client.client.get("/_dash-dependencies", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert deps.headers["Content-Encoding"] == "gzip"
    assert len(deps.data) < len(gzip.decompress(deps.data)) / 3


def test_fingerprinted_static_files_are_cached_for_a_year_and_others_revalidate(production):
    client = signed_in(production)
    shell = client.client.get("/").get_data(as_text=True)
    suite = next(u for u in re.findall(r'src="([^"]+)"', shell) if "/_dash-component-suites/" in u)
    asset = next(u for u in re.findall(r'href="([^"]+)"', shell) if u.startswith("/assets/") and "?m=" in u)

    for url in (suite, asset):
        answer = client.client.get(url, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert answer.headers["Content-Encoding"] == "gzip"
        again = client.client.get(url, headers={"Accept-Encoding": "gzip"})
        assert again.data == answer.data  # the compressed bytes kept from the first answer

    cache = production.server.extensions["static_compressed"]
    held = len(cache.data)
    for fake in ("1", "2", "3"):  # made-up versions are the same file: no new copies kept
        for url in (f"{asset.split('?', 1)[0]}?m={fake}", re.sub(r"\.v[\w]+m\d+", f".v9_9_9m{fake}", suite)):
            assert client.client.get(url, headers={"Accept-Encoding": "gzip"}).status_code == 200
    assert len(cache.data) == held

    bare = asset.split("?", 1)[0]
    answer = client.client.get(bare, headers={"Accept-Encoding": "gzip"})
    assert "immutable" not in answer.headers.get("Cache-Control", "")
    assert answer.headers["Content-Encoding"] == "gzip"
    revalidated = client.client.get(bare, headers={"Accept-Encoding": "gzip", "If-None-Match": answer.headers["ETag"]})
    assert revalidated.status_code == 304


def test_a_session_signed_by_one_worker_is_good_on_another(app_database_url):  # noqa: F811
    """Given two processes' worth of app (same SECRET_KEY, same database, nothing shared in
    memory), when someone signs in on one, then the other serves them too."""
    first = build_app(app_database_url)
    wsgi.configure_production(first.server, redis_url="none")
    person = signed_in(first, "lead", "lead-demo")
    cookie = person.client.get_cookie("sdo_session")
    reset_dash_pages()
    second = wsgi.production_app(app_database_url, secret_key=SECRET_KEY, redis_url="none")
    try:
        other = second.server.test_client()
        other.set_cookie("sdo_session", cookie.value)
        assert other.get("/_dash-layout").status_code == 200
        assert other.get("/").status_code == 200
        stranger = second.server.test_client()
        assert stranger.get("/_dash-layout").status_code == 401
    finally:
        reset_dash_pages()


def test_healthz_answers_without_a_session(production):
    answer = production.server.test_client().get("/healthz")
    assert answer.status_code == 200 and answer.data == b"ok"


def test_gunicorn_settings_fit_two_cores_and_the_pool_fits_the_threads(monkeypatch):
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "DB_POOL_SIZE", "DB_MAX_OVERFLOW", "BIND", "PORT", "HOST"):
        monkeypatch.setenv(name, "")  # remembered, so the test leaves the environment as it found it
        monkeypatch.delenv(name)
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread" and settings["preload_app"] is True
    assert 2 <= settings["workers"] <= 4 and settings["threads"] >= 2
    import os

    assert int(os.environ["DB_POOL_SIZE"]) == settings["threads"]
    assert settings["bind"] == "127.0.0.1:8000"


def test_sqlite_busy_past_the_timeout_answers_try_again_and_changes_nothing(app_database_url,  # noqa: F811
                                                                                 monkeypatch):
    """Given another writer holding SQLite's write lock, when an agent saves a reply, then within
    the busy timeout the answer says "try again" (nothing saved), and reading still works."""
    import sqlite3

    from model import db as model_db
    from tests.app_helpers import add_cases

    monkeypatch.setattr(model_db, "SQLITE_BUSY_TIMEOUT", 0.3)
    app = build_app(app_database_url)
    wsgi.configure_production(app.server, redis_url="none")
    try:
        add_cases(app_database_url, ["Parcel never arrived"])
        agent = signed_in(app)
        agent.go("/cases/CS-OP00000")
        reply = agent.body(trigger="case-send.n_clicks", overrides={
            "case-send.n_clicks": 1, "case-compose-kind.value": "reply", "case-compose-body.value": "On it."})
        holder = sqlite3.connect(app_database_url.split("sqlite:///", 1)[1], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            answer = agent.post(reply)
            waited = time.monotonic() - started
            assert agent.client.get("/_dash-layout").status_code == 200  # readers are not blocked (WAL)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert waited < 5
        assert "try again" in (try_again_message(answer) or "").lower()
        assert "case-toast" not in answer.get_json().get("response", {})  # not shown as sent
        again = agent.post(reply)  # the lock is gone: the same request goes through
        assert again.status_code == 200 and try_again_message(again) is None
        assert again.get_json()["response"]["case-toast"]["children"]["props"]["icon"] == "success"
    finally:
        reset_dash_pages()


def test_an_unreachable_database_answers_503_in_the_readers_language(production):
    """Given the database gone (here: a path that cannot be opened), pages and callbacks answer
    503 with a sentence in the browser's language instead of a 500."""
    agent = signed_in(production)
    production.server.config["DATABASE_URL"] = "sqlite:////nonexistent-folder/servicedesk.db"
    answer = agent.client.get("/_dash-layout", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert answer.status_code == 503 and answer.headers["Retry-After"] == "5"
    assert answer.get_json()["retry"] is True
    assert "Vuelva a intentarlo" in answer.get_json()["error"]
    page = agent.client.get("/", headers={"Accept-Language": "ja"})
    assert page.status_code == 503 and "app-unavailable" in page.get_data(as_text=True)
    assert "もう一度お試しください" in page.get_data(as_text=True)


def test_a_fault_of_the_app_is_not_answered_as_a_database_outage(production, app_database_url):  # noqa: F811
    """SQLite says "no such table" with the same exception class as "unable to open": only the
    outage gets "try again"; the fault goes on to Flask's 500."""
    from sqlalchemy import exc, text

    from model import db as model_db
    from pages import _unavailable

    with pytest.raises(exc.OperationalError) as raised, model_db.read_session(app_database_url) as s:
        s.execute(text("SELECT * FROM no_such_table"))
    with production.server.test_request_context("/_dash-update-component", method="POST"):
        with pytest.raises(exc.OperationalError):
            _unavailable.database_unavailable(raised.value)
    assert _unavailable.outage(raised.value) is None
