"""Subcommands of this package (registered by larmcentral_cli): outcomes, follow-ups, report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from records.actor import NotPermitted
from records.cases import CaseNotFound
from records.cli_auth import add_auth_options, cli_actor
from records.db import transaction
from resources.vocabulary import Role

if TYPE_CHECKING:
    from outcomes.stats import TeamStats

PLAN_ANSWERS = {"ja": "yes", "nej": "no", "ej_tillampligt": "not_applicable"}  # --plan-followed, in Swedish


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    oc = sub.add_parser("outcomes", help="utfall: avsluta ärenden, importera senare fakta, statistik, regelförslag")
    oc_sub = oc.add_subparsers(dest="outcomes_action", required=True)

    codes = oc_sub.add_parser("codes", help="visa utfallskoderna")
    codes.set_defaults(func=_codes)

    imp = oc_sub.add_parser("import", help="importera senare fakta från CSV (arende;faktum;datum), allt eller inget; "
                            "tar sedan fram de regeländringsförslag utfallen kräver")
    imp.add_argument("file", type=Path)
    add_auth_options(imp, token=True)
    imp.set_defaults(func=_import)

    close = oc_sub.add_parser("close", help="registrera utfall och avsluta ett ärende")
    close.add_argument("case_id", type=int)
    close.add_argument("code", help="utfallskod (se 'outcomes codes')")
    close.add_argument("--destination", help="akutmottagning (AKM_...) för transported_ed")
    close.add_argument("--note")
    close.add_argument("--correct", action="store_true", help="rätta ett redan registrerat utfall")
    close.add_argument("--plan-followed", choices=sorted(PLAN_ANSWERS),
                       help="följdes patientens vårdplan? (patienter med en gällande plan)")
    close.add_argument("--plan-reason", help="varför planen inte följdes (med --plan-followed nej)")
    add_auth_options(close)
    close.set_defaults(func=_close)

    st = oc_sub.add_parser("stats", help="utfall per ändpunkt och resurstyp med 95 %% konfidensintervall")
    st.add_argument("--from", dest="date_from", type=date.fromisoformat)
    st.add_argument("--to", dest="date_to", type=date.fromisoformat)
    st.add_argument("--resource-types", action="store_true", help="per resurstyp i stället för ändpunkt")
    st.add_argument("--teams", action="store_true", help="per team: inskrivna patienters samtal som slutade hemma, "
                                                         "på akuten eller inlagda, och om planen följdes")
    add_auth_options(st)  # small groups can point to one person: signed in (any role), audited
    st.set_defaults(func=_stats)

    pr = oc_sub.add_parser("proposals", help="regeländringsförslag: ta fram, lista, godkänn, avslå")
    pr_sub = pr.add_subparsers(dest="proposals_action", required=True)
    draft = pr_sub.add_parser("draft", help="ta fram förslag ur utfallen (ändrar inga regler)")
    draft.add_argument("--from", dest="date_from", type=date.fromisoformat)
    draft.add_argument("--to", dest="date_to", type=date.fromisoformat)
    add_auth_options(draft, token=True)
    draft.set_defaults(func=_draft)
    lst = pr_sub.add_parser("list", help="lista förslag")
    lst.add_argument("--status", default="open", choices=["open", "accepted", "rejected", "all"])
    lst.set_defaults(func=_list_proposals)
    acc = pr_sub.add_parser("accept", help="godkänn (RLS-läkare): skriver en ny regelverksversion")
    acc.add_argument("proposal_id", type=int)
    add_auth_options(acc)
    acc.add_argument("--comment", default="")
    acc.set_defaults(func=_accept)
    rej = pr_sub.add_parser("reject", help="avslå (RLS-läkare) med motivering")
    rej.add_argument("proposal_id", type=int)
    rej.add_argument("--reason", required=True)
    add_auth_options(rej)
    rej.set_defaults(func=_reject)

    fu = sub.add_parser("followups", help="telefonuppföljningar i förfallotid, försenade markerade")
    fu.add_argument("--all", action="store_true", help="även genomförda")
    fu.add_argument("--overdue", action="store_true", help="bara försenade")
    add_auth_options(fu)
    fu.set_defaults(func=_followups)

    rep = sub.add_parser("report", help="kvalitetsrapport som PDF och CSV")
    rep.add_argument("--from", dest="date_from", type=date.fromisoformat, required=True, help="ÅÅÅÅ-MM-DD")
    rep.add_argument("--to", dest="date_to", type=date.fromisoformat, required=True, help="ÅÅÅÅ-MM-DD (inklusive)")
    rep.add_argument("--out", type=Path, required=True, help="katalog för rapportfilerna")
    add_auth_options(rep)  # small groups can point to one person: signed in (any role), audited
    rep.set_defaults(func=_report)


def _db() -> sessionmaker[Session]:
    from records.db import open_database

    _, factory = open_database()
    return factory


def _codes(args: argparse.Namespace) -> int:
    from outcomes.codes import OutcomeCode, ed_codes

    for c in OutcomeCode:
        print(f"{c.value:<20} {c.label}  [{c.group.label}]")
    print("\nAkutmottagningar (destination för transported_ed): " + ", ".join(ed_codes()))
    return 0


def _import(args: argparse.Namespace) -> int:
    from outcomes.importer import LaterFactImportError, import_later_facts
    factory = _db()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory, bound=None) as session:
            summary = import_later_facts(session, actor, args.file)
    except LaterFactImportError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Importerade {summary.added} nya fakta från {args.file} ({summary.already_known} fanns redan).")
    return _draft_after_import(factory)


def _draft_after_import(factory: sessionmaker[Session]) -> int:
    """New facts (admitted, died) change the outcome statistics: draft the proposals they call for
    now, so nobody has to remember `outcomes proposals draft` (idempotent: no duplicates)."""
    from outcomes.system_jobs import analysis_actor, draft_proposals_once

    with transaction(factory) as session:
        new = draft_proposals_once(session, analysis_actor(session))
    for p in new:
        print(f"Nytt regeländringsförslag {p.id}: {p.description}")
    if new:
        print(f"{len(new)} nya förslag i RLS-läkarnas kö.")
    return 0


def _close(args: argparse.Namespace) -> int:
    from commands import CorrectOutcome, RecordOutcome, run  # composition root: the CLI writes through commands
    from outcomes.closing import OutcomeError, OutcomeView
    factory = _db()
    actor = cli_actor(factory, args, None)
    try:
        plan = PLAN_ANSWERS.get(args.plan_followed) if args.plan_followed else None
        if args.correct:
            if plan or args.plan_reason:
                print("Svaret om planen registreras med utfallet; en rättelse behåller det.", file=sys.stderr)
                return 2
            cmd: CorrectOutcome | RecordOutcome = CorrectOutcome(case_id=args.case_id, code=args.code,
                                                                 destination=args.destination, note=args.note)
        else:
            cmd = RecordOutcome(case_id=args.case_id, code=args.code, destination=args.destination, note=args.note,
                                plan_followed=plan, plan_reason=args.plan_reason)  # type: ignore[arg-type]
        view = run(factory, actor, cmd)
        assert isinstance(view, OutcomeView)
    except (OutcomeError, CaseNotFound, NotPermitted, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Ärende {view.case_id}: {view.code.label}" + (f" ({view.destination})" if view.destination else "")
          + " – avslutat.")
    return 0


def _bounds(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from outcomes.report import period_bounds

    if args.date_from and args.date_to:
        return period_bounds(args.date_from, args.date_to)
    return None, None


def _stats(args: argparse.Namespace) -> int:
    from outcomes.stats import outcome_statistics
    from records.audit import audit

    factory = _db()
    actor = cli_actor(factory, args, None)
    with transaction(factory) as session:
        st = outcome_statistics(session, *_bounds(args))
        audit(session, actor, "stats.run", None, date_from=args.date_from, date_to=args.date_to,
              grouping="teams" if args.teams else "resource_types" if args.resource_types else "endpoints")
    if args.teams:
        _print_teams(st.teams)
        return 0
    groups = st.resource_types if args.resource_types else st.endpoints
    print(f"{'grupp':<34} {'n':>5}  {'transporterad':<22} {'lämnad hemma':<22} {'återkontakt':<22} signaler")
    for g in groups:
        print(f"{g.label[:34]:<34} {g.n:>5}  {g.conveyed.text():<22} {g.left_at_home.text():<22} "
              f"{g.recontact.text():<22} {', '.join(s.label for s in g.signals) or ('–' if g.enough_cases else f'(n < {st.min_cases})')}")
    return 0


def _print_teams(teams: Sequence[TeamStats]) -> None:
    print(f"{'team':<34} {'n':>5}  {'hemma':<22} {'akutmottagning':<22} {'inlagd':<22} planen följd")
    for t in teams:
        print(f"{t.team[:34]:<34} {t.n:>5}  {t.at_home.text():<22} {t.emergency_department.text():<22} "
              f"{t.admitted.text():<22} {t.plan_followed.text()}")
    if not teams:
        print("Inga avslutade ärenden för patienter i ett mobilt team eller ASIH under perioden.")


def _draft(args: argparse.Namespace) -> int:
    """Drafted by whoever signed in: a person (--user and password), or system.utfall with its service token."""
    from outcomes.proposals import draft_proposals
    from outcomes.stats import outcome_statistics
    from outcomes.system_jobs import ANALYSIS_USER, SYSTEM_USERS
    from records.identity import JOB, verify_actor
    from resources.settings import load_settings

    token = args.user is None and (args.token_file or load_settings().token_file) is not None
    if not token and not args.password_stdin and not sys.stdin.isatty():
        print("Regelförslag tas fram av en inloggad användare (--user NAMN, lösenordet frågas efter eller läses med "
              f"--password-stdin) eller av systemanvändaren {ANALYSIS_USER} med dess tjänstenyckel (--token-file FIL "
              f"eller LARMCENTRAL_TOKEN_FILE; skapas med `main.py users token create {ANALYSIS_USER}`).",
              file=sys.stderr)
        return 2
    factory = _db()
    actor = cli_actor(factory, args, None)
    if actor.username in SYSTEM_USERS and actor.username != ANALYSIS_USER:
        print(f"Tjänstenyckeln hör till {actor.username}; regelförslag tas fram med {ANALYSIS_USER}s nyckel.",
              file=sys.stderr)
        return 1
    with transaction(factory) as session:
        session.info[JOB] = "proposals.draft"  # system.utfall's one job (records.identity.SYSTEM_JOBS)
        actor = verify_actor(session, actor)
        new = draft_proposals(session, actor, outcome_statistics(session, *_bounds(args)))
    for p in new:
        print(f"Förslag {p.id}: {p.description} {p.evidence['reason']}")
    print(f"{len(new)} nya förslag i RLS-läkarnas kö.")
    return 0


def _list_proposals(args: argparse.Namespace) -> int:
    from outcomes.proposals import list_proposals

    factory = _db()
    with transaction(factory) as session:
        rows = list_proposals(session, None if args.status == "all" else args.status)
    for p in rows:
        print(f"{p.id:>4} [{p.status}] {p.ruleset_version} {p.description} {p.evidence.get('reason', '')}")
    return 0


def _accept(args: argparse.Namespace) -> int:
    from commands import AcceptProposal, run
    from outcomes.proposals import Decision, ProposalError
    from triage_rules.loader import RuleSetError

    factory = _db()
    actor = cli_actor(factory, args, Role.PHYSICIAN)
    try:
        d = run(factory, actor, AcceptProposal(proposal_id=args.proposal_id, comment=args.comment))
        assert isinstance(d, Decision)
    except (ProposalError, NotPermitted, RuleSetError) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Förslag {args.proposal_id} godkänt. Nytt regelverk {d.new_version}: {d.path}")
    print("\n".join(d.diff))
    return 0


def _reject(args: argparse.Namespace) -> int:
    from commands import RejectProposal, run
    from outcomes.proposals import ProposalError
    factory = _db()
    actor = cli_actor(factory, args, Role.PHYSICIAN)
    try:
        run(factory, actor, RejectProposal(proposal_id=args.proposal_id, reason=args.reason))
    except (ProposalError, NotPermitted) as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Förslag {args.proposal_id} avslaget.")
    return 0


def _followups(args: argparse.Namespace) -> int:
    from outcomes.followup import followup_queue
    factory = _db()
    actor = cli_actor(factory, args, None)
    with transaction(factory) as session:
        items = followup_queue(session, actor, include_done=args.all, overdue_only=args.overdue)
    if not items:
        print("Inga telefonuppföljningar.")
    for i in items:
        mark = "FÖRSENAD " if i.overdue else ""
        print(f"{mark}{i.due_at:%Y-%m-%d %H:%M} UTC  uppföljning {i.id}  ärende {i.case_id}  "
              f"{i.patient_name or i.personnummer or '-'}  tel {i.callback_phone or '-'}  {i.reason_label}"
              + (f"  [{i.result.label}]" if i.result else ""))
    return 0


def _report(args: argparse.Namespace) -> int:
    from outcomes.report import quality_figures
    from outcomes.report_writer import write_report
    from records.audit import audit

    if args.date_to < args.date_from:
        print(f"--to ({args.date_to}) är före --from ({args.date_from}).", file=sys.stderr)
        return 2
    factory = _db()
    actor = cli_actor(factory, args, None)
    with transaction(factory) as session:
        figures = quality_figures(session, args.date_from, args.date_to)
        audit(session, actor, "report.run", None, date_from=args.date_from, date_to=args.date_to,
              cases=figures.n_cases)
    paths = write_report(figures, args.out)
    print(f"Kvalitetsrapport {args.date_from} – {args.date_to}: {figures.n_cases} ärenden.")
    for p in paths:
        print(f"  {p}")
    return 0
