"""Users and roles: the /admin page's callbacks, the audit list, and `python -m model.users`."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from model import db as model_db
from model import users as users_cli
from model.actions import ActionError, create_user, set_user_active, set_user_role
from model.entities import AuditEvent, User, utcnow
from model.queries.admin import AuditFilter, AuditFilterError, audit_actions, audit_events, list_users
from model.security import verify_password
from model.sessions import open_session, open_sessions
from tests.app_helpers import build_app, forget_database, reset_dash_pages, sqlite_url
from tests.unit.security_support import ADMIN, ORIGIN, Request, post, server_callbacks, signed_in_client

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture
def admin_app(tmp_path):
    url = sqlite_url(tmp_path)
    app = build_app(url)
    with model_db.transaction(url) as s:
        create_user(s, **ADMIN)
    yield app, url
    reset_dash_pages()
    forget_database(url)


def user_id(url: str, login: str) -> int:
    with model_db.read_session(url) as s:
        return s.execute(select(User.id).where(User.login == login)).scalar_one()


def change(app, client, control: str, target: int, value):
    key, spec = server_callbacks(app)["pages.admin:change_user"]
    request = Request(key, spec)
    index = request.index(control)
    request.values[index] = [({"type": control, "user": target}, value)]
    request.trigger = index
    return post(client, request.body())


def events(url: str, action: str) -> list[tuple[int | None, dict]]:
    """(actor id, detail) of each audit event of `action`."""
    with model_db.read_session(url) as s:
        return [(e.actor_id, json.loads(e.detail or "{}"))
                for e in s.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()]


# --- the page ---------------------------------------------------------------------------------
def test_an_admin_changes_a_role_and_the_change_is_audited(admin_app):
    app, url = admin_app
    admin = signed_in_client(app, "admin")
    agent = user_id(url, "agent")

    response = change(app, admin, "admin-role", agent, "lead")

    assert response.status_code == 200
    assert "agent is now Lead." in response.text
    with model_db.read_session(url) as s:
        assert s.get(User, agent).role == "lead"
    ((actor_id, detail),) = events(url, "user.role")
    assert actor_id == user_id(url, ADMIN["login"])
    assert detail == {"login": "agent", "role_before": "agent", "role_after": "lead", "user_id": agent,
                      "sessions_closed": 0}


def test_the_same_role_drawn_again_changes_nothing(admin_app):
    app, url = admin_app
    admin = signed_in_client(app, "admin")

    response = change(app, admin, "admin-role", user_id(url, "agent"), "agent")

    assert response.status_code == 200 and response.json["response"] == {}  # nothing to redraw
    assert events(url, "user.role") == []


def test_a_disabled_user_is_refused_at_their_next_request_and_can_come_back(admin_app):
    app, url = admin_app
    admin, agent_client = signed_in_client(app, "admin"), signed_in_client(app, "agent")
    assert agent_client.get("/_dash-layout").status_code == 200
    agent = user_id(url, "agent")

    response = change(app, admin, "admin-active", agent, 1)

    assert "agent is disabled; their sessions are closed." in response.text
    assert agent_client.get("/_dash-layout").status_code == 401
    assert agent_client.post("/_dash-update-component", json={}, headers={"Origin": ORIGIN}).status_code == 401
    assert signed_in_client_fails(app, "agent")
    ((_actor, detail),) = events(url, "user.disable")
    assert detail["sessions_closed"] == 1

    response = change(app, admin, "admin-active", agent, 2)

    assert "agent can sign in again." in response.text
    assert signed_in_client(app, "agent").get("/_dash-layout").status_code == 200


def signed_in_client_fails(app, role: str) -> bool:
    try:
        signed_in_client(app, role)
    except AssertionError:
        return True
    return False


def test_an_admin_cannot_lock_themselves_out(admin_app):
    app, url = admin_app
    admin = signed_in_client(app, "admin")
    me = user_id(url, ADMIN["login"])

    disabled = change(app, admin, "admin-active", me, 1)
    demoted = change(app, admin, "admin-role", me, "agent")

    assert "You cannot disable your own account." in disabled.text
    assert "is the last active admin" in demoted.text
    with model_db.read_session(url) as s:
        assert (s.get(User, me).role, s.get(User, me).active) == ("admin", True)


@pytest.mark.parametrize(("control", "target", "value"), [
    ("admin-role", 999_999, "lead"), ("admin-role", "agent", "superuser"), ("admin-active", 999_999, 1),
    ("admin-role", "agent", ["lead"]),
])
def test_bad_changes_say_why_and_change_nothing(admin_app, control, target, value):
    app, url = admin_app
    admin = signed_in_client(app, "admin")
    target = user_id(url, target) if target == "agent" else target
    with model_db.read_session(url) as s:
        before = [(u.id, u.role, u.active) for u in s.execute(select(User).order_by(User.id)).scalars()]

    response = change(app, admin, control, target, value)

    assert response.status_code == 200 and "app-toast-danger" in response.text
    with model_db.read_session(url) as s:
        assert [(u.id, u.role, u.active) for u in s.execute(select(User).order_by(User.id)).scalars()] == before


def test_the_audit_list_filters_by_person_kind_and_day(admin_app):
    app, url = admin_app
    admin = signed_in_client(app, "admin")
    change(app, admin, "admin-role", user_id(url, "lead"), "manager")
    key, spec = server_callbacks(app)["pages.admin:filter_audit"]
    today = date.today().isoformat()

    def listed(actor=None, kind=None, start=None, end=None):
        request = Request(key, spec).set("admin-audit-actor", actor, trigger=True)
        request.set("admin-audit-kind", kind).set("admin-audit-from", start).set("admin-audit-to", end)
        return post(admin, request.body())

    by_admin = listed(actor=str(user_id(url, ADMIN["login"])))
    assert by_admin.status_code == 200 and "user.role" in by_admin.text and "user.create" not in by_admin.text
    system = listed(actor="0", kind="user.")
    assert "user.create" in system.text and "user.role" not in system.text
    assert "No event matches" in listed(start="2001-01-01", end="2001-01-02").text
    assert "user.role" in listed(start=today, end=today).text
    for bad in ({"start": "yesterday"}, {"start": today, "end": "2001-01-01"}, {"actor": "someone"},
                {"kind": "user.role'; DROP TABLE users; --"}):
        response = listed(**bad)
        assert response.status_code == 200 and "admin-audit-invalid" in response.text, bad


# --- the read side (both databases) ------------------------------------------------------------
def test_audit_events_and_users_queries(Session, users):  # noqa: N803
    with Session.begin() as s:
        admin = s.get(User, users["admin"].id)
        set_user_role(s, users["agent"].id, "lead", actor=admin)
        set_user_active(s, users["agent2"].id, False, actor=admin)
        open_session(s, users["lead"].id, lifetime=timedelta(hours=1))
    with Session() as s:
        assert {"user.create", "user.role", "user.disable"} <= set(audit_actions(s))
        mine = audit_events(s, AuditFilter(actor_id=users["admin"].id))
        assert [row.action for row in mine.rows] == ["user.disable", "user.role"] and not mine.more
        assert {row.action for row in audit_events(s, AuditFilter(action="user.")).rows} == {
            "user.create", "user.role", "user.disable"}
        assert len(audit_events(s, AuditFilter(actor_id=0), limit=2).rows) == 2
        assert audit_events(s, AuditFilter(actor_id=0), limit=2).more
        tomorrow = utcnow().date() + timedelta(days=1)
        assert audit_events(s, AuditFilter(start=tomorrow)).rows == []
        rows = {row.login: row for row in list_users(s)}
        assert rows["lead"].open_sessions == 1 and not rows["agent2"].active and rows["agent"].role == "lead"
    with pytest.raises(AuditFilterError):
        AuditFilter.build(start="2026-13-01")


# --- the command line ---------------------------------------------------------------------------
def run_cli(monkeypatch, capsys, database_url, *argv, stdin: str = ""):
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = users_cli.main(["--database-url", database_url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_adds_lists_changes_role_disables_and_enables(Session, database_url, monkeypatch, capsys):  # noqa: N803
    assert run_cli(monkeypatch, capsys, database_url, "add", "ana", "--role", "agent", "--display-name", "Ana Ruiz",
                   "--language", "es", "--password-stdin", stdin="correct horse\n")[:2] == (0, "created ana (agent)\n")
    with Session() as s:
        ana = s.execute(select(User).where(User.login == "ana")).scalar_one()
        assert verify_password(ana.password_hash, "correct horse") and ana.language == "es"
        open_session(s, ana.id, lifetime=timedelta(hours=1))
        s.commit()

    assert run_cli(monkeypatch, capsys, database_url, "role", "ANA", "lead")[:2] == (0, "ana is now lead\n")
    assert run_cli(monkeypatch, capsys, database_url, "disable", "ana")[:2] == (0, "ana is disabled\n")
    with Session() as s:
        ana = s.execute(select(User).where(User.login == "ana")).scalar_one()
        assert (ana.role, ana.active, open_sessions(s, ana.id)) == ("lead", False, 0)
    code, listing, _err = run_cli(monkeypatch, capsys, database_url, "list")
    assert code == 0 and listing.splitlines()[0].split() == ["login", "role", "state", "sessions", "name"]
    assert listing.splitlines()[1].split() == ["ana", "lead", "disabled", "0", "Ana", "Ruiz"]
    assert run_cli(monkeypatch, capsys, database_url, "enable", "ana")[:2] == (0, "ana is enabled\n")
    with Session() as s:
        actions = [e.action for e in s.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars()]
        assert actions == ["user.create", "user.role", "user.disable", "user.enable"]


@pytest.mark.parametrize(("argv", "stdin", "message"), [
    (("add", "Bad Login!", "--role", "agent", "--password-stdin"), "long enough\n", "A login is 2 to 80"),
    (("add", "shorty", "--role", "agent", "--password-stdin"), "short\n", "at least 8 characters"),
    (("role", "nobody", "lead"), "", "No user has the login nobody."),
    (("disable", "nobody"), "", "No user has the login nobody."),
])
def test_cli_refusals_exit_1_with_the_reason_and_change_nothing(Session, database_url, monkeypatch, capsys,  # noqa: N803
                                                                argv, stdin, message):
    code, out, err = run_cli(monkeypatch, capsys, database_url, *argv, stdin=stdin)

    assert code == 1 and out == "" and message in err
    with Session() as s:
        assert s.execute(select(User)).first() is None


def test_cli_keeps_the_last_admin(Session, database_url, monkeypatch, capsys):  # noqa: N803
    with Session.begin() as s:
        create_user(s, login="boss", role="admin", password="long enough")
    code, _out, err = run_cli(monkeypatch, capsys, database_url, "disable", "boss")
    assert code == 1 and "last active admin" in err
    with pytest.raises(ActionError, match="last active admin"):
        with Session.begin() as s:
            set_user_role(s, s.execute(select(User.id)).scalar_one(), "agent", actor=None)


def test_python_dash_m_model_users_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    added = subprocess.run([sys.executable, "-m", "model.users", "--database-url", url, "add", "cli-user",
                            "--role", "manager", "--password-stdin"], input="a long password\n", cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    listed = subprocess.run([sys.executable, "-m", "model.users", "--database-url", url, "list"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)

    assert added.returncode == 0, added.stderr
    assert listed.returncode == 0 and "cli-user  manager  enabled" in listed.stdout
