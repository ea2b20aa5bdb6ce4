"""`main.py recommend`: the ranked recommendation for a case file, as JSON (docs/recommendation.md)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from dispatch.case_input import load_case
from dispatch.fleet_view import FleetSnapshot, default_snapshot, load_fleet_state
from dispatch.recommend import recommend
from resources.clock import LOCAL_TZ
from resources.datafile import DataFileError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("recommend", help="Rekommendera lägsta tillräckliga resurs för ett ärende (JSON)",
                       description="Skriver den rangordnade resursrekommendationen med skäl som JSON. "
                                   "Formaten beskrivs i docs/recommendation.md.")
    p.add_argument("--case", required=True, metavar="CASE.json", help="ärendet: prioritet, vårdbehov, position, "
                                                                      "kommun och patientkontext")
    p.add_argument("--fleet", metavar="FLEET.json", help="flottans läge (utan: standardflottan, alla lediga "
                                                         "på station)")
    p.add_argument("--at", metavar="ISO-TID", help="tidpunkt, t.ex. 2026-03-14T22:00 (svensk tid om ingen "
                                                   "tidszon anges; utan: nu)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        at = _parse_at(args.at)
        case = load_case(args.case)
        snapshot = FleetSnapshot(load_fleet_state(args.fleet)) if args.fleet else default_snapshot()
    except (DataFileError, ValueError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    result = recommend(case, snapshot, at)
    print(result.model_dump_json(indent=2))
    return 0


def _parse_at(value: str | None) -> datetime:
    if not value:
        return datetime.now(LOCAL_TZ)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--at: {value!r} är ingen ISO-tid (t.ex. 2026-03-14T22:00)") from None
