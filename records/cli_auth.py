"""How a command-line tool signs in: a person with their password (prompted, or one line on standard input
with `--password-stdin`), or a system job with a service token (`--token-file`, or LARMCENTRAL_TOKEN_FILE).
A user name given with `--user` is never taken on trust."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from records.actor import Actor
from records.auth import AuthFailed, sign_in_with_password
from records.tokens import sign_in_with_token
from resources.os_errors import os_error_text
from resources.settings import load_settings
from resources.vocabulary import Role


def add_auth_options(parser: argparse.ArgumentParser, *, token: bool = False) -> None:
    parser.add_argument("--user", default=None, help="ditt användarnamn (standard: inloggad användare på datorn); "
                                                      "lösenordet frågas efter")
    parser.add_argument("--password-stdin", action="store_true",
                        help="läs lösenordet från standard in (en rad), t.ex. från ett lösenordsvalv")
    if token:
        parser.add_argument("--token-file", type=Path, default=None,
                            help="tjänstenyckel för ett systemjobb (standard: LARMCENTRAL_TOKEN_FILE)")


_opened: list[tuple[sessionmaker[Session], Actor]] = []


def end_cli_sessions() -> None:
    """Sign out whoever this run signed in (called when the command ends, however it ends)."""
    from records.db import transaction
    from records.identity import end_session

    while _opened:
        factory, actor = _opened.pop()
        try:
            with transaction(factory) as session:
                end_session(session, actor, "cli_done")
        except Exception:  # noqa: BLE001, S110 - the database is gone: the session ends with its idle timeout
            pass


def cli_actor(factory: sessionmaker[Session], args: argparse.Namespace, role: Role | None) -> Actor:
    actor = _sign_in(factory, args, role)
    _opened.append((factory, actor))
    return actor


def cli_demo_actor(factory: sessionmaker[Session], role: Role) -> Actor:
    """The demo's own user of `role`, signed in with the demo's known password: only for a demo database (the
    caller checks records.demo.check_demo_database first), where that password is shown on the sign-in screen."""
    from records.demo import DEMO_PASSWORD, DEMO_USERS

    username = DEMO_USERS[role][0]
    actor = sign_in_with_password(factory, username, DEMO_PASSWORD, role,
                                  console=f"cli@{socket.gethostname()}"[:64])
    _opened.append((factory, actor))
    return actor


def _sign_in(factory: sessionmaker[Session], args: argparse.Namespace, role: Role | None) -> Actor:
    """The signed-in actor for this run. AuthFailed (Swedish) when the password, token or role does not hold."""
    console = f"cli@{socket.gethostname()}"[:64]
    takes_token = hasattr(args, "token_file")  # only tools of system jobs sign in with a token
    token_file = (args.token_file or load_settings().token_file) if takes_token else None
    if token_file is not None and getattr(args, "user", None) is None:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise AuthFailed(f"Tjänstenyckeln kan inte läsas ({token_file}): {os_error_text(exc)}.") from None
        return sign_in_with_token(factory, token, console=console)
    user = getattr(args, "user", None) or getpass.getuser()
    if getattr(args, "password_stdin", False):
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Lösenord för {user}: ")
    else:
        raise AuthFailed("Ange lösenordet: kör i en terminal, eller skicka det på standard in med --password-stdin.")
    return sign_in_with_password(factory, user, password, role, console=console)
