"""`main.py cases search TEXT` and `main.py cases timeline ID`: the console's Ctrl+F search and a case's timeline
on the command line, signed in like every other tool (records.cli_auth) and audited like the console's reads."""

from __future__ import annotations

import argparse
import sys

from records.case_search import CaseSearchError, SearchResult, search_cases
from records.case_timeline import CaseTimeline, case_timeline
from records.cases import CaseNotFound
from records.cli_auth import add_auth_options, cli_actor
from records.db import open_database, transaction


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    cs = sub.add_parser("cases", help="ärenden: sök (ärendenummer, personnummer, telefon, adress), visa händelseförlopp")
    cs_sub = cs.add_subparsers(dest="cases_action", metavar="ÅTGÄRD", required=True)
    se = cs_sub.add_parser("search", help="sök ärenden, öppna och avslutade, nyast först (loggas)")
    se.add_argument("text", metavar="TEXT", help="ärendenummer, personnummer (med eller utan sekel och bindestreck), "
                                                 "telefonnummer eller adress")
    se.add_argument("--limit", type=int, default=50, help="högst så många träffar (standard 50, högst 200)")
    add_auth_options(se)
    se.set_defaults(func=_search)
    tl = cs_sub.add_parser("timeline", help="ärendets händelseförlopp i tidsordning (loggas)")
    tl.add_argument("case_id", type=int, metavar="ÄRENDE")
    tl.add_argument("--details", action="store_true", help="visa även koder och skäl (ändpunkt, utfallskod …)")
    add_auth_options(tl)
    tl.set_defaults(func=_timeline)


def _search(args: argparse.Namespace) -> int:
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory) as session:
            result = search_cases(session, actor, args.text, limit=args.limit)
    except CaseSearchError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(search_text(result))
    return 0


def _timeline(args: argparse.Namespace) -> int:
    _, factory = open_database()
    actor = cli_actor(factory, args, None)
    try:
        with transaction(factory) as session:
            timeline = case_timeline(session, actor, args.case_id)
    except CaseNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    print(timeline_text(timeline, details=args.details))
    return 0


def search_text(result: SearchResult) -> str:
    how = " eller ".join(result.searched_by)
    lines = [result.note] if result.note else []
    if not result.hits:
        lines.append(f"Inga ärenden hittades för ”{result.query}” (sökt som {how}).")
        return "\n".join(lines)
    n = len(result.hits)
    lines.append(f"{n} {'träff' if n == 1 else 'träffar'} för ”{result.query}” (sökt som {how}), nyast först:")
    rows = [("Ärende", "Inkom", "Status", "Prio", "Patient", "Adress")]
    rows += [(str(h.case.case_id), f"{h.case.created_at:%Y-%m-%d %H:%M}", h.case.status_text,
              h.case.priority_text or "–", h.case.patient or "–", h.case.address or "–") for h in result.hits]
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[5] for r in rows]
    if result.truncated:
        lines.append(f"Fler ärenden matchar: de {n} nyaste visas. Sök mer exakt för att se äldre.")
    return "\n".join(lines)


def timeline_text(timeline: CaseTimeline, *, details: bool = False) -> str:
    c = timeline.case
    head = " · ".join(p for p in (f"Ärende {c.case_id}", c.status_text, c.priority_text, c.patient, c.address) if p)
    lines = [head]
    if not timeline.entries:
        lines.append("Inga händelser registrerade.")
    width = max((len(e.who) for e in timeline.entries), default=0)
    for e in timeline.entries:
        more = f"  [{e.detail}]" if details and e.detail else ""
        lines.append(f"{e.at:%Y-%m-%d %H:%M:%S}  {e.who.ljust(width)}  {e.what}{more}")
    return "\n".join(lines)
