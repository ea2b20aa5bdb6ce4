"""Import of later facts (admitted, died within 30 days, ...) from a CSV file, all or nothing.

Format (docs/outcomes.md): UTF-8, `;` or `,` separated, header row `arende;faktum;datum`
(`ärende` is accepted for `arende`). `datum` is YYYY-MM-DD. Facts: see LATER_FACTS.
A row already in the database (same case, fact and date) is skipped, so re-importing a file is
harmless. Any bad row rejects the whole file with every bad line named; nothing is written.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.db import key_chunks, scalars_where_in
from records.identity import start_import
from records.models import Case, LaterFact

LATER_FACTS: dict[str, str] = {
    "inlagd": "Inlagd på sjukhus",
    "inlagd_iva": "Inlagd på intensivvårdsavdelning",
    "tidskritisk": "Tidskritisk diagnos (t.ex. stroke, hjärtinfarkt, sepsis)",
    "akutbesok": "Besök på akutmottagning efter ärendet",
    "avliden_30d": "Avliden inom 30 dagar",
}
COLUMNS = ("arende", "faktum", "datum")


class LaterFactRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    line: int
    case_id: int
    fact: str
    fact_date: date


class LaterFactImportError(ValueError):
    """The file was refused; `problems` names every bad line. Nothing was written."""

    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: importen avbröts, inget ändrades ({len(problems)} fel)\n"
                         + "\n".join(f"  - {p}" for p in problems))




class ImportSummary(BaseModel):
    file: str
    rows: int
    added: int
    already_known: int


def parse_later_facts(session: Session, path: Path, today: date | None = None) -> list[LaterFactRow]:
    """Read and check the whole file against the database; raise naming every bad line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LaterFactImportError(path, [f"filen kan inte läsas: {exc}"]) from exc
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise LaterFactImportError(path, ["filen är tom"])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(lines, delimiter=delimiter)
    header = [h.strip().lower().replace("ä", "a") for h in next(reader)]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise LaterFactImportError(path, [f"rad 1: kolumner saknas: {', '.join(missing)} (rubriken ska vara "
                                  f"{';'.join(COLUMNS)})"])
    idx = {c: header.index(c) for c in COLUMNS}
    today = today or date.today()
    problems: list[str] = []
    parsed: list[tuple[int, int, str, date]] = []
    seen: dict[tuple[int, str, date], int] = {}
    for lineno, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(f"rad {lineno}: {len(cells)} fält, rubriken har {len(header)}")
            continue
        raw_case, raw_fact, raw_date = (cells[idx[c]].strip() for c in COLUMNS)
        errs = []
        case_id = int(raw_case) if raw_case.isdigit() else None
        if case_id is None:
            errs.append(f"fält 'arende': {raw_case!r} är inget ärendenummer")
        fact = raw_fact.lower()
        if fact not in LATER_FACTS:
            errs.append(f"fält 'faktum': okänt faktum {raw_fact!r} (giltiga: {', '.join(LATER_FACTS)})")
        try:
            fact_date = date.fromisoformat(raw_date)
            if fact_date > today:
                errs.append(f"fält 'datum': {raw_date} ligger i framtiden")
        except ValueError:
            fact_date = None
            errs.append(f"fält 'datum': {raw_date!r} är inget datum (ÅÅÅÅ-MM-DD)")
        if errs:
            problems.extend(f"rad {lineno}, {e}" for e in errs)
            continue
        assert case_id is not None and fact_date is not None
        key = (case_id, fact, fact_date)
        if key in seen:
            problems.append(f"rad {lineno}: samma rad finns redan på rad {seen[key]}")
            continue
        seen[key] = lineno
        parsed.append((lineno, case_id, fact, fact_date))
    created = _case_dates(session, sorted({p[1] for p in parsed}))
    rows = []
    for lineno, case_id, fact, fact_date in parsed:
        if case_id not in created:
            problems.append(f"rad {lineno}, fält 'arende': ärende {case_id} finns inte")
        elif fact_date < created[case_id]:
            problems.append(f"rad {lineno}, fält 'datum': {fact_date} är före ärendets start "
                            f"({created[case_id]})")
        else:
            rows.append(LaterFactRow(line=lineno, case_id=case_id, fact=fact, fact_date=fact_date))
    if problems:
        raise LaterFactImportError(path, sorted(problems, key=_line_of))
    return rows


def _line_of(problem: str) -> int:
    return int(problem.split()[1].rstrip(",:"))


def _case_dates(session: Session, ids: list[int]) -> dict[int, date]:
    out: dict[int, date] = {}
    for chunk in key_chunks(ids):
        for cid, created in session.execute(select(Case.id, Case.created_at).where(Case.id.in_(chunk))):
            out[cid] = created.date()
    return out


def import_later_facts(session: Session, actor: Actor, path: Path, today: date | None = None) -> ImportSummary:
    """Attach every row of the file in the caller's transaction; nothing if any row is bad."""
    actor = start_import(session, actor, "later_facts.import", "importera senare fakta")
    rows = parse_later_facts(session, path, today)
    at = now()
    added = known = 0
    stored = {(f.case_id, f.fact, f.fact_date)
              for f in scalars_where_in(session, LaterFact, LaterFact.case_id, sorted({r.case_id for r in rows}))}
    for r in rows:
        when = datetime(r.fact_date.year, r.fact_date.month, r.fact_date.day, tzinfo=UTC)
        if (r.case_id, r.fact, when) in stored:
            known += 1
            continue
        session.add(LaterFact(case_id=r.case_id, fact=r.fact, fact_date=when, source=path.name, imported_at=at))
        added += 1
    audit(session, actor, "later_facts.import", None, file=str(path), rows=len(rows), added=added,
          already_known=known, case_ids=sorted({r.case_id for r in rows}))
    return ImportSummary(file=str(path), rows=len(rows), added=added, already_known=known)
