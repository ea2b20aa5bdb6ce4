"""`main.py rules evaluate`: the rule set measured against the expert vignettes (outcomes/acceptance.py).

Registered under the `rules` command that triage_rules.cli creates; it lives here because it runs the
recommendation too (dispatch), which triage_rules may not import."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from outcomes.acceptance import (
    DEFAULT_ANSWERS,
    DEFAULT_VIGNETTES,
    AcceptanceError,
    evaluate,
    load_answers,
    load_vignettes,
    report,
    totals,
)
from resources.datafile import DataFileError
from triage_rules.loader import RuleSetError, resolve_ruleset


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rules = sub.choices["rules"]
    rsub = next(a for a in rules._actions if isinstance(a, argparse._SubParsersAction))
    ev = rsub.add_parser("evaluate", help="mät regelverket mot expertvinjetterna (under-/övertriage, resurs)",
                         description="Spelar upp varje vinjett genom triagemotorn och resursrekommendationen "
                                     "(standardflottan, vinjettens veckodag, tid och kommun) och skriver "
                                     "undertriage, övertriage, rätt prioritet och rätt toppresurs per vinjett "
                                     "och totalt. Slutkod 1 om något mål inte nås.")
    ev.add_argument("--ruleset", metavar="FIL|VERSION", help="regelfil eller version (standard: senaste)")
    ev.add_argument("--vignettes", type=Path, default=DEFAULT_VIGNETTES, metavar="FIL",
                    help="vinjetterna (standard: tests/clinical/acceptance.yaml)")
    ev.add_argument("--answers", type=Path, default=DEFAULT_ANSWERS, metavar="FIL",
                    help="svarsmanusen (standard: tests/clinical/answers.yaml)")
    ev.add_argument("--only", metavar="ID", nargs="+", help="bara dessa vinjetter, t.ex. A04 A17")
    ev.add_argument("--unanswered", choices=["fel", "vet-ej", "nej"], default="fel",
                    help="en fråga som svarsmanuset inte svarar på: fel (standard), eller besvara den med vet ej "
                         "eller nej – bara för en grov jämförelse med en version vars frågor manusen inte känner")
    ev.add_argument("-v", "--verbose", action="store_true", help="skriv triagens skäl under varje vinjett")
    ev.set_defaults(func=_evaluate)


def _evaluate(args: argparse.Namespace) -> int:
    try:
        ruleset = resolve_ruleset(args.ruleset)
        vignettes = load_vignettes(args.vignettes)
        answers = load_answers(args.answers)
    except (RuleSetError, DataFileError, AcceptanceError) as exc:
        print(f"Fel: {exc}", file=sys.stderr)
        return 2
    if args.only:
        wanted = set(args.only)
        vignettes = [v for v in vignettes if v.id in wanted]
    unanswered = {"fel": None, "vet-ej": "vet ej", "nej": "nej"}[args.unanswered]
    outcomes = evaluate(ruleset, vignettes, answers, unanswered=unanswered)
    print("\n".join(report(outcomes, ruleset.version, verbose=args.verbose)))
    return 0 if totals(outcomes).goals_met else 1
