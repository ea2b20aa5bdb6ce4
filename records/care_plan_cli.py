"""`main.py careplans import FILE` (the nightly export, docs/care-plan-import.md) and `main.py careplans show
PERSONNUMMER` (the patient's own plan, read and audited as the console reads it)."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from records.care_plan_import import CarePlanImportError, import_care_plans
from records.care_plans import care_plan_for
from records.cli_auth import add_auth_options, cli_actor
from records.db import open_database, transaction
from records.personnummer import InvalidPersonnummer
from resources.care_plan import CarePlanView
from resources.clock import LOCAL_TZ
from resources.datafile import DataFileError
from resources.fleet import default_fleet, load_fleet


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cp = sub.add_parser("careplans", help="patienternas egna planer: vårdplaner (vid försämring), "
                                          "behandlingsbegränsningar och ordinationer i hemmet")
    cp_sub = cp.add_subparsers(dest="careplans_action", metavar="ÅTGÄRD", required=True)
    imp = cp_sub.add_parser("import", help="importera nattens export (ersätter allt; allt eller inget)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--fleet", type=Path, help="flottfil att kontrollera teamnamnen mot (standard: standardflottan)")
    add_auth_options(imp, token=True)
    imp.set_defaults(func=_import)
    show = cp_sub.add_parser("show", help="visa patientens vårdplan, begränsningar och ordinationer (loggas)")
    show.add_argument("personnummer", metavar="PERSONNUMMER")
    show.add_argument("--date", type=_day, default=None,
                      help="dagen giltigheten bedöms för, ÅÅÅÅ-MM-DD (standard: i dag)")
    add_auth_options(show)
    show.set_defaults(func=_show)


def _import(args: argparse.Namespace) -> int:
    try:
        fleet = load_fleet(args.fleet) if args.fleet else default_fleet()
    except DataFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory, bound=None) as session:
            result = import_care_plans(session, actor, args.file, fleet=fleet)
    except CarePlanImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    manual = f" (varav {result.manual_replaced} inlagda för hand)" if result.manual_replaced else ""
    print(f"Importerade {result.plans} vårdplaner ({result.items} åtgärder vid försämring), {result.limitations} "
          f"behandlingsbegränsningar och {result.orders} ordinationer från {args.file}; de {result.replaced} "
          f"tidigare posterna{manual} är ersatta")
    for warning in result.warnings:
        print(f"Varning: {warning}", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory) as session:
            view = care_plan_for(session, actor, args.personnummer, today=args.date)
    except InvalidPersonnummer as exc:
        print(exc, file=sys.stderr)
        return 1
    print(care_plan_text(view))
    return 0


def care_plan_text(view: CarePlanView) -> str:
    """The view in Swedish, limitations first (what the nurse must not miss), each entry with its source and date."""
    if view.empty:
        return f"Registret har ingen vårdplan, behandlingsbegränsning eller ordination för {view.personnummer}."
    lines = [f"{view.personnummer}: patientens egna planer (giltighet bedömd {view.read_for})"]
    if view.limitations:
        lines.append("Behandlingsbegränsningar:")
        for lim in view.limitations:
            note = f" – {lim.note}" if lim.note else ""
            lines.append(f"  {lim.label.upper()}: beslutad av {lim.decided_by} {lim.decided_on}, dokumenterad i "
                         f"{lim.documented_in}{note}{_source(lim.source, lim.updated_at)}")
    for plan in view.plans:
        state = "UTGÅNGEN" if plan.expired else "gäller"
        lines.append(f"Vårdplan från {plan.team} ({state} till {plan.valid_until}), skriven {plan.written_on} av "
                     f"{plan.author}{_source(plan.source, plan.updated_at)}")
        if plan.items:
            lines.append("  Vid försämring:")
            for item in plan.items:
                hours = f" ({item.hours})" if item.hours else ""
                lines.append(f"    - {item.kind.label}{hours}: {item.text}")
        if plan.free_text:
            lines.append(f"  {plan.free_text}")
    if view.standing_orders:
        lines.append("Ordinationer i hemmet:")
        for order in view.standing_orders:
            state = "UTGÅNGEN" if order.expired else "gäller"
            lines.append(f"  {order.team}: {order.text} ({state} till {order.valid_until})"
                         f"{_source(order.source, order.updated_at)}")
    return "\n".join(lines)


def _source(source: str, updated_at: datetime) -> str:
    return f" [källa: {source}, {updated_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}]"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget datum (ÅÅÅÅ-MM-DD)") from None
