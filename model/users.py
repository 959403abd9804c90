"""Manage the people who sign in, from the server's command line.

    python -m model.users list
    python -m model.users add LOGIN --role agent [--display-name "Ana Ruiz"] [--language es]
    python -m model.users role LOGIN manager
    python -m model.users disable LOGIN          # their next request is refused
    python -m model.users enable LOGIN
    (each takes --database-url URL; default DATABASE_URL or the SQLite file)

`add` asks for the password twice on a terminal, or reads one line from
standard input with --password-stdin (scripts): a password on the command
line would show in the process list and the shell history. Everything goes
through the services of model.actions.users, audited with no actor (the
system): whoever can run this on the server already holds the database.
"""
from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import select

from .actions import ActionError
from .actions.users import LANGUAGES, create_user, find_user, set_user_active, set_user_role
from .db import connect
from .entities import Role, User
from .sessions import open_sessions

ROLES = [role.value for role in Role]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m model.users", description="Manage dashboard users.")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the SQLite file under data/")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="every user with role, state and open sessions")
    add = commands.add_parser("add", help="create a user")
    add.add_argument("login")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--display-name")
    add.add_argument("--language", default="en", choices=LANGUAGES)
    add.add_argument("--time-zone", default="UTC")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    role = commands.add_parser("role", help="change a user's role")
    role.add_argument("login")
    role.add_argument("role", choices=ROLES)
    for name, text in (("disable", "refuse sign-in and end the user's sessions"), ("enable", "allow sign-in again")):
        commands.add_parser(name, help=text).add_argument("login")
    return parser


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ActionError("The two passwords differ; nothing was created.")
    return first


def _list(Session) -> list[str]:  # noqa: N803 - a sessionmaker
    with Session() as s:
        users = s.execute(select(User).order_by(User.login)).scalars().all()
        rows = [(u.login, u.role, "enabled" if u.active else "disabled", str(open_sessions(s, u.id)),
                 u.display_name) for u in users]
    header = ("login", "role", "state", "sessions", "name")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    return ["  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[-1]]).rstrip()
            for row in [header, *rows]]


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    Session = connect(args.database_url)  # noqa: N806 - a sessionmaker
    try:
        if args.command == "list":
            print("\n".join(_list(Session)))
            return 0
        if args.command == "add":
            password = _read_password(args.password_stdin)
            with Session.begin() as s:
                user = create_user(s, login=args.login, role=args.role, password=password,
                                   display_name=args.display_name, language=args.language,
                                   time_zone=args.time_zone, actor=None)
                print(f"created {user.login} ({user.role})")
            return 0
        with Session.begin() as s:
            user = find_user(s, args.login)
            if args.command == "role":
                set_user_role(s, user.id, args.role, actor=None)
                print(f"{user.login} is now {user.role}")
            else:
                set_user_active(s, user.id, args.command == "enable", actor=None)
                print(f"{user.login} is {'enabled' if user.active else 'disabled'}")
        return 0
    except ActionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
