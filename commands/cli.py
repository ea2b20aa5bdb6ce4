"""`main.py users ...`: administering users, roles and service tokens from the command line (docs/identity.md).

Every change runs through the administrator's commands (commands/admin.py), so it is checked against the
signed-in session and audited like a change made in the console. The administrator signs in with `--user` and
the password asked for at the terminal, or given as the first line of standard input with `--password-stdin`;
a password the command sets (a new user's first one, a reset) is then asked for twice at the terminal, or read
from the second line of standard input.

`bootstrap-admin` is the one exception: it creates the first administrator without anyone signed in, and is
refused once an active administrator exists.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from records.actor import Actor, require_role
from records.cli_auth import add_auth_options, cli_actor
from resources.os_errors import os_error_text
from resources.vocabulary import Role

if TYPE_CHECKING:
    from commands.base import Command
    from records.users import UserView

_ROLE_WORDS = {
    "nurse": Role.NURSE, "sjuksköterska": Role.NURSE, "ssk": Role.NURSE,
    "dispatcher": Role.DISPATCHER, "dirigent": Role.DISPATCHER,
    "physician": Role.PHYSICIAN, "läkare": Role.PHYSICIAN, "rls-läkare": Role.PHYSICIAN,
    "admin": Role.ADMIN, "administratör": Role.ADMIN,
}
_ROLES_HELP = "nurse (sjuksköterska), dispatcher (dirigent), physician (RLS-läkare) eller admin (administratör)"


class CliError(Exception):
    """Bad input or a refused change: the Swedish message is printed, exit code 1."""


def _role(text: str) -> Role:
    role = _ROLE_WORDS.get(text.strip().lower())
    if role is None:
        raise argparse.ArgumentTypeError(f"okänd roll {text!r}; ange {_ROLES_HELP}")
    return role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    us = sub.add_parser("users", help="användare, roller och tjänstenycklar (administratör)")
    us_sub = us.add_subparsers(dest="users_action", metavar="ÅTGÄRD", required=True)

    boot = us_sub.add_parser("bootstrap-admin", help="skapa den första administratören (nekas när det redan "
                                                     "finns en)")
    boot.add_argument("username", metavar="ANVÄNDARE")
    boot.add_argument("--name", required=True, help="fullständigt namn")
    boot.add_argument("--password-stdin", action="store_true",
                      help="läs den nya administratörens lösenord från standard in (en rad)")
    boot.set_defaults(func=_bootstrap)

    lst = us_sub.add_parser("list", help="lista användarna med roller och status")
    add_auth_options(lst)
    lst.set_defaults(func=_list)

    cr = us_sub.add_parser("create", help="skapa en användare med en eller flera roller")
    cr.add_argument("username", metavar="ANVÄNDARE")
    cr.add_argument("--name", required=True, help="fullständigt namn")
    cr.add_argument("--role", dest="roles", type=_role, action="append", required=True, metavar="ROLL",
                    help=f"roll att tilldela (kan upprepas): {_ROLES_HELP}")
    cr.add_argument("--no-password", action="store_true",
                    help="inget lokalt lösenord (användaren loggar in via katalogtjänsten)")
    _admin_auth(cr, "det första lösenordet för den nya användaren")
    cr.set_defaults(func=_create)

    for action, helptext, func in (("grant", "tilldela en roll", _grant), ("revoke", "dra in en roll", _revoke)):
        p = us_sub.add_parser(action, help=helptext)
        p.add_argument("username", metavar="ANVÄNDARE")
        p.add_argument("role", type=_role, metavar="ROLL", help=_ROLES_HELP)
        add_auth_options(p)
        p.set_defaults(func=func)

    for action, helptext, func in (("deactivate", "avaktivera en användare (pågående inloggningar avslutas)",
                                    _deactivate),
                                   ("activate", "aktivera en avaktiverad användare igen", _activate),
                                   ("unlock", "lås upp ett konto som låstes efter felaktiga lösenord", _unlock)):
        p = us_sub.add_parser(action, help=helptext)
        p.add_argument("username", metavar="ANVÄNDARE")
        add_auth_options(p)
        p.set_defaults(func=func)

    pw = us_sub.add_parser("password", help="sätt ett nytt lösenord (administratör för andra, var och en för sig "
                                            "själv)")
    pw.add_argument("username", metavar="ANVÄNDARE")
    pw.add_argument("--role", dest="sign_in_role", type=_role, default=None, metavar="ROLL",
                    help="rollen du loggar in i (standard: administratör för någon annans lösenord, annars din "
                         "enda roll)")
    _admin_auth(pw, "det nya lösenordet")
    pw.set_defaults(func=_password)

    tok = us_sub.add_parser("token", help="tjänstenycklar för systemjobb (feed serve, importer, regelförslag)")
    tok_sub = tok.add_subparsers(dest="token_action", metavar="ÅTGÄRD", required=True)
    tc = tok_sub.add_parser("create", help="skapa en tjänstenyckel för en systemanvändare (visas en gång)")
    tc.add_argument("system_user", metavar="SYSTEMANVÄNDARE", help="t.ex. system.flöde, system.utfall, system.import")
    tc.add_argument("--label", default="", help="etikett, t.ex. maskinens namn")
    tc.add_argument("--out", type=Path, default=None, metavar="FIL",
                    help="skriv nyckeln till FIL (läsbar bara för dig) i stället för att visa den")
    add_auth_options(tc)
    tc.set_defaults(func=_token_create)
    tl = tok_sub.add_parser("list", help="lista tjänstenycklarna (aldrig själva nycklarna)")
    add_auth_options(tl)
    tl.set_defaults(func=_token_list)
    tr = tok_sub.add_parser("revoke", help="dra in en tjänstenyckel (slutar gälla genast)")
    tr.add_argument("token_id", type=int, metavar="ID")
    add_auth_options(tr)
    tr.set_defaults(func=_token_revoke)


def _admin_auth(parser: argparse.ArgumentParser, second: str) -> None:
    parser.add_argument("--user", default=None, help="ditt användarnamn (standard: inloggad användare på datorn); "
                                                      "lösenordet frågas efter")
    parser.add_argument("--password-stdin", action="store_true",
                        help=f"läs ditt lösenord från standard in (första raden) och {second} från andra raden")


# --- plumbing ------------------------------------------------------------------------------------------------

def _db() -> sessionmaker[Session]:
    from records.db import open_database

    _, factory = open_database()
    return factory


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Known refusals as their Swedish message (exit 1), never a traceback."""
    from records.passwords import PasswordRejected
    from resources.datafile import swedish_message

    def run(args: argparse.Namespace) -> int:
        try:
            return int(func(args))
        except CliError as exc:
            print(exc, file=sys.stderr)
            return 1
        except ValidationError as exc:
            print("; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {swedish_message(e)}" for e in exc.errors()),
                  file=sys.stderr)
            return 1
        except (PasswordRejected, LookupError, ValueError) as exc:
            print(exc.args[0] if exc.args else exc, file=sys.stderr)
            return 1

    run.__doc__ = func.__doc__
    return run


def _new_password(args: argparse.Namespace, username: str) -> str:
    """The password a command sets: the next line of standard input with --password-stdin, else asked twice."""
    if args.password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise CliError(f"Ange lösenordet för {username} som nästa rad på standard in.")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError(f"Ange lösenordet för {username}: kör i en terminal, eller skicka det på standard in med "
                       "--password-stdin.")
    first = getpass.getpass(f"Nytt lösenord för {username}: ")
    if getpass.getpass("Upprepa lösenordet: ") != first:
        raise CliError("Lösenorden stämmer inte överens; ingenting ändrades.")
    return first


def _run(factory: sessionmaker[Session], actor: Actor, cmd: Command) -> BaseModel:
    from commands.runner import run

    return run(factory, actor, cmd)


def _user(view: BaseModel) -> UserView:
    from records.users import UserView

    assert isinstance(view, UserView)
    return view


def _show(view: BaseModel) -> str:
    view = _user(view)
    roles = ", ".join(r.label for r in view.roles) or "inga roller"
    state = "aktiv" if view.active else "avaktiverad"
    if view.locked:
        state += ", låst"
    source = {"local": "lokalt konto", "ldap": "katalogtjänst", "system": "systemanvändare"}.get(view.auth_source,
                                                                                                 view.auth_source)
    return f"{view.username:<22} {view.display_name[:32]:<32} {state:<18} {source:<16} {roles}"


# --- users ---------------------------------------------------------------------------------------------------

@_guarded
def _bootstrap(args: argparse.Namespace) -> int:
    from records.db import transaction
    from records.users import bootstrap_admin

    factory = _db()
    password = _new_password(args, args.username)
    with transaction(factory) as session:
        view = bootstrap_admin(session, args.username, args.name, password)
    print(f"Administratören {view.username} ({view.display_name}) är skapad. Logga in med den och skapa övriga "
          "användare: main.py users create ...")
    return 0


@_guarded
def _list(args: argparse.Namespace) -> int:
    from records.db import transaction
    from records.users import list_users

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    with transaction(factory) as session:
        users = list_users(session, actor)
    for view in users:
        print(_show(view))
    print(f"{len(users)} användare.")
    return 0


@_guarded
def _create(args: argparse.Namespace) -> int:
    from commands.admin import CreateUser

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    password = None if args.no_password else SecretStr(_new_password(args, args.username))
    view = _run(factory, actor, CreateUser(username=args.username, display_name=args.name,
                                           grant=list(dict.fromkeys(args.roles)), password=password))
    print(f"Skapad: {_show(view)}")
    return 0


@_guarded
def _grant(args: argparse.Namespace) -> int:
    from commands.admin import GrantRole

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    print(_show(_run(factory, actor, GrantRole(username=args.username, role=args.role))))
    return 0


@_guarded
def _revoke(args: argparse.Namespace) -> int:
    from commands.admin import RevokeRole

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    print(_show(_run(factory, actor, RevokeRole(username=args.username, role=args.role))))
    return 0


def _set_active(args: argparse.Namespace, active: bool) -> int:
    from commands.admin import SetUserActive

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    print(_show(_run(factory, actor, SetUserActive(username=args.username, active=active))))
    return 0


@_guarded
def _deactivate(args: argparse.Namespace) -> int:
    return _set_active(args, False)


@_guarded
def _activate(args: argparse.Namespace) -> int:
    return _set_active(args, True)


@_guarded
def _unlock(args: argparse.Namespace) -> int:
    from commands.admin import UnlockUser

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    print(_show(_run(factory, actor, UnlockUser(username=args.username))))
    return 0


@_guarded
def _password(args: argparse.Namespace) -> int:
    from commands.admin import SetPassword

    factory = _db()
    signing_in = (args.user or getpass.getuser()).strip()
    role = args.sign_in_role or (None if signing_in == args.username.strip() else Role.ADMIN)
    actor = cli_actor(factory, args, role)
    password = SecretStr(_new_password(args, args.username))
    view = _run(factory, actor, SetPassword(username=args.username, password=password))
    print(f"Nytt lösenord satt för {_user(view).username}.")
    return 0


# --- service tokens ------------------------------------------------------------------------------------------

@_guarded
def _token_create(args: argparse.Namespace) -> int:
    from commands.admin import CreateServiceToken
    from records.tokens import TokenView, new_token, token_hash

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    _provision(factory, actor, args.system_user)
    token = new_token()
    tmp = None
    if args.out is not None:  # written before the token is stored, moved into place after: never half done
        if not args.out.parent.is_dir():
            raise CliError(f"Katalogen {args.out.parent} finns inte.")
        tmp = args.out.with_name(f".{args.out.name}.{os.getpid()}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(token + "\n")
        except OSError as exc:
            raise CliError(f"Filen {args.out} kan inte skrivas: {os_error_text(exc)}.") from None
    try:
        view = _run(factory, actor, CreateServiceToken(username=args.system_user, label=args.label,
                                                       token_sha256=token_hash(token)))
        assert isinstance(view, TokenView)
        if tmp is not None:
            os.replace(tmp, args.out)
            tmp = None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    if args.out is not None:
        print(f"Tjänstenyckel {view.id} för {view.username} ({view.label}) är skriven till {args.out} (läsbar bara "
              f"för dig). Jobbet anger den med --token-file {args.out} eller LARMCENTRAL_TOKEN_FILE.")
    else:
        print(token)
        print(f"Tjänstenyckel {view.id} för {view.username} ({view.label}). Den visas bara nu: spara den i en fil "
              "som bara jobbets användare kan läsa och ange den med --token-file eller LARMCENTRAL_TOKEN_FILE.",
              file=sys.stderr)
    return 0


def _provision(factory: sessionmaker[Session], actor: Actor, username: str) -> None:
    """The system user with its one role, created if missing (audited: who added it)."""
    from outcomes.system_jobs import SYSTEM_USERS, provision_system_user
    from records.audit import audit
    from records.db import transaction
    from records.identity import granted_roles, verify_actor
    from records.models import User

    if username not in SYSTEM_USERS:
        raise CliError(f"{username!r} är ingen systemanvändare. Tjänstenycklar ges till: "
                       f"{', '.join(sorted(SYSTEM_USERS))}.")
    with transaction(factory) as session:
        admin = verify_actor(session, actor)
        require_role(admin, Role.ADMIN, action="lägga upp systemanvändare")
        before = session.scalar(select(User).where(User.username == username))
        roles_before = granted_roles(session, before.id) if before is not None else set()
        user = provision_system_user(session, username)
        role = SYSTEM_USERS[username][1]
        if before is None or role not in roles_before:
            audit(session, admin, "user.provision_system", username=user.username, role=role.value)


@_guarded
def _token_list(args: argparse.Namespace) -> int:
    from records.db import transaction
    from records.tokens import list_tokens

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    with transaction(factory) as session:
        tokens = list_tokens(session, actor)
    for t in tokens:
        print(f"{t.id:>5}  {t.username:<18} {'indragen' if t.revoked else 'gäller':<9} {t.label}")
    if not tokens:
        print("Inga tjänstenycklar.")
    return 0


@_guarded
def _token_revoke(args: argparse.Namespace) -> int:
    from commands.admin import RevokeServiceToken
    from records.tokens import TokenView

    factory = _db()
    actor = cli_actor(factory, args, Role.ADMIN)
    view = _run(factory, actor, RevokeServiceToken(token_id=args.token_id))
    assert isinstance(view, TokenView)
    print(f"Tjänstenyckel {view.id} för {view.username} är indragen; den slutar gälla genast.")
    return 0
