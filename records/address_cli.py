"""`main.py addresses …`: import the address register, search it, store or write the demo's fictitious one, and
say what is stored (docs/address-register.md)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from records.actor import Actor
from records.address_file import (
    RegisterFileError,
    read_address_file,
    read_place_file,
    write_address_file,
    write_place_file,
)
from records.address_register import (
    DEMO_ACTION,
    IMPORT_ACTION,
    RegisterAddress,
    RegisterPlace,
    load_register,
    register_info,
    register_rows,
    replace_register,
)
from records.cli_auth import add_auth_options, cli_actor, cli_demo_actor
from records.db import open_database, transaction
from records.demo import NotADemoDatabase, check_demo_database, seed_demo_users
from records.identity import start_import
from resources.clock import LOCAL_TZ
from resources.geography import default_geography
from resources.numbers import sv_number
from resources.os_errors import os_error_text
from resources.vocabulary import Role

DEMO_COUNT = 500_000
DEMO_SEED = 2026


# A real register of Sweden has about 2.7 million addresses; a larger demo is a typing error (and gigabytes).
MAX_DEMO_COUNT = 5_000_000


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ad = sub.add_parser("addresses", help="adressregistret: import, sökning, fiktivt demoregister")
    ad_sub = ad.add_subparsers(dest="addresses_action", required=True)

    imp = ad_sub.add_parser("import", help="ersätt adressregistret med Lantmäteriets belägenhetsadresser "
                                           "(CSV, SWEREF 99 TM; allt eller inget)")
    imp.add_argument("file", type=Path, help="adressfilen (docs/address-register.md)")
    imp.add_argument("--places", type=Path, default=None,
                     help="ortnamnsfil (tätorter, småorter, platser) som importeras tillsammans med adresserna; "
                          "utan den har det nya registret inga ortnamn")
    add_auth_options(imp, token=True)
    imp.set_defaults(func=_import)

    search = ad_sub.add_parser("search", help="sök i adressregistret som konsolen gör")
    search.add_argument("text", help="t.ex. 'storg 12 ystad'")
    search.add_argument("--kommun", default=None, help="kommunens namn eller kommunkod; dess träffar först")
    search.add_argument("--limit", type=int, default=8, help="högst så många träffar (standard 8)")
    search.set_defaults(func=_search)

    demo = ad_sub.add_parser("demo", help="lägg in ett fiktivt demoregister (adresser runt kommunernas centrum), "
                                          "eller skriv det som importfiler")
    demo.add_argument("--count", type=int, default=DEMO_COUNT, help=f"antal adresser (standard {DEMO_COUNT})")
    demo.add_argument("--seed", type=int, default=DEMO_SEED, help=f"slumpfrö (standard {DEMO_SEED})")
    demo.add_argument("--if-missing", action="store_true",
                      help="gör ingenting om databasen redan har ett adressregister")
    demo.add_argument("--write-file", type=Path, default=None,
                      help="skriv registret som adressfil i importformatet i stället för att lägga in det")
    demo.add_argument("--places-file", type=Path, default=None,
                      help="med --write-file: skriv även ortnamnen som ortnamnsfil")
    add_auth_options(demo)
    demo.set_defaults(func=_demo)

    info = ad_sub.add_parser("info", help="vilket adressregister databasen har: källa, antal, fiktivt, när")
    info.set_defaults(func=_info)


def _import(args: argparse.Namespace) -> int:
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    with transaction(factory) as session:  # refused before minutes of reading, not after
        start_import(session, actor, IMPORT_ACTION, "importera adressregistret")
    started = time.perf_counter()
    problems: list[RegisterFileError] = []
    addresses: list[RegisterAddress] = []
    places: list[RegisterPlace] = []
    try:
        addresses = read_address_file(args.file)
    except RegisterFileError as exc:
        problems.append(exc)
    if args.places is not None:
        try:
            places = read_place_file(args.places)
        except RegisterFileError as exc:
            problems.append(exc)
    if problems:
        print("\n".join(str(p) for p in problems), file=sys.stderr)
        return 2
    read_s = time.perf_counter() - started
    source = args.file.name + (f" + {args.places.name}" if args.places is not None else "")
    stored = _store(factory, actor, addresses, places, source=source, fictitious=False, action=IMPORT_ACTION,
                    detail={"file": str(args.file), "places_file": str(args.places) if args.places else None})
    if not stored:
        return 1
    print(f"Importerade {sv_number(len(addresses))} adresser och {sv_number(len(places))} ortnamn från {source} "
          f"({sv_number(time.perf_counter() - started, 1)} s, varav inläsning och kontroll "
          f"{sv_number(read_s, 1)} s); det tidigare registret är ersatt.")
    return 0


def _store(factory: sessionmaker[Session], actor: Actor, addresses: list[RegisterAddress],
           places: list[RegisterPlace], *, source: str, fictitious: bool, action: str, detail: dict[str, object]) \
        -> bool:
    """Replace the register in one transaction; a database refusal is told in Swedish (the old register stays)."""
    try:
        with transaction(factory, bound=None) as session:  # seconds at half a million rows
            replace_register(session, actor, addresses, places, source=source, fictitious=fictitious,
                             action=action, **detail)
    except DBAPIError as exc:
        print(f"Databasen tog inte emot registret: {getattr(exc, 'orig', None) or exc}\n"
              "Inget ändrades; det tidigare adressregistret finns kvar.", file=sys.stderr)
        return False
    return True


def _search(args: argparse.Namespace) -> int:
    kommun = None
    if args.kommun is not None:
        kommun = _kommun_name(args.kommun)
        if kommun is None:
            print(f"Okänd kommun '{args.kommun}': ange en av Skånes kommuner med namn eller kommunkod "
                  "(t.ex. Ystad eller 1286).", file=sys.stderr)
            return 2
    if args.limit < 1:
        print("--limit ska vara minst 1.", file=sys.stderr)
        return 2
    _, factory = open_database()
    with transaction(factory, bound=None) as session:
        register = load_register(session)
    if register is None or not (register.addresses or register.places):
        print("Inget adressregister importerat: kör `main.py addresses import FIL` (eller `main.py addresses demo` "
              "för ett fiktivt).", file=sys.stderr)
        return 1
    from resources.location.address_index import AddressIndex  # seconds to build: only for this command

    index = AddressIndex.build(register.addresses, register.places)
    hits = index.search(args.text, kommun=kommun, limit=args.limit)
    if register.fictitious:
        print("(Fiktivt demoregister – inga verkliga adresser.)", file=sys.stderr)
    if not hits:
        print(f"Inga träffar för '{args.text}'.", file=sys.stderr)
        return 1
    for hit in hits:
        kind = "" if hit.kind == "address" else f" [{hit.kind}]"
        print(f"{hit.label}{kind}\t{hit.kommun}\t{hit.lat:.6f}, {hit.lon:.6f}")
    return 0


def _kommun_name(text: str) -> str | None:
    geography = default_geography()
    by_code = geography.kommun_by_code(text.strip())
    if by_code is not None:
        return by_code.name
    return next((k.name for k in geography.kommuner if k.name.casefold() == text.strip().casefold()), None)


def _demo(args: argparse.Namespace) -> int:
    from resources.location.demo_register import FICTITIOUS_SOURCE, generate_demo_register  # only for this command

    if args.count < 1 or args.count > MAX_DEMO_COUNT:
        print(f"--count ska vara mellan 1 och {sv_number(MAX_DEMO_COUNT)}.", file=sys.stderr)
        return 2
    if not 0 <= args.seed < 2**32:
        print(f"--seed ska vara ett heltal mellan 0 och {2**32 - 1}.", file=sys.stderr)
        return 2
    if (args.write_file is not None and args.places_file is not None
            and args.write_file.resolve() == args.places_file.resolve()):
        print("--write-file och --places-file måste vara olika filer (ortnamnen skulle skriva över adresserna).",
              file=sys.stderr)
        return 2
    if args.places_file is not None and args.write_file is None:
        print("--places-file hör till --write-file (ortnamnen skrivs bredvid adressfilen).", file=sys.stderr)
        return 2
    if args.write_file is not None:
        return _write_demo_files(args)
    _, factory = open_database()
    with transaction(factory) as session:
        info = register_info(session)
    if info is not None and args.if_missing:
        print(f"Adressregistret finns redan ({info.source}, {sv_number(info.addresses)} adresser); inget ändrades.")
        return 0
    if info is not None and not info.fictitious:
        print(f"Databasen har ett riktigt adressregister ({info.source}, {sv_number(info.addresses)} adresser); "
              "demoregistret ersätter det inte. Importera i stället med `main.py addresses import`.", file=sys.stderr)
        return 1
    actor = _demo_actor(factory, args)
    if actor is None:
        return 1
    started = time.perf_counter()
    addresses, places = register_rows(*generate_demo_register(count=args.count, seed=args.seed))
    generated_s = time.perf_counter() - started
    source = f"{FICTITIOUS_SOURCE}, frö {args.seed}"
    if not _store(factory, actor, addresses, places, source=source, fictitious=True, action=DEMO_ACTION,
                  detail={"seed": args.seed, "count": args.count}):
        return 1
    print(f"Lade in ett fiktivt demoregister: {sv_number(len(addresses))} adresser och {sv_number(len(places))} "
          f"ortnamn ({sv_number(time.perf_counter() - started, 1)} s, varav generering {sv_number(generated_s, 1)} s). "
          "Inga verkliga adresser.")
    return 0


def _demo_actor(factory: sessionmaker[Session], args: argparse.Namespace) -> Actor | None:
    """An administrator named with --user; without it the demo's own administrator, on a demo database only."""
    if args.user is not None:
        return cli_actor(factory, args, Role.ADMIN)
    try:
        with transaction(factory) as session:
            check_demo_database(session)
            seed_demo_users(session)
    except NotADemoDatabase:
        print("Databasen har riktiga användare: ange en administratör med --user (lösenordet frågas efter). "
              "Utan --user läggs demoregistret bara in i en demodatabas.", file=sys.stderr)
        return None
    return cli_demo_actor(factory, Role.ADMIN)


def _write_demo_files(args: argparse.Namespace) -> int:
    from resources.location.demo_register import generate_demo_register

    started = time.perf_counter()
    addresses, places = register_rows(*generate_demo_register(count=args.count, seed=args.seed))
    try:
        written = write_address_file(args.write_file, addresses)
        if args.places_file is not None:
            write_place_file(args.places_file, places)
    except OSError as exc:
        print(f"Filen kan inte skrivas: {exc.filename or ''} {os_error_text(exc)}".strip(), file=sys.stderr)
        return 2
    print(f"Skrev {sv_number(written)} fiktiva adresser till {args.write_file}"
          + (f" och {sv_number(len(places))} ortnamn till {args.places_file}" if args.places_file else "")
          + f" ({sv_number(time.perf_counter() - started, 1)} s). Inga verkliga adresser.")
    return 0


def _info(args: argparse.Namespace) -> int:
    _, factory = open_database()
    with transaction(factory) as session:
        info = register_info(session)
    if info is None:
        print("Inget adressregister importerat (positionen blir kommunens centrum). Importera med "
              "`main.py addresses import FIL`, eller lägg in ett fiktivt med `main.py addresses demo`.")
        return 0
    at = info.imported_at.astimezone(LOCAL_TZ)
    print(f"Källa: {info.source}")
    print("Slag: fiktivt demoregister – inga verkliga adresser" if info.fictitious else "Slag: riktigt register")
    print(f"Adresser: {sv_number(info.addresses)}")
    print(f"Ortnamn: {sv_number(info.places)}")
    print(f"Importerat: {at:%Y-%m-%d %H:%M} av {info.imported_by or 'okänd användare'}")
    return 0
