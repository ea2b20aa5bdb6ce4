"""Subcommands for the palette, the fleet and the settings: check a region's files, export the default fleet,
print the table of LARMCENTRAL_* variables."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from resources.datafile import DataFileError
from resources.fleet import default_fleet, load_fleet, save_fleet
from resources.palette import default_palette, load_palette
from resources.paths import data_dir
from resources.settings import load_settings, markdown_table


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("palette", help="visa eller kontrollera resurspaletten")
    p.add_argument("--check", metavar="FIL", help="kontrollera en palettfil")
    p.set_defaults(func=_palette)

    f = sub.add_parser("fleet", help="kontrollera en flottfil eller exportera standardflottan")
    f.add_argument("--check", metavar="FIL", help="kontrollera en flottfil (JSON/YAML) mot paletten")
    f.add_argument("--export", metavar="FIL", help="skriv standardflottan som JSON (en utgångspunkt för regionens egen)")
    f.set_defaults(func=_fleet)

    s = sub.add_parser("settings", help="visa miljövariablerna (LARMCENTRAL_*) som en tabell i Markdown, "
                                        "eller kontrollera dem")
    s.add_argument("--check", action="store_true", help="kontrollera miljön: fel på stderr och kod 2, annars 'ok'")
    s.set_defaults(func=_settings, check_settings=False)  # the table is wanted most when a value is bad


def _palette(args: argparse.Namespace) -> int:
    try:
        palette = load_palette(args.check) if args.check else default_palette()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Palett {palette.version}: {len(palette.types)} resurstyper (lägst nivå först)")
    for t in palette.types:
        caps = ", ".join(sorted(c.label for c in t.capabilities))
        print(f"  {t.level:>2} {t.code:<12} {t.name:<34} {t.hours_label():<28} {caps}")
    return 0


def _fleet(args: argparse.Namespace) -> int:
    try:
        fleet = load_fleet(args.check) if args.check else default_fleet()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.export:
        save_fleet(fleet, args.export)
        print(f"Skrev {len(fleet.units)} enheter till {args.export}")
        return 0
    counts = Counter(u.type for u in fleet.units)
    print(f"{len(fleet.units)} enheter: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def _settings(args: argparse.Namespace) -> int:
    if args.check:
        load_settings()  # a SettingsError goes to larmcentral_cli.main: message on stderr, exit code 2
        data_dir()  # as every command does: a data directory that cannot be made is no "ok"
        print("ok: alla LARMCENTRAL_*-variabler är giltiga")
        return 0
    sys.stdout.write(markdown_table())
    return 0
