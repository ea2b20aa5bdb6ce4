"""`main.py careplans set-plan/remove-plan/set-limitation/remove-limitation/set-order/remove-order`: an
administrator's edits of one patient's own plan between two nightly imports (docs/care-plan-import.md), each through
its command (commands/care_plans.py): signed in, checked, audited, idempotent. Added to records.care_plan_cli's
`careplans`. Kinds are written as in the import file (`ej_hlr`, `ring_teamet` …)."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from pydantic import ValidationError

from commands.care_plans import (
    RemoveCarePlan,
    RemoveStandingOrder,
    RemoveTreatmentLimitation,
    SetCarePlan,
    SetStandingOrder,
    SetTreatmentLimitation,
)
from commands.runner import run
from records.care_plan_import import code_of
from records.care_plans import CarePlanChange, CarePlanInput, LimitationInput, StandingOrderInput
from records.cli_auth import add_auth_options, cli_actor
from records.db import open_database
from resources.care_plan import IMPORT_CODES, LimitationKind, PlanItem, PlanItemKind, parse_hours
from resources.datafile import swedish_message
from resources.vocabulary import Role

_OPTIONS = {"personnummer": "PERSONNUMMER", "team": "--team", "author": "--author", "written_on": "--written",
            "valid_until": "--valid-until", "free_text": "--text", "decided_by": "--decided-by",
            "decided_on": "--decided", "documented_in": "--documented-in", "note": "--text", "text": "--text"}
_CHANGES = {"created": "inlagd", "updated": "ändrad", "removed": "borttagen"}
_ENTRIES = {"plan": "Vårdplanen", "limitation": "Behandlingsbegränsningen", "standing_order": "Ordinationen"}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' är inget datum (ÅÅÅÅ-MM-DD)") from None


def _limitation_kind(text: str) -> LimitationKind:
    kind = IMPORT_CODES.get(code_of(text))
    if not isinstance(kind, LimitationKind):
        codes = ", ".join(c for c, k in IMPORT_CODES.items() if isinstance(k, LimitationKind))
        raise argparse.ArgumentTypeError(f"'{text}' är ingen behandlingsbegränsning ({codes})")
    return kind


def _item(text: str) -> PlanItem:
    """`SLAG[@TIDER]=TEXT`, e.g. `ring_teamet@08-17=Ring teamet dagtid`."""
    head, sep, words = text.partition("=")
    code, _, hours = head.partition("@")
    kind = IMPORT_CODES.get(code_of(code))
    if not sep or not isinstance(kind, PlanItemKind):
        codes = ", ".join(c for c, k in IMPORT_CODES.items() if isinstance(k, PlanItemKind))
        raise argparse.ArgumentTypeError(f"'{text}': skriv SLAG[@TIDER]=TEXT, SLAG ett av {codes}")
    try:
        start, end = parse_hours(hours) if hours else (None, None)
        return PlanItem(kind=kind, text=words.strip(), hours_from=start, hours_to=end)
    except ValidationError as exc:
        raise argparse.ArgumentTypeError(f"'{text}': {swedish_message(exc.errors()[0])}") from None
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    careplans = sub.choices["careplans"]
    cp = next(a for a in careplans._actions if isinstance(a, argparse._SubParsersAction))

    def edit(name: str, help_text: str, func_name: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = cp.add_parser(name, help=f"{help_text} (administratör; gäller till nästa "
                                                                   "import)")
        parser.add_argument("personnummer", metavar="PERSONNUMMER")
        add_auth_options(parser)
        parser.set_defaults(func=_guarded, edit=func_name)
        return parser

    sp = edit("set-plan", "lägg in eller ersätt ett teams vårdplan", "set_plan")
    sp.add_argument("--team", required=True, help="teamet som i flottfilens affiliation, t.ex. 'ASIH Lund'")
    sp.add_argument("--author", required=True, help="vem som skrev planen")
    sp.add_argument("--written", type=_day, required=True, metavar="ÅÅÅÅ-MM-DD", help="när planen skrevs")
    sp.add_argument("--valid-until", type=_day, required=True, metavar="ÅÅÅÅ-MM-DD", help="sista giltiga dag")
    sp.add_argument("--item", type=_item, action="append", default=[], metavar="SLAG[@TIDER]=TEXT",
                    help="en åtgärd vid försämring (kan upprepas), t.ex. ring_teamet@08-17='Ring teamet dagtid'")
    sp.add_argument("--text", default="", help="planens fritext")
    rp = edit("remove-plan", "ta bort ett teams vårdplan", "remove_plan")
    rp.add_argument("--team", required=True)
    sl = edit("set-limitation", "lägg in eller ersätt en behandlingsbegränsning", "set_limitation")
    sl.add_argument("--kind", type=_limitation_kind, required=True, help="ej_hlr, ej_iva, ej_sjukhusvard, annan")
    sl.add_argument("--decided-by", required=True, help="läkaren som beslutade")
    sl.add_argument("--decided", type=_day, required=True, metavar="ÅÅÅÅ-MM-DD", help="när beslutet togs")
    sl.add_argument("--documented-in", required=True, help="var beslutet är dokumenterat")
    sl.add_argument("--text", default="", help="anteckning (krävs för annan)")
    rl = edit("remove-limitation", "ta bort en behandlingsbegränsning", "remove_limitation")
    rl.add_argument("--kind", type=_limitation_kind, required=True)
    so = edit("set-order", "lägg in en ordination i hemmet, eller ändra dess sista giltiga dag", "set_order")
    so.add_argument("--team", required=True)
    so.add_argument("--text", required=True, help="ordinationen, t.ex. 'IV-furosemid 40 mg'")
    so.add_argument("--valid-until", type=_day, required=True, metavar="ÅÅÅÅ-MM-DD")
    ro = edit("remove-order", "ta bort en ordination i hemmet", "remove_order")
    ro.add_argument("--team", required=True)
    ro.add_argument("--text", required=True)


def _command(args: argparse.Namespace) -> SetCarePlan | RemoveCarePlan | SetTreatmentLimitation | \
        RemoveTreatmentLimitation | SetStandingOrder | RemoveStandingOrder:
    pnr = args.personnummer
    if args.edit == "set_plan":
        return SetCarePlan(plan=CarePlanInput(personnummer=pnr, team=args.team, author=args.author,
                                              written_on=args.written, valid_until=args.valid_until,
                                              items=args.item, free_text=args.text))
    if args.edit == "remove_plan":
        return RemoveCarePlan(personnummer=pnr, team=args.team)
    if args.edit == "set_limitation":
        return SetTreatmentLimitation(limitation=LimitationInput(
            personnummer=pnr, kind=args.kind, decided_by=args.decided_by, decided_on=args.decided,
            documented_in=args.documented_in, note=args.text))
    if args.edit == "remove_limitation":
        return RemoveTreatmentLimitation(personnummer=pnr, kind=args.kind)
    if args.edit == "set_order":
        return SetStandingOrder(order=StandingOrderInput(personnummer=pnr, team=args.team, text=args.text,
                                                         valid_until=args.valid_until))
    return RemoveStandingOrder(personnummer=pnr, team=args.team, text=args.text)


def _guarded(args: argparse.Namespace) -> int:
    """The edit, or its refusal as the Swedish message with exit code 1 (never a traceback)."""
    try:
        cmd = _command(args)
    except ValidationError as exc:
        print("; ".join(f"{_OPTIONS.get(str(e['loc'][0]), e['loc'][0])}: {swedish_message(e)}" if e["loc"]
                        else swedish_message(e) for e in exc.errors()), file=sys.stderr)
        return 1
    _, factory = open_database()
    actor = cli_actor(factory, args, Role.ADMIN)
    try:
        change = run(factory, actor, cmd)
    except (LookupError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    assert isinstance(change, CarePlanChange)
    print(f"{_ENTRIES[change.entry]} ({change.key}) för {change.personnummer} är {_CHANGES[change.change]}. "
          "Gör samma ändring i källsystemet: nästa import ersätter den.")
    return 0
