"""Subcommands: `rules check|show|list|versions|diff` and `triage` (interactive or --answers).

`triage` writes its questions to stderr and only the result JSON to stdout, so it can be
driven through a pipe: `printf '1\\n2\\n...' | python main.py triage --complaint BRÖST`.
The result is a case (docs/recommendation.md "Case"): the triage result with the patient context, the
kommun and position when known and the call's time, so `... | python main.py recommend -` works.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO

from records.cli_auth import add_auth_options
from resources.datafile import DataFileError
from resources.numbers import sv_number
from resources.patient_context import PatientContext
from resources.vocabulary import Role
from triage_rules.engine import TriageSession
from triage_rules.loader import (
    RuleSetError,
    available_versions,
    diff_rulesets,
    load_ruleset,
    resolve_ruleset,
)
from triage_rules.recorded import load_recorded_call, run_recorded_call
from triage_rules.render import render_complaint
from triage_rules.results import QuestionView, TriageInputError, TriageResult
from triage_rules.schema import UNKNOWN, RuleSet
from triage_rules.validate import ruleset_warnings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    rules = sub.add_parser("rules", help="triageregler: kontrollera, visa, jämför versioner")
    rsub = rules.add_subparsers(dest="rules_action", required=True, metavar="ÅTGÄRD")
    check = rsub.add_parser("check", help="kontrollera regelfiler och rapportera alla fel på en gång")
    check.add_argument("files", nargs="+", type=Path, metavar="FIL")
    check.set_defaults(func=_check)
    show = rsub.add_parser("show", help="visa en kontaktorsaks beslutsträd läsbart")
    show.add_argument("complaint", metavar="KONTAKTORSAK", help="kod, t.ex. BRÖST")
    show.add_argument("--ruleset", metavar="FIL|VERSION", help="regelfil eller version (standard: senaste)")
    show.set_defaults(func=_show)
    lst = rsub.add_parser("list", help="lista kontaktorsaker")
    lst.add_argument("--ruleset", metavar="FIL|VERSION")
    lst.set_defaults(func=_list)
    ver = rsub.add_parser("versions", help="lista levererade regelverksversioner")
    ver.set_defaults(func=_versions)
    diff = rsub.add_parser("diff", help="skillnader mellan två regelverk (fil eller version)")
    diff.add_argument("old", metavar="GAMMAL")
    diff.add_argument("new", metavar="NY")
    diff.set_defaults(func=_diff)

    tri = sub.add_parser("triage", help="triagera ett samtal i terminalen, eller spela upp ett inspelat (--answers)",
                         formatter_class=argparse.RawDescriptionHelpFormatter, epilog=INTERACTIVE_KEYS)
    tri.add_argument("--answers", type=Path, metavar="FIL.json", help="inspelat samtal (se docs/triage-rules.md)")
    tri.add_argument("--ruleset", metavar="FIL|VERSION", help="regelfil eller version (standard: senaste)")
    tri.add_argument("--complaint", metavar="KOD", help="kontaktorsak (annars väljs den interaktivt)")
    tri.add_argument("--context", type=Path, metavar="FIL.json", help="patientkontext som JSON (PatientContext)")
    tri.add_argument("--now", metavar="ISO-TID", help="tidpunkt för samtalet (standard: nu)")
    tri.add_argument("--kommun", help="kommunen där patienten är (skrivs med resultatet, för main.py recommend)")
    tri.add_argument("--pnr", metavar="ÅÅÅÅMMDD-NNNN", help="patientens personnummer: kontexten hämtas ur "
                                                            "patientregistret och återkontakthistoriken som i "
                                                            "konsolen (inloggning krävs, loggas); det registret inte "
                                                            "vet frågas")
    add_auth_options(tri)
    tri.set_defaults(func=_triage)


INTERACTIVE_KEYS = """\
Interaktivt (utan --answers) svarar du med nummer eller värde, och när som helst i samtalet:
  !   röd flagga: listar de röda flaggorna (kontaktorsakens först); välj med nummer, id eller ett ord ur
      frågan (t.ex. 'kallsvett'). Prioriteten räknas om: triageringen slutar i flaggans Prio 1-ändpunkt.
      'b' tar tillbaka den senast registrerade flaggan.
  =   vitalparameter: t.ex. 'rr 28', 'spo2 86', 'avpu V'; 'rr -' tar bort värdet. Prioriteten räknas om.
  b   tillbaka en fråga (eller en röd flagga)
  q   avbryt samtalet utan resultat
Resultatet skrivs som JSON på stdout (frågorna på stderr), så det kan skickas vidare till main.py recommend -."""


# --- rules -------------------------------------------------------------------------------
def _check(args: argparse.Namespace) -> int:
    failed = False
    for path in args.files:
        try:
            rs = load_ruleset(path)
        except (RuleSetError, DataFileError) as exc:
            failed = True
            print(exc)
            continue
        for warning in ruleset_warnings(rs, str(path)):
            print(warning)
        endpoints = sum(len(c.endpoints) for c in rs.complaints)
        print(f"{path}: OK – regelverk {rs.version}, {len(rs.complaints)} kontaktorsaker, "
              f"{len(rs.red_flags)} röda flaggor, {endpoints} ändpunkter ({rs.status})")
    return 1 if failed else 0


def _load(ref: str | None) -> RuleSet | None:
    try:
        return resolve_ruleset(ref)
    except (RuleSetError, DataFileError) as exc:
        print(exc, file=sys.stderr)
        return None


def _show(args: argparse.Namespace) -> int:
    rs = _load(args.ruleset)
    if rs is None:
        return 1
    code = args.complaint.upper()
    if not rs.has_complaint(code):
        print(f"Okänd kontaktorsak '{args.complaint}'. Kända: {', '.join(c.code for c in rs.complaints)}",
              file=sys.stderr)
        return 1
    print(render_complaint(rs, code))
    return 0


def _list(args: argparse.Namespace) -> int:
    rs = _load(args.ruleset)
    if rs is None:
        return 1
    print(f"Regelverk {rs.version} ({rs.status})")
    for i, c in enumerate(rs.complaints, start=1):
        print(f"  {i:>2} {c.code:<8} {c.name}")
    return 0


def _versions(args: argparse.Namespace) -> int:
    for v in available_versions():
        print(v)
    return 0


def _diff(args: argparse.Namespace) -> int:
    old, new = _load(args.old), _load(args.new)
    if old is None or new is None:
        return 1
    lines = diff_rulesets(old, new)
    print(f"Skillnader {old.version} → {new.version}: {len(lines)}")
    for line in lines:
        print(f"  {line}")
    return 0


# --- triage ------------------------------------------------------------------------------
def _print_result(result: TriageResult, context: PatientContext, *, kommun: str | None = None,
                  lat: float | None = None, lon: float | None = None, at: datetime | None = None) -> None:
    """The result as a case for `main.py recommend` (docs/recommendation.md "Case"): the triage result's
    fields, the patient context, and the kommun, position and time of the call when known."""
    case = {**result.model_dump(mode="json"), "context": context.model_dump(mode="json", exclude_defaults=True)}
    case.update({k: v for k, v in (("kommun", kommun), ("lat", lat), ("lon", lon)) if v is not None})
    if at is not None:
        case["at"] = at.isoformat()
    print(json.dumps(case, ensure_ascii=False, indent=2))


def _triage(args: argparse.Namespace) -> int:
    if args.pnr and args.context:
        print("Ange antingen --pnr (patientregistret) eller --context (en fil), inte båda.", file=sys.stderr)
        return 1
    if args.answers is not None:
        return _triage_recorded(args)
    rs = _load(args.ruleset)
    if rs is None:
        return 1
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
        context = _register_context(args, now) if args.pnr else _read_context(args.context)
    except (DataFileError, ValueError) as exc:
        print(f"Fel i indata: {exc}", file=sys.stderr)
        return 1
    lines = _lines(sys.stdin)
    try:
        complaint = args.complaint.upper() if args.complaint else _choose_complaint(rs, lines)
        if not rs.has_complaint(complaint):
            print(f"Okänd kontaktorsak '{complaint}'.", file=sys.stderr)
            return 1
        result = _interactive(TriageSession(rs, complaint, context, now), lines)
    except EOFError:
        print("\nIndata tog slut innan triagen var klar.", file=sys.stderr)
        return 1
    if result is None:
        return 1
    _print_result(result, context, kommun=args.kommun, at=now)
    return 0


def _triage_recorded(args: argparse.Namespace) -> int:
    try:
        call = load_recorded_call(args.answers)
        if args.pnr:
            call = call.model_copy(update={"context": _register_context(args, call.now)})
        rs = resolve_ruleset(args.ruleset or call.ruleset)
        result = run_recorded_call(call, rs)
    except (DataFileError, TriageInputError, ValueError) as exc:
        print(f"{args.answers}: {exc}", file=sys.stderr)
        return 1
    _print_result(result, call.context, kommun=args.kommun or call.kommun, lat=call.lat, lon=call.lon, at=call.now)
    return 0


def _register_context(args: argparse.Namespace, now: datetime | None) -> PatientContext:
    """The context the console would use for this personnummer: the patient register and the recontact history
    (outcomes.call_context, the console's own path), read by the signed-in user and audited. What the register
    does not know is asked during the triage (register_known False), not counted as "nej"."""
    from outcomes.call_context import call_context
    from records.cli_auth import cli_actor, end_cli_sessions
    from records.db import open_database, transaction
    from records.personnummer import InvalidPersonnummer, normalise

    try:
        pnr = normalise(args.pnr)
    except InvalidPersonnummer as exc:
        raise ValueError(f"--pnr: {exc}") from None
    engine, factory = open_database()
    try:
        actor = cli_actor(factory, args, Role.NURSE)
        with transaction(factory) as session:
            context, match = call_context(session, actor, pnr, at=now, ask_unknown=True)
    finally:
        end_cli_sessions()  # signed in for the read only; the triage itself needs no database
        engine.dispose()
    if match is not None:
        _say(f"⚠ {match.summary()}")
    _say("Patientregistret: " + ("uppgifter hittade" if context.register_known else
                                 "patienten finns inte – kontextfrågorna ställs"))
    return context


def _read_context(path: Path | None) -> PatientContext:
    """The context file, or — without one — an unknown context: its questions are asked, not assumed "nej"."""
    if path is None:
        return PatientContext(register_known=False)
    from resources.datafile import load_model

    return load_model(path, PatientContext)


def _lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        yield line.strip()


def _ask(lines: Iterator[str], prompt: str) -> str:
    print(prompt, end="", file=sys.stderr, flush=True)
    try:
        return next(lines)
    except StopIteration:
        raise EOFError from None


def _choose_complaint(rs: RuleSet, lines: Iterator[str]) -> str:
    say = _say
    say(f"Regelverk {rs.version} – {rs.status}")
    for i, c in enumerate(rs.complaints, start=1):
        say(f"  {i:>2}. {c.name} ({c.code})")
    while True:
        text = _ask(lines, "Kontaktorsak (nummer eller kod): ")
        if text.isdigit() and 1 <= int(text) <= len(rs.complaints):
            return rs.complaints[int(text) - 1].code
        if rs.has_complaint(text.upper()):
            return text.upper()
        say(f"  Okänt val '{text}'.")


def _say(text: str = "") -> None:
    print(text, file=sys.stderr)


def _interactive(session: TriageSession, lines: Iterator[str]) -> TriageResult | None:
    _say(f"\n{session.complaint.name} ({session.complaint.code}). Svara med nummer eller värde; "
         "'b' = tillbaka, 'q' = avbryt, '!' = röd flagga, '=' = vitalparameter (när som helst).")
    while True:
        state = session.state()
        if state.done:
            assert state.result is not None
            _say(f"\nKlar: {state.result.priority.label}, ändpunkt {state.result.endpoint}")
            try:
                confirm = _ask(lines, "Enter = bekräfta, 'b' = tillbaka, '!' = röd flagga, '=' = vitalparameter: ")
            except EOFError:
                confirm = ""
            if confirm.lower() == "b":
                session.back()
                continue
            if _anytime(session, confirm, lines):
                continue
            return state.result
        q = state.next_question
        assert q is not None
        _say(f"\n[{state.provisional_priority.label}] {'RÖD FLAGGA: ' if q.red_flag else ''}{q.text}")
        if q.help:
            _say(f"  ({q.help})")
        if q.kind == "vital":
            bounds = f" ({sv_number(q.min)}–{sv_number(q.max)})" if q.min is not None and q.max is not None else ""
            _say(f"  Ange värdet i {q.unit}{bounds}, eller 'v' / 'vet ej'.")
        else:
            for i, o in enumerate(q.options, start=1):
                _say(f"  {i}. {o.label}")
        text = _ask(lines, "> ")
        if text.lower() == "q":
            _say("Avbrutet.")
            return None
        if text.lower() == "b":
            session.back()
            continue
        if _anytime(session, text, lines):
            continue
        try:
            session.answer(q.id, _interpret(q, text))
        except TriageInputError as exc:
            _say(f"  {exc}")


def _anytime(session: TriageSession, text: str, lines: Iterator[str]) -> bool:
    """'!' (list and raise a red flag) and '=' (take a vital sign), at any point of the call."""
    if text == "!":
        _red_flag_menu(session, lines)
        return True
    if text == "=":
        _say("  Vitalparametrar: rr (andningsfrekvens), spo2, pulse, sbp (systoliskt), temp, avpu (A/C/V/P/U), "
             "glucose; 'namn -' tar bort ett värde.")
        entry = _ask(lines, "Vitalparameter och värde (t.ex. 'rr 28'), Enter = avbryt: ").split()
        if len(entry) == 2:
            try:
                state = session.set_vital(entry[0].lower(), None if entry[1] == "-" else entry[1])
                news2 = f", NEWS2 {state.news2}" if state.news2 is not None else ""
                _say(f"  Registrerat{news2}; prioritet nu {state.provisional_priority.label}.")
            except TriageInputError as exc:
                _say(f"  {exc}")
        elif entry:
            _say("  Ange namn och värde, t.ex. 'rr 28'.")
        return True
    return False


def _red_flag_menu(session: TriageSession, lines: Iterator[str]) -> None:
    """'!': list the red flags, raise the chosen one (by number, id or a word of its question) and say what the
    priority is now — as the console's Ctrl+R does."""
    flags = session.available_red_flags()
    _say("  Röda flaggor (kan registreras när som helst; ger Prio 1):")
    for i, f in enumerate(flags, start=1):
        _say(f"  {i:>2}. {f.id} – {f.text}{'' if f.complaint else ' (allmän)'}{' [registrerad]' if f.raised else ''}")
    choice = _ask(lines, "Röd flagga (nummer, id eller ett ord ur frågan; Enter = avbryt): ").strip()
    if not choice:
        return
    if choice.isdigit():
        picked = [flags[int(choice) - 1]] if 1 <= int(choice) <= len(flags) else []
    else:
        picked = [f for f in flags if f.id.casefold() == choice.casefold()] or \
                 [f for f in flags if choice.casefold() in f.text.casefold()]
    if len(picked) != 1:
        _say(f"  Okänt val '{choice}'." if not picked else
             f"  '{choice}' passar flera röda flaggor ({', '.join(str(flags.index(f) + 1) for f in picked)}); "
             "ange numret.")
        return
    try:
        state = session.raise_red_flag(picked[0].id)
    except TriageInputError as exc:
        _say(f"  {exc}")
        return
    where = f", ändpunkt {state.result.endpoint}" if state.result is not None else ""
    _say(f"  Röd flagga registrerad: {picked[0].text} → prioritet nu {state.provisional_priority.label}{where} "
         "('b' tar tillbaka den).")


def _interpret(q: QuestionView, text: str) -> str:
    """A typed answer: an option number or the value itself ('v' = vet ej for a vital sign)."""
    if q.kind == "vital":
        return UNKNOWN if text.lower() == "v" else text
    if text.isdigit() and 1 <= int(text) <= len(q.options):
        return q.options[int(text) - 1].value
    return text
