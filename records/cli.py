"""Subcommands for the database: migrate, import the patient register, seed demo data."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from sqlalchemy.exc import OperationalError

from records.db import database_url, downgrade, make_engine, migrate, open_database, transaction
from records.demo import seed_demo
from records.patients import PatientImportError, import_patients, parse_patient_csv, unknown_affiliations
from records.users import sign_in
from resources.datafile import DataFileError
from resources.fleet import default_fleet, load_fleet
from resources.vocabulary import Role


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    db = sub.add_parser("db", help="databasen: migrera upp eller ned, visa adress")
    db.add_argument("action", choices=["upgrade", "downgrade", "url"])
    db.add_argument("--revision", default=None, help="mål-revision (standard: head resp. base)")
    db.set_defaults(func=_db)

    pt = sub.add_parser("patients", help="patientregistret (kontext för triage och dirigering)")
    pt_sub = pt.add_subparsers(dest="patients_action", required=True)
    imp = pt_sub.add_parser("import", help="importera regionens CSV-export (allt eller inget)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--user", default=getpass.getuser(), help="användaren som importerar (granskas)")
    imp.add_argument("--fleet", type=Path, help="flottfil att kontrollera team- och vårdcentralsnamn mot "
                                                 "(standard: standardflottan)")
    imp.set_defaults(func=_patients_import)
    demo = pt_sub.add_parser("demo", help="lägg in fiktiva demopatienter (testpersonnummer)")
    demo.set_defaults(func=_patients_demo)


def _db(args: argparse.Namespace) -> int:
    if args.action == "url":
        print(database_url())
        return 0
    engine = make_engine()
    try:
        if args.action == "upgrade":
            migrate(engine, args.revision or "head")
        else:
            downgrade(engine, args.revision or "base")
    except OperationalError as exc:
        print(f"Databasen kan inte nås ({database_url()}): {exc.orig}", file=sys.stderr)
        return 2
    print(f"Databasen {args.action}: klar ({database_url()})")
    return 0


def _patients_import(args: argparse.Namespace) -> int:
    _, factory = open_database()
    try:
        with transaction(factory) as session:
            actor = sign_in(session, args.user, Role.ADMIN)
            n = import_patients(session, actor, args.file)
    except PatientImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Importerade {n} patienter från {args.file}")
    try:
        fleet = load_fleet(args.fleet) if args.fleet else default_fleet()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    warnings = unknown_affiliations(parse_patient_csv(args.file), fleet)
    for w in warnings:
        print(f"Varning: {w}", file=sys.stderr)
    return 0


def _patients_demo(args: argparse.Namespace) -> int:
    _, factory = open_database()
    with transaction(factory) as session:
        n = seed_demo(session)
    print(f"Lade till {n} demopatienter")
    return 0
