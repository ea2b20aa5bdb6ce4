"""The nightly care-plan export (`main.py careplans import FILE`): one CSV file of typed rows, a full snapshot.

Format (docs/care-plan-import.md): UTF-8, `;` or `,` separated, a header row with the columns
typ;personnummer;team;slag;text;tider;forfattare;skriven;giltig_till;beslutad_av;beslutad;dokumenterad_i
and one row per plan (`plan`), per "vid försämring" instruction of a plan (`atgard`), per treatment limitation
(`begransning`) and per standing order (`ordination`). Each type uses its own columns; a value in another type's
column is refused (a column shifted by the exporter must not land in the wrong field of a clinical fact).

The import is all or nothing, and the file is the whole truth: in one transaction every plan, limitation and
order in the register is replaced by the file's (an administrator's edits by hand too — they are counted and
reported). A file without rows is refused: an empty export would otherwise erase every patient's plan.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.care_plans import (
    MANUAL_PREFIX,
    CarePlanInput,
    LimitationInput,
    StandingOrderInput,
    limitation_row,
    local_today,
    lock_care_plans,
    order_row,
    plan_row,
)
from records.csv_table import MAX_LISTED
from records.csv_text import UnreadableCsv, dict_rows, read_csv_text
from records.db import scalars_where_in
from records.identity import start_import
from records.models import CarePlanRow, Patient, StandingOrderRow, TreatmentLimitationRow
from records.personnummer import InvalidPersonnummer, normalise
from records.text_fields import TextFieldError
from resources.care_plan import IMPORT_CODES, LimitationKind, PlanItem, PlanItemKind, parse_hours
from resources.datafile import swedish_message
from resources.fleet import Fleet

COLUMNS = ("typ", "personnummer", "team", "slag", "text", "tider", "forfattare", "skriven", "giltig_till",
           "beslutad_av", "beslutad", "dokumenterad_i")
PLAN, ITEM, LIMITATION, ORDER = "plan", "atgard", "begransning", "ordination"
# The columns each row type must fill, and those it may; every other column must be empty.
REQUIRED = {PLAN: ("personnummer", "team", "forfattare", "skriven", "giltig_till"),
            ITEM: ("personnummer", "team", "slag", "text"),
            LIMITATION: ("personnummer", "slag", "beslutad_av", "beslutad", "dokumenterad_i"),
            ORDER: ("personnummer", "team", "text", "giltig_till")}
OPTIONAL = {PLAN: ("text",), ITEM: ("tider",), LIMITATION: ("text",), ORDER: ()}
# The column each input field comes from (errors name the column the region's file has).
_COLUMN_OF = {"personnummer": "personnummer", "team": "team", "author": "forfattare", "written_on": "skriven",
              "valid_until": "giltig_till", "free_text": "text", "kind": "slag", "decided_by": "beslutad_av",
              "decided_on": "beslutad", "documented_in": "dokumenterad_i", "note": "text", "text": "text",
              "hours_from": "tider", "hours_to": "tider"}
# A check of the whole row (pydantic's model validators) is about this column.
_ROW_CHECK_COLUMN = {PLAN: "giltig_till", LIMITATION: "text", ITEM: "tider"}
IMPORT_JOB = "careplans.import"


class CarePlanImportError(ValueError):
    """A file refused whole: `problems` holds every bad line; the message lists the first MAX_LISTED (a file bad on
    every line — dates in another format, say — would otherwise print thousands of lines) and counts the rest."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        more = len(problems) - MAX_LISTED
        super().__init__(f"{path}: importen avbröts, inget ändrades ({len(problems)} fel)\n"
                         + "\n".join(f"  - {p}" for p in problems[:MAX_LISTED])
                         + (f"\n  … och {more} fel till" if more > 0 else ""))


@dataclass
class CarePlanFile:
    """A file that parsed: every entry with the line it came from (a plan's items are on its own lines)."""

    plans: list[tuple[int, CarePlanInput]] = field(default_factory=list)
    limitations: list[tuple[int, LimitationInput]] = field(default_factory=list)
    orders: list[tuple[int, StandingOrderInput]] = field(default_factory=list)

    @property
    def items(self) -> int:
        return sum(len(plan.items) for _, plan in self.plans)


class CarePlanImportResult(BaseModel):
    plans: int
    items: int
    limitations: int
    orders: int
    replaced: int  # entries (plans, limitations, orders) the register held before, now gone or replaced
    manual_replaced: int  # of those, entries an administrator had set by hand
    warnings: list[str]


def code_of(text: str) -> str:
    """'Ej HLR' → ej_hlr, 'Åtgärd' → atgard, 'Läkarbil' → lakarbil: codes compare without case and diacritics."""
    plain = text.strip().lower().translate(str.maketrans("åäöéü", "aaoeu")).replace("-", " ")
    return "_".join(plain.split())


def _date(cell: str, today: date, *, past_only: bool) -> date:
    parts = cell.split("-")
    if len(parts) != 3 or [len(p) for p in parts] != [4, 2, 2] or not all(p.isdigit() for p in parts):
        raise ValueError(f"'{cell}' är inget datum; skriv ÅÅÅÅ-MM-DD")
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        raise ValueError(f"'{cell}' finns inte i kalendern") from None
    if past_only and day > today:
        raise ValueError(f"{cell} ligger i framtiden")
    return day


def _codes(kind: type[PlanItemKind] | type[LimitationKind]) -> str:
    return ", ".join(code for code, value in IMPORT_CODES.items() if isinstance(value, kind))


def parse_care_plan_csv(path: Path, *, today: date | None = None) -> CarePlanFile:
    """Parse and validate the whole file; CarePlanImportError naming every bad line and column."""
    today = today or local_today()
    try:
        text = read_csv_text(path)
    except UnreadableCsv as exc:
        raise CarePlanImportError(path, [str(exc)]) from None
    lines = text.splitlines()
    if not lines:
        raise CarePlanImportError(path, ["filen är tom"])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise CarePlanImportError(path, [f"rad 1: kolumner saknas: {', '.join(missing)}"])
    parser = _Parser(today)
    try:
        for lineno, raw in dict_rows(reader):
            parser.row(lineno, raw)
    except UnreadableCsv as exc:
        raise CarePlanImportError(path, [str(exc)]) from None
    problems = parser.finish()
    if problems:
        raise CarePlanImportError(path, problems)
    if not (parser.out.plans or parser.out.limitations or parser.out.orders):
        raise CarePlanImportError(path, ["filen har inga rader: en tom export skulle ta bort alla vårdplaner, "
                                         "behandlingsbegränsningar och ordinationer"])
    return parser.out


class _Parser:
    """One pass over the rows: each row checked on its own, then the items matched to their plans."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.out = CarePlanFile()
        self.problems: list[tuple[int, str]] = []
        self.items: dict[tuple[str, str], list[tuple[int, PlanItem]]] = {}
        self.seen: dict[tuple[str, ...], int] = {}
        self.plan_keys: set[tuple[str, str]] = set()  # of every plan row, good or bad

    def row(self, lineno: int, raw: dict[str | None, Any]) -> None:
        if None in raw:
            self._bad(lineno, "för många fält")
            return
        if any(v is None for v in raw.values()):
            self._bad(lineno, f"för få fält ({sum(v is not None for v in raw.values())} av {len(raw)})")
            return
        cells = {(k or "").strip().lower(): str(v).strip() for k, v in raw.items()}
        kind = code_of(cells["typ"])
        if kind not in REQUIRED:
            shown = f"'{cells['typ']}'" if cells["typ"] else "tomt"
            self._bad(lineno, f"fält 'typ': {shown} är ingen radtyp (plan, atgard, begransning, ordination)")
            return
        ok = True
        for column in COLUMNS[1:]:
            if column in REQUIRED[kind] and not cells[column]:
                self._bad(lineno, f"fält '{column}': saknas (krävs för typ '{kind}')")
                ok = False
            elif column not in REQUIRED[kind] and column not in OPTIONAL[kind] and cells[column]:
                self._bad(lineno, f"fält '{column}': ska vara tomt för typ '{kind}' (angivet: '{cells[column]}')")
                ok = False
        if ok:
            {PLAN: self._plan, ITEM: self._item, LIMITATION: self._limitation, ORDER: self._order}[kind](lineno, cells)

    def _plan(self, lineno: int, c: dict[str, str]) -> None:
        try:  # a bad plan row is reported once: its items are not reported again as belonging to no plan
            self.plan_keys.add((normalise(c["personnummer"], self.today), c["team"]))
        except InvalidPersonnummer:
            pass
        plan = self._validated(lineno, PLAN, c, {"skriven": True, "giltig_till": False}, lambda d: CarePlanInput(
            personnummer=c["personnummer"], team=c["team"], author=c["forfattare"], written_on=d["skriven"],
            valid_until=d["giltig_till"], free_text=c["text"]))
        if plan is not None and self._first(lineno, ("plan", plan.personnummer, plan.team),
                                            f"planen från {plan.team!r} för {plan.personnummer}"):
            self.out.plans.append((lineno, plan))

    def _item(self, lineno: int, c: dict[str, str]) -> None:
        kind = IMPORT_CODES.get(code_of(c["slag"]))
        if not isinstance(kind, PlanItemKind):
            self._bad(lineno, f"fält 'slag': '{c['slag']}' är ingen åtgärd vid försämring ({_codes(PlanItemKind)})")
        try:
            pnr = normalise(c["personnummer"], self.today)
        except InvalidPersonnummer as exc:
            self._bad(lineno, f"fält 'personnummer': {exc}")
            return

        def build(_: dict[str, date]) -> PlanItem:
            start, end = parse_hours(c["tider"]) if c["tider"] else (None, None)
            item_kind = kind if isinstance(kind, PlanItemKind) else PlanItemKind.OTHER
            return PlanItem(kind=item_kind, text=c["text"], hours_from=start, hours_to=end)

        item = self._validated(lineno, ITEM, c, {}, build)
        if item is not None and isinstance(kind, PlanItemKind):
            self.items.setdefault((pnr, c["team"]), []).append((lineno, item))

    def _limitation(self, lineno: int, c: dict[str, str]) -> None:
        kind = IMPORT_CODES.get(code_of(c["slag"]))
        if not isinstance(kind, LimitationKind):
            self._bad(lineno, f"fält 'slag': '{c['slag']}' är ingen behandlingsbegränsning ({_codes(LimitationKind)})")
        lim = self._validated(lineno, LIMITATION, c, {"beslutad": True}, lambda d: LimitationInput(
            personnummer=c["personnummer"], kind=kind if isinstance(kind, LimitationKind) else LimitationKind.NO_CPR,
            decided_by=c["beslutad_av"], decided_on=d["beslutad"], documented_in=c["dokumenterad_i"], note=c["text"]))
        if lim is None or not isinstance(kind, LimitationKind):
            return
        if self._first(lineno, ("begransning", lim.personnummer, lim.kind.value),
                       f"begränsningen '{lim.kind.label}' för {lim.personnummer}"):
            self.out.limitations.append((lineno, lim))

    def _order(self, lineno: int, c: dict[str, str]) -> None:
        order = self._validated(lineno, ORDER, c, {"giltig_till": False}, lambda d: StandingOrderInput(
            personnummer=c["personnummer"], team=c["team"], text=c["text"], valid_until=d["giltig_till"]))
        if order is not None and self._first(lineno, ("ordination", order.personnummer, order.team, order.text),
                                             f"ordinationen {order.text!r} från {order.team!r} för "
                                             f"{order.personnummer}"):
            self.out.orders.append((lineno, order))

    def _validated(self, lineno: int, kind: str, c: dict[str, str], dates: dict[str, bool],
                   build: Callable[[dict[str, date]], Any]) -> Any:
        """`build(dates)`, or None with every problem of the row reported under its column. A date that does not
        parse is reported, and the rest of the row still checked (with today in its place)."""
        parsed: dict[str, date] = {}
        bad: set[str] = set()
        for column, past_only in dates.items():
            try:
                parsed[column] = _date(c[column], self.today, past_only=past_only)
            except ValueError as exc:
                self._bad(lineno, f"fält '{column}': {exc}")
                bad.add(column)
                parsed[column] = self.today
        try:
            built = build(parsed)
        except InvalidPersonnummer as exc:
            self._bad(lineno, f"fält 'personnummer': {exc}")
            return None
        except ValidationError as exc:
            for err in exc.errors():
                name = str(err["loc"][0]) if err["loc"] else ""
                column = _COLUMN_OF.get(name) or _ROW_CHECK_COLUMN.get(kind, name or "?")
                if column in bad or (bad and not name and kind == PLAN):  # a consequence of a stand-in date
                    continue
                cause = (err.get("ctx") or {}).get("error")
                why = cause.reason if isinstance(cause, TextFieldError) else swedish_message(err)
                self._bad(lineno, f"fält '{column}': {why}")
            return None
        except ValueError as exc:  # the hours of an item
            self._bad(lineno, f"fält '{_ROW_CHECK_COLUMN.get(kind, '?')}': {exc}")
            return None
        return None if bad else built

    def _first(self, lineno: int, key: tuple[str, ...], what: str) -> bool:
        if key in self.seen:
            self._bad(lineno, f"{what} finns redan på rad {self.seen[key]}")
            return False
        self.seen[key] = lineno
        return True

    def _bad(self, lineno: int, message: str) -> None:
        self.problems.append((lineno, message))

    def finish(self) -> list[str]:
        """Each plan gets its items in file order; an item of no plan in the file is an error."""
        plans = {(p.personnummer, p.team): i for i, (_, p) in enumerate(self.out.plans)}
        for (pnr, team), items in self.items.items():
            index = plans.get((pnr, team))
            if index is None:
                if (pnr, team) in self.plan_keys:  # its plan row was bad: reported there
                    continue
                for lineno, _ in items:
                    self._bad(lineno, f"åtgärden hör inte till någon plan: filen har ingen rad av typ 'plan' för "
                                      f"{pnr} och {team!r}")
                continue
            line, plan = self.out.plans[index]
            self.out.plans[index] = (line, plan.model_copy(update={"items": [item for _, item in items]}))
        return [f"rad {lineno}{', ' if message.startswith('fält ') else ': '}{message}"
                for lineno, message in sorted(self.problems, key=lambda p: p[0])]


def unknown_teams(parsed: CarePlanFile, fleet: Fleet) -> list[str]:
    """Warnings for teams no unit of `fleet` carries as its affiliation: such a plan's "ring teamet" can never
    lead to that team (the import stands; correct the name at the source)."""
    known = {u.affiliation for u in fleet.units if u.affiliation}
    named = [(line, p.team) for line, p in parsed.plans] + [(line, o.team) for line, o in parsed.orders]
    return [f"rad {line}, fält 'team': '{team}' finns inte bland flottans enheter och kommer aldrig att matchas"
            for line, team in sorted(named) if team not in known]


def patients_missing(session: Session, parsed: CarePlanFile) -> list[str]:
    """Warnings for personnummer the patient register has no row for (their entries are stored and shown all the
    same; the patient file of the same night normally brings them)."""
    lines: dict[str, int] = {}
    for line, entry in [*parsed.plans, *parsed.limitations, *parsed.orders]:
        lines[entry.personnummer] = min(line, lines.get(entry.personnummer, line))
    known = {p.personnummer for p in scalars_where_in(session, Patient, Patient.personnummer, sorted(lines))}
    return [f"rad {line}, fält 'personnummer': {pnr} finns inte i patientregistret"
            for pnr, line in sorted(lines.items(), key=lambda kv: kv[1]) if pnr not in known]


def import_care_plans(session: Session, actor: Actor, path: Path, *, fleet: Fleet | None = None,
                      today: date | None = None) -> CarePlanImportResult:
    """Replace every plan, limitation and order with the file's, in the caller's transaction; nothing is written
    when any row is bad. Audited `careplans.import` with the importing actor (an administrator or system.import)."""
    actor = start_import(session, actor, IMPORT_JOB, "importera vårdplaner")
    parsed = parse_care_plan_csv(path, today=today)
    lock_care_plans(session)
    replaced = manual = 0
    for model in (CarePlanRow, TreatmentLimitationRow, StandingOrderRow):
        replaced += session.scalar(select(func.count()).select_from(model)) or 0
        manual += session.scalar(select(func.count()).select_from(model)
                                 .where(model.source.startswith(MANUAL_PREFIX))) or 0
        session.execute(delete(model))
    at, source = now(), path.name
    session.add_all([plan_row(p, source, at) for _, p in parsed.plans])
    session.add_all([limitation_row(lim, source, at) for _, lim in parsed.limitations])
    session.add_all([order_row(o, source, at) for _, o in parsed.orders])
    result = CarePlanImportResult(plans=len(parsed.plans), items=parsed.items, limitations=len(parsed.limitations),
                                  orders=len(parsed.orders), replaced=replaced, manual_replaced=manual,
                                  warnings=patients_missing(session, parsed)
                                  + (unknown_teams(parsed, fleet) if fleet is not None else []))
    audit(session, actor, IMPORT_JOB, None, file=str(path), plans=result.plans, items=result.items,
          limitations=result.limitations, orders=result.orders, replaced=replaced, manual_replaced=manual)
    return result
