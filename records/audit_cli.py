"""`main.py audit verify`: is the audit log's hash chain whole? Exit 0 when it is, 1 at the first broken
entry, 2 when the database cannot be read.

`main.py audit export --patient PNR | --user NAME [--from --to] [--format csv|pdf] --out FILE`: the access log
a region hands a patient, or one user's actions for its log review (records.access_log). Needs the admin role;
the export itself is audited."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from records.audit_verify import ChainNotInstalled, verify_database
from records.cli_auth import cli_actor
from records.db import DatabaseUnavailable, database_url
from resources.os_errors import os_error_text
from resources.vocabulary import Role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    au = sub.add_parser("audit", help="granskningsloggen: kontrollera att ingen post har ändrats eller tagits bort")
    au_sub = au.add_subparsers(dest="audit_action", required=True)
    verify = au_sub.add_parser("verify", help="gå igenom hashkedjan och namnge den första brutna posten")
    verify.set_defaults(func=_verify)
    export = au_sub.add_parser("export", help="ta ut loggen över en patients uppgifter, eller en användares "
                                              "åtgärder, som CSV eller PDF (kräver administratör)")
    whose = export.add_mutually_exclusive_group(required=True)
    whose.add_argument("--patient", metavar="PERSONNUMMER", help="varje läsning och ändring av patientens uppgifter")
    whose.add_argument("--user", dest="log_user", metavar="ANVÄNDARE", help="allt en användare har gjort")
    export.add_argument("--from", dest="date_from", type=_date, metavar="ÅÅÅÅ-MM-DD", help="från och med dagen")
    export.add_argument("--to", dest="date_to", type=_date, metavar="ÅÅÅÅ-MM-DD", help="till och med dagen")
    export.add_argument("--format", choices=["csv", "pdf"], default=None,
                        help="filformat (standard: efter filändelsen, annars csv)")
    export.add_argument("--out", type=Path, required=True, metavar="FIL", help="filen loggen skrivs till")
    export.add_argument("--admin", dest="user", default=None,
                        help="ditt användarnamn som administratör (standard: inloggad användare på datorn); "
                             "lösenordet frågas efter")
    export.add_argument("--password-stdin", action="store_true",
                        help="läs lösenordet från standard in (en rad)")
    export.set_defaults(func=_export)


def _verify(args: argparse.Namespace) -> int:
    try:
        verdict = verify_database()
    except ChainNotInstalled as exc:
        print(exc, file=sys.stderr)
        return 2
    except (SQLAlchemyError, DatabaseUnavailable) as exc:
        reason = getattr(exc, "orig", None) or exc
        print(f"Granskningsloggen kunde inte läsas ({database_url()}): {reason}", file=sys.stderr)
        return 2
    if verdict.ok:
        print(verdict.message())
        if verdict.last_hash:
            print(f"Kedjans senaste hash: {verdict.last_hash} (anteckna den: en senare kontroll som inte "
                  "når fram till den visar att poster i slutet har tagits bort)")
        return 0
    print(verdict.message(), file=sys.stderr)
    return 1


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r}; skriv ÅÅÅÅ-MM-DD") from None


def _export(args: argparse.Namespace) -> int:
    from records.access_log import patient_log, user_log
    from records.access_log_writer import write_log
    from records.db import open_database, transaction
    from records.identity import UnknownUser
    from records.personnummer import InvalidPersonnummer

    fmt = args.format or ("pdf" if args.out.suffix.lower() == ".pdf" else "csv")
    if not args.out.parent.is_dir():
        print(f"Katalogen {args.out.parent} finns inte.", file=sys.stderr)
        return 2
    _, factory = open_database()
    actor = cli_actor(factory, args, Role.ADMIN)
    written = False
    try:
        with transaction(factory, bound=None) as session:
            if args.patient is not None:
                log = patient_log(session, actor, args.patient, args.date_from, args.date_to)
            else:
                log = user_log(session, actor, args.log_user, args.date_from, args.date_to)
            write_log(log, args.out, fmt)  # inside the transaction: no audit row without the file ...
            written = True
    except (InvalidPersonnummer, UnknownUser, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"Filen {args.out} kunde inte skrivas: {os_error_text(exc)}", file=sys.stderr)
        return 1
    except BaseException:
        if written:  # ... and no file without the audit row (the commit failed)
            args.out.unlink(missing_ok=True)
        raise
    print(f"{len(log.rows)} loggposter för {log.subject} ({log.period_text}) skrivna till {args.out} ({fmt}).")
    return 0
