"""The patient context register: lookup by personnummer and import from the region's nightly CSV.

CSV format (docs/patient-import.md): UTF-8, `;` or `,` separated, a header row with
personnummer;namn;mobilt_vardteam;asih;sabo;hemsjukvard;listad_vardcentral;psykiatriteam
Booleans are ja/nej (also 1/0, true/false). Empty cells mean "not known / not enrolled".
An import is all or nothing: any bad row rejects the file with every bad line named.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.care_plans import care_plan_for
from records.csv_text import UnreadableCsv, dict_rows, read_csv_text
from records.db import scalars_where_in
from records.identity import start_import
from records.models import Patient
from records.personnummer import InvalidPersonnummer, age_on, normalise
from records.text_fields import (
    RegisterAsih,
    RegisterMobileTeam,
    RegisterName,
    RegisterPsychiatricTeam,
    RegisterVardcentral,
    TextFieldError,
)
from resources.datafile import swedish_message
from resources.fleet import Fleet
from resources.patient_context import PatientContext

CSV_COLUMNS = ("personnummer", "namn", "mobilt_vardteam", "asih", "sabo", "hemsjukvard", "listad_vardcentral",
               "psykiatriteam")
# The CSV column each PatientRow field comes from (errors name the column the region's file has).
_COLUMN_OF = {"name": "namn", "enrolled_mobile_team": "mobilt_vardteam", "enrolled_asih": "asih",
              "lives_in_saebo": "sabo", "home_care": "hemsjukvard", "listed_vardcentral": "listad_vardcentral",
              "known_psychiatric_team": "psykiatriteam"}
_TRUE, _FALSE = {"ja", "j", "1", "true", "sant", "x"}, {"nej", "n", "0", "false", "falskt", ""}


class PatientRow(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    personnummer: str
    name: RegisterName | None = None
    enrolled_mobile_team: RegisterMobileTeam | None = None
    enrolled_asih: RegisterAsih | None = None
    lives_in_saebo: bool = False
    home_care: bool = False
    listed_vardcentral: RegisterVardcentral | None = None
    known_psychiatric_team: RegisterPsychiatricTeam | None = None

    @field_validator("personnummer")
    @classmethod
    def _pnr(cls, v: str) -> str:
        return normalise(v)

    @field_validator("lives_in_saebo", "home_care", mode="before")
    @classmethod
    def _yes_no(cls, v: object) -> bool:
        if isinstance(v, bool):
            return v
        text = str(v or "").strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ValueError(f"'{v}' är inte ja/nej")


class PatientImportError(ValueError):
    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path}: importen avbröts, inget ändrades ({len(problems)} fel)\n"
                         + "\n".join(f"  - {p}" for p in problems))


def parse_patient_csv(path: Path) -> list[PatientRow]:
    """Parse and validate the whole file; raise PatientImportError naming every bad line."""
    try:
        text = read_csv_text(path)
    except UnreadableCsv as exc:
        raise PatientImportError(path, [str(exc)]) from None
    lines = text.splitlines()
    if not lines:
        raise PatientImportError(path, ["filen är tom"])
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise PatientImportError(path, [f"rad 1: kolumner saknas: {', '.join(missing)}"])
    rows: list[PatientRow] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    try:
        numbered = list(dict_rows(reader))
    except UnreadableCsv as exc:
        raise PatientImportError(path, [str(exc)]) from None
    for lineno, raw in numbered:
        cells = {(k or "").strip().lower(): (v or "") for k, v in raw.items()}
        if None in raw:
            problems.append(f"rad {lineno}: för många fält")
            continue
        try:
            # model_validate: the "ja"/"nej" cells are parsed by PatientRow's before-validator.
            row = PatientRow.model_validate(dict(
                personnummer=cells["personnummer"], name=cells["namn"] or None,
                enrolled_mobile_team=cells["mobilt_vardteam"] or None, enrolled_asih=cells["asih"] or None,
                lives_in_saebo=cells["sabo"], home_care=cells["hemsjukvard"],
                listed_vardcentral=cells["listad_vardcentral"] or None,
                known_psychiatric_team=cells["psykiatriteam"] or None))
        except ValidationError as exc:
            for err in exc.errors():
                field = _COLUMN_OF.get(str(err["loc"][0]), str(err["loc"][0])) if err["loc"] else "?"
                cause = (err.get("ctx") or {}).get("error")
                why = cause.reason if isinstance(cause, TextFieldError) else swedish_message(err)
                problems.append(f"rad {lineno}, fält '{field}': {why}")
            continue
        if row.personnummer in seen:
            problems.append(f"rad {lineno}: personnumret finns redan på rad {seen[row.personnummer]}")
            continue
        seen[row.personnummer] = lineno
        rows.append(row)
    if problems:
        raise PatientImportError(path, problems)
    return rows


def unknown_affiliations(rows: list[PatientRow], fleet: Fleet) -> list[str]:
    """Warnings (one per cell) for team, ASIH and vårdcentral names that no unit of `fleet` carries:
    such a patient would never be matched to their team, so the importer is told (the import stands)."""
    known = {u.affiliation for u in fleet.units if u.affiliation}
    columns = (("enrolled_mobile_team", "mobilt_vardteam"), ("enrolled_asih", "asih"),
               ("listed_vardcentral", "listad_vardcentral"), ("known_psychiatric_team", "psykiatriteam"))
    warnings = []
    for lineno, row in enumerate(rows, start=2):  # a file that parsed has one row per line after the header
        for field, column in columns:
            name = getattr(row, field)
            if name and name not in known:
                warnings.append(f"rad {lineno}, fält '{column}': '{name}' finns inte bland flottans enheter "
                                "och kommer aldrig att matchas")
    return warnings


def import_patients(session: Session, actor: Actor, path: Path) -> int:
    """Upsert every row of the file in the caller's transaction; nothing is written if any row is bad."""
    actor = start_import(session, actor, "patients.import", "importera patientregistret")
    rows = parse_patient_csv(path)
    at = now()
    stored = {p.personnummer: p for p in scalars_where_in(session, Patient, Patient.personnummer,
                                                            [row.personnummer for row in rows])}
    for row in rows:
        values = row.model_dump()
        patient = stored.get(row.personnummer)
        if patient is None:
            session.add(Patient(**values, updated_at=at, source=path.name))
        else:
            for k, v in values.items():
                setattr(patient, k, v)
            patient.updated_at, patient.source = at, path.name
    audit(session, actor, "patients.import", None, file=str(path), rows=len(rows))
    return len(rows)


def lookup_context(session: Session, actor: Actor, personnummer: str | None, *, age: int | None = None,
                   today: date | None = None, mark_unknown: bool = False) -> PatientContext:
    """The patient's context from the register (empty context when unknown). Audited when looked up.

    An identified patient (a valid personnummer) also gets their own plan — care plans, treatment limitations,
    standing orders — read with `care_plan_for` (audited `patient.care_plan.read`), also when the patient register
    has no row for them: the care-plan import stores and shows such entries all the same, and a documented "ej HLR"
    must not be hidden by a missing register row. No personnummer: nothing is read.

    `mark_unknown`: a patient without a valid personnummer or without a register entry gets
    `register_known=False`, so triage asks the context questions instead of counting them as "nej"."""
    if not personnummer:
        return PatientContext(age=age, register_known=not mark_unknown)
    try:
        pnr = normalise(personnummer)
    except InvalidPersonnummer:
        return PatientContext(age=age, register_known=not mark_unknown)
    patient = session.get(Patient, pnr)
    audit(session, actor, "patient.lookup", None, patient=pnr, found=patient is not None)
    derived_age = age if age is not None else (age_on(pnr, today or date.today()) if pnr[9].isdigit() else None)
    plan = care_plan_for(session, actor, pnr, today=today)
    if patient is None:
        return PatientContext(personnummer=pnr, age=derived_age, register_known=not mark_unknown, care_plan=plan)
    return PatientContext(personnummer=pnr, age=derived_age, enrolled_mobile_team=patient.enrolled_mobile_team,
                          enrolled_asih=patient.enrolled_asih, lives_in_saebo=patient.lives_in_saebo,
                          home_care=patient.home_care, listed_vardcentral=patient.listed_vardcentral,
                          known_psychiatric_team=patient.known_psychiatric_team, care_plan=plan)
