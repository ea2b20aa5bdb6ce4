"""`main.py recommend`: the ranked recommendation for a case file, as JSON (docs/recommendation.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from dispatch.case_input import load_case_file
from dispatch.fleet_view import FleetSnapshot, default_snapshot, load_fleet_state
from dispatch.recommend import recommend
from resources.clock import LOCAL_TZ
from resources.datafile import DataFileError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("recommend", help="Rekommendera lägsta tillräckliga resurs för ett ärende (JSON)",
                       description="Skriver den rangordnade resursrekommendationen med skäl som JSON. "
                                   "Formaten beskrivs i docs/recommendation.md.")
    p.add_argument("case_file", nargs="?", metavar="CASE.json", help="ärendet (som --case); '-' läser det från "
                                                                     "standard in, t.ex. från main.py triage")
    p.add_argument("--case", metavar="CASE.json", help="ärendet: prioritet, vårdbehov, kommun (position och "
                                                       "patientkontext om de finns); utskriften från main.py triage "
                                                       "duger")
    p.add_argument("--fleet", metavar="FLEET.json", help="flottans läge (utan: standardflottan, alla lediga "
                                                         "på station)")
    p.add_argument("--at", metavar="ISO-TID", help="tidpunkt, t.ex. 2026-03-14T22:00 (svensk tid om ingen "
                                                   "tidszon anges; utan: ärendets 'at', annars nu)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    source = args.case or args.case_file
    if not source or (args.case and args.case_file):
        print("Fel: ange ärendet en gång: --case FIL, FIL, eller '-' för standard in.", file=sys.stderr)
        return 2
    try:
        given = _parse_at(args.at) if args.at else None
        if source == "-":
            loaded = load_case_file(Path("standard in"), text=sys.stdin.read())
        else:
            loaded = load_case_file(source)
        snapshot = FleetSnapshot(load_fleet_state(args.fleet)) if args.fleet else default_snapshot()
    except (DataFileError, ValueError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    at = given or loaded.at or datetime.now(LOCAL_TZ)
    result = recommend(loaded.case, snapshot, at)
    print(result.model_dump_json(indent=2))
    return 0


def _parse_at(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--at: {value!r} är ingen ISO-tid (t.ex. 2026-03-14T22:00)") from None
