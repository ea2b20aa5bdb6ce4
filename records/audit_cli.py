"""`main.py audit verify`: is the audit log's hash chain whole? Exit 0 when it is, 1 at the first broken
entry, 2 when the database cannot be read."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.exc import SQLAlchemyError

from records.audit_verify import ChainNotInstalled, verify_database
from records.db import DatabaseUnavailable, database_url


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    au = sub.add_parser("audit", help="granskningsloggen: kontrollera att ingen post har ändrats eller tagits bort")
    au_sub = au.add_subparsers(dest="audit_action", required=True)
    verify = au_sub.add_parser("verify", help="gå igenom hashkedjan och namnge den första brutna posten")
    verify.set_defaults(func=_verify)


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
