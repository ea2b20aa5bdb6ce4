"""Subcommands for the database: migrate (a downgrade never destroys silently, records.downgrade_guard), grant
the application role its rights, import the patient register, seed demo data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from records.audit import audit
from records.cli_auth import add_auth_options, cli_actor
from records.db import database_url, downgrade, is_sqlite, make_engine, migrate, open_database, transaction
from records.demo import seed_demo
from records.downgrade_guard import BadTarget, plan_downgrade
from records.patients import PatientImportError, import_patients, parse_patient_csv, unknown_affiliations
from records.roles import BadRoleName, app_role_grants
from resources.datafile import DataFileError
from resources.fleet import default_fleet, load_fleet
from resources.vocabulary import Role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="databasen: migrera upp eller ned, visa adress, ge applikationsrollen rättigheter")
    db.add_argument("action", choices=["upgrade", "downgrade", "url", "grant-app-role"])
    db.add_argument("role", nargs="?", help="grant-app-role: PostgreSQL-rollen konsolerna ansluter som "
                                            "(se docs/database-roles.md)")
    db.add_argument("--revision", default=None,
                    help="mål-revision (upgrade: standard head; downgrade: måste anges, t.ex. 0002 eller base)")
    db.add_argument("--yes-destroy-data", action="store_true",
                    help="downgrade: genomför även när nedgraderingen raderar data (radantalen visas)")
    db.add_argument("--print", dest="print_only", action="store_true",
                    help="grant-app-role: skriv bara ut SQL-satserna, kör dem inte")
    db.set_defaults(func=_db)

    pt = sub.add_parser("patients", help="patientregistret (kontext för triage och dirigering)")
    pt_sub = pt.add_subparsers(dest="patients_action", required=True)
    imp = pt_sub.add_parser("import", help="importera regionens CSV-export (allt eller inget)")
    imp.add_argument("file", type=Path)
    add_auth_options(imp, token=True)
    imp.add_argument("--fleet", type=Path, help="flottfil att kontrollera team- och vårdcentralsnamn mot "
                                                 "(standard: standardflottan)")
    imp.set_defaults(func=_patients_import)
    demo = pt_sub.add_parser("demo", help="lägg in fiktiva demopatienter (testpersonnummer; administratör)")
    add_auth_options(demo)
    demo.set_defaults(func=_patients_demo)


def _db(args: argparse.Namespace) -> int:
    if args.action == "url":
        print(database_url())
        return 0
    if args.action == "grant-app-role":
        return _grant_app_role(args)
    if args.action == "downgrade" and not args.revision:
        print("Ange vilken revision databasen ska nedgraderas till: --revision REVISION (t.ex. 0002, eller "
              "base för att ta bort allt). En nedgradering kan radera data; ingen revision antas.",
              file=sys.stderr)
        return 2
    engine = make_engine()
    try:
        if args.action == "upgrade":
            migrate(engine, args.revision or "head")
            print(f"Databasen upgrade: klar ({database_url()})")
            return 0
        return _downgrade(engine, args.revision, args.yes_destroy_data)
    except SQLAlchemyError as exc:
        print(f"Databasen kan inte nås ({database_url()}): {getattr(exc, 'orig', None) or exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _downgrade(engine: Engine, revision: str, yes_destroy_data: bool) -> int:
    try:
        plan = plan_downgrade(engine, revision)
    except BadTarget as exc:
        print(exc, file=sys.stderr)
        return 1
    if not plan.steps:
        print(f"Databasen är redan på revision {plan.current or 'base'}; inget att nedgradera ({database_url()})")
        return 0
    if plan.destroys_data and not yes_destroy_data:
        print(plan.refusal(), file=sys.stderr)
        return 1
    downgrade(engine, revision)
    print(f"Databasen nedgraderad från {plan.current} till {revision} ({database_url()})")
    print(plan.report())
    return 0


def _grant_app_role(args: argparse.Namespace) -> int:
    if not args.role:
        print("Ange rollen: main.py db grant-app-role ROLL", file=sys.stderr)
        return 2
    try:
        statements = app_role_grants(args.role)
    except BadRoleName as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.print_only:
        print(";\n".join(statements) + ";")
        return 0
    engine = make_engine()
    try:
        if is_sqlite(engine):
            print("Roller och rättigheter finns bara på PostgreSQL; den inbäddade SQLite-databasen skyddar "
                  "granskningsloggen med triggrar.", file=sys.stderr)
            return 1
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    except SQLAlchemyError as exc:
        print(f"Rättigheterna kunde inte ges ({database_url()}): {getattr(exc, 'orig', None) or exc}",
              file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"Rollen {args.role} har applikationens rättigheter: läsa och skriva de kliniska tabellerna, "
          f"bara läsa och lägga till i granskningsloggen ({len(statements)} satser).")
    return 0


def _patients_import(args: argparse.Namespace) -> int:
    try:  # read first: a bad fleet file must refuse the command before the register is replaced, not after
        fleet = load_fleet(args.fleet) if args.fleet else default_fleet()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory, bound=None) as session:
            n = import_patients(session, actor, args.file)
    except PatientImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Importerade {n} patienter från {args.file}")
    warnings = unknown_affiliations(parse_patient_csv(args.file), fleet)
    for w in warnings:
        print(f"Varning: {w}", file=sys.stderr)
    return 0


def _patients_demo(args: argparse.Namespace) -> int:
    _, factory = open_database()
    actor = cli_actor(factory, args, Role.ADMIN)  # it writes the patient register
    with transaction(factory) as session:
        n = seed_demo(session)
        audit(session, actor, "patients.demo", None, added=n)
    print(f"Lade till {n} demopatienter")
    return 0
