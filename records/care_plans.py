"""The patient's own plan in the register: the audited read the console and the triage use, and an administrator's
edits of single entries (through commands/care_plans.py). The nightly import is records/care_plan_import.py.

What may read it: the clinical roles (nurse, dispatcher, physician). The read is a patient read
(`patient.care_plan.read`, records.identity.PATIENT_READS), so an administrator — who reads no patient data — is
refused like at every other patient read. An administrator edits by the entries' natural keys (patient and team,
patient and kind, patient, team and text), never by row ids: the nightly import replaces every row, so an id seen
before it would name nothing, or something else, after it — and the edit needs no read of what is there.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from records.actor import Actor, require_role
from records.audit import audit, now
from records.models import CarePlanRow, Patient, StandingOrderRow, TreatmentLimitationRow
from records.personnummer import normalise
from records.text_fields import column_rule
from resources.care_plan import (
    CarePlanEntry,
    CarePlanView,
    LimitationKind,
    PlanItem,
    StandingOrder,
    TreatmentLimitation,
)
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role

READ_ACTION = "patient.care_plan.read"
LOCK_KEY = 0x4C41524D504C414E  # "LARMPLAN": the PostgreSQL advisory lock every care-plan write takes
MANUAL_PREFIX = "manuellt"  # `source` of an entry an administrator set by hand: "manuellt (admin.anna)"
_EDIT = (Role.ADMIN,)

_Filled = StringConstraints(min_length=1)
Team = Annotated[str, _Filled, column_rule("team", CarePlanRow.team)]
Author = Annotated[str, _Filled, column_rule("forfattare", CarePlanRow.author)]
PlanFreeText = Annotated[str, column_rule("text", CarePlanRow.free_text, multiline=True)]
Physician = Annotated[str, _Filled, column_rule("beslutad_av", TreatmentLimitationRow.decided_by)]
DocumentedIn = Annotated[str, _Filled, column_rule("dokumenterad_i", TreatmentLimitationRow.documented_in)]
LimitationNote = Annotated[str, column_rule("text", TreatmentLimitationRow.note, multiline=True)]
OrderText = Annotated[str, _Filled, column_rule("text", StandingOrderRow.text)]


class _Input(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    personnummer: str

    @field_validator("personnummer")
    @classmethod
    def _pnr(cls, v: str) -> str:
        return normalise(v)


class CarePlanInput(_Input):
    """One team's plan for one patient, as imported or set by an administrator."""

    team: Team
    author: Author
    written_on: date
    valid_until: date
    items: list[PlanItem] = []
    free_text: PlanFreeText = ""

    @model_validator(mode="after")
    def _valid_after_written(self) -> CarePlanInput:
        if self.valid_until < self.written_on:
            raise ValueError(f"planen gäller till {self.valid_until}, före dagen den skrevs ({self.written_on})")
        return self


class LimitationInput(_Input):
    """A treatment limitation: which, decided by which physician and when, documented where."""

    kind: LimitationKind
    decided_by: Physician
    decided_on: date
    documented_in: DocumentedIn
    note: LimitationNote = ""

    @model_validator(mode="after")
    def _other_says_what(self) -> LimitationInput:
        if self.kind is LimitationKind.OTHER and not self.note:
            raise ValueError("en annan begränsning måste beskrivas i texten")
        return self


class StandingOrderInput(_Input):
    team: Team
    text: OrderText
    valid_until: date


class CarePlanChange(BaseModel):
    """What an administrator's edit did (the command's result: no more than the edit itself)."""

    personnummer: str
    entry: Literal["plan", "limitation", "standing_order"]
    key: str  # the team, the limitation's kind, or "team: text"
    change: Literal["created", "updated", "removed"]


class PatientNotInRegister(LookupError):
    """An edit for a personnummer the patient register has no row for (a typing error, most likely)."""


class CarePlanEntryNotFound(LookupError):
    """A removal of something the register does not hold."""


def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def lock_care_plans(session: Session) -> None:
    """Care-plan writes take turns: the nightly import (which replaces every row) and an administrator's edit never
    interleave. PostgreSQL: a transaction-scoped advisory lock; SQLite: every transaction already holds the write
    lock (records.db begins with BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def manual_source(actor: Actor) -> str:
    return f"{MANUAL_PREFIX} ({actor.username})"


# --- reading --------------------------------------------------------------------------------------------------

def care_plan_for(session: Session, actor: Actor, personnummer: str, *, today: date | None = None) -> CarePlanView:
    """Everything the register holds of the patient's own plan, audited as a patient read (naming the patient).
    A plan or standing order whose last valid day is before `today` (default: today in Swedish local time) is
    marked expired, never left out. InvalidPersonnummer (Swedish) for a malformed number; an empty view when
    the register holds nothing for the patient."""
    pnr = normalise(personnummer)
    audit(session, actor, READ_ACTION, None, patient=pnr)  # refuses an administrator before anything is read
    return care_plan_unaudited(session, pnr, today=today)


def care_plan_unaudited(session: Session, personnummer: str, *, today: date | None = None) -> CarePlanView:
    """`care_plan_for` without its audit row: only for content whose disclosure the caller audits itself — a unit's
    alert (dispatch.alerting.content), whose `unit_alert.create`/`update` row names the case's patient and whose
    body, as sent, is stored with its revision. Never for showing a plan to a person."""
    pnr = normalise(personnummer)
    day = today or local_today()
    plans = [_plan_entry(row, day) for row in
             session.scalars(select(CarePlanRow).where(CarePlanRow.personnummer == pnr))]
    plans.sort(key=lambda p: (p.expired, -p.written_on.toordinal(), p.team))
    order = list(LimitationKind)
    limitations = sorted((_limitation(row) for row in session.scalars(
        select(TreatmentLimitationRow).where(TreatmentLimitationRow.personnummer == pnr))),
        key=lambda lim: order.index(lim.kind))
    orders = sorted((_order(row, day) for row in session.scalars(
        select(StandingOrderRow).where(StandingOrderRow.personnummer == pnr))),
        key=lambda o: (o.expired, o.team, o.text))
    return CarePlanView(personnummer=pnr, read_for=day, plans=plans, limitations=limitations,
                        standing_orders=orders)


def _plan_entry(row: CarePlanRow, day: date) -> CarePlanEntry:
    return CarePlanEntry(team=row.team, author=row.author, written_on=row.written_on, valid_until=row.valid_until,
                         expired=row.valid_until < day, items=[PlanItem.model_validate(i) for i in row.items],
                         free_text=row.free_text, source=row.source, updated_at=row.updated_at)


def _limitation(row: TreatmentLimitationRow) -> TreatmentLimitation:
    return TreatmentLimitation(kind=LimitationKind(row.kind), decided_by=row.decided_by, decided_on=row.decided_on,
                               documented_in=row.documented_in, note=row.note, source=row.source,
                               updated_at=row.updated_at)


def _order(row: StandingOrderRow, day: date) -> StandingOrder:
    return StandingOrder(team=row.team, text=row.text, valid_until=row.valid_until, expired=row.valid_until < day,
                         source=row.source, updated_at=row.updated_at)


# --- rows (shared with the import) ----------------------------------------------------------------------------

def plan_row(plan: CarePlanInput, source: str, at: datetime) -> CarePlanRow:
    return CarePlanRow(personnummer=plan.personnummer, team=plan.team, **_plan_values(plan, source, at))


def _plan_values(plan: CarePlanInput, source: str, at: datetime) -> dict[str, object]:
    return dict(author=plan.author, written_on=plan.written_on, valid_until=plan.valid_until,
                items=[i.model_dump(mode="json") for i in plan.items], free_text=plan.free_text, source=source,
                updated_at=at)


def limitation_row(lim: LimitationInput, source: str, at: datetime) -> TreatmentLimitationRow:
    return TreatmentLimitationRow(personnummer=lim.personnummer, kind=lim.kind.value, **_limitation_values(lim, source, at))


def _limitation_values(lim: LimitationInput, source: str, at: datetime) -> dict[str, object]:
    return dict(decided_by=lim.decided_by, decided_on=lim.decided_on, documented_in=lim.documented_in, note=lim.note,
                source=source, updated_at=at)


def order_row(order: StandingOrderInput, source: str, at: datetime) -> StandingOrderRow:
    return StandingOrderRow(personnummer=order.personnummer, team=order.team, text=order.text,
                            valid_until=order.valid_until, source=source, updated_at=at)


# --- an administrator's edits ----------------------------------------------------------------------------------

def _begin_edit(session: Session, actor: Actor, personnummer: str, action: str) -> str:
    """The edit's state guard: an administrator, the care-plan lock held, the patient in the register. Returns the
    personnummer normalised."""
    require_role(actor, *_EDIT, action=action)
    pnr = normalise(personnummer)
    lock_care_plans(session)
    if session.get(Patient, pnr) is None:
        raise PatientNotInRegister(f"Personnumret {pnr} finns inte i patientregistret; kontrollera numret "
                                   "(en ny patient kommer med nattens patientimport).")
    return pnr


def set_care_plan(session: Session, actor: Actor, plan: CarePlanInput) -> CarePlanChange:
    """The patient's plan from `plan.team`, created or replaced as a whole. Audited `care_plan.set`."""
    _begin_edit(session, actor, plan.personnummer, "ändra vårdplaner")
    row = session.scalar(select(CarePlanRow).where(CarePlanRow.personnummer == plan.personnummer,
                                                   CarePlanRow.team == plan.team))
    if row is None:
        session.add(plan_row(plan, manual_source(actor), now()))
    else:
        for key, value in _plan_values(plan, manual_source(actor), now()).items():
            setattr(row, key, value)
    change: Literal["created", "updated"] = "created" if row is None else "updated"
    audit(session, actor, "care_plan.set", None, patient=plan.personnummer, team=plan.team, change=change,
          written_on=plan.written_on, valid_until=plan.valid_until, items=[i.kind.value for i in plan.items])
    return CarePlanChange(personnummer=plan.personnummer, entry="plan", key=plan.team, change=change)


def remove_care_plan(session: Session, actor: Actor, personnummer: str, team: str) -> CarePlanChange:
    personnummer = _begin_edit(session, actor, personnummer, "ändra vårdplaner")
    row = session.scalar(select(CarePlanRow).where(CarePlanRow.personnummer == personnummer,
                                                   CarePlanRow.team == team))
    if row is None:
        raise CarePlanEntryNotFound(f"Patienten {personnummer} har ingen vårdplan från {team!r}.")
    session.delete(row)
    audit(session, actor, "care_plan.remove", None, patient=personnummer, team=team)
    return CarePlanChange(personnummer=personnummer, entry="plan", key=team, change="removed")


def set_treatment_limitation(session: Session, actor: Actor, lim: LimitationInput) -> CarePlanChange:
    """The patient's limitation of `lim.kind`, created or replaced. Audited `treatment_limitation.set` with the
    deciding physician and date."""
    _begin_edit(session, actor, lim.personnummer, "ändra behandlingsbegränsningar")
    row = session.scalar(select(TreatmentLimitationRow).where(TreatmentLimitationRow.personnummer == lim.personnummer,
                                                              TreatmentLimitationRow.kind == lim.kind.value))
    if row is None:
        session.add(limitation_row(lim, manual_source(actor), now()))
    else:
        for key, value in _limitation_values(lim, manual_source(actor), now()).items():
            setattr(row, key, value)
    change: Literal["created", "updated"] = "created" if row is None else "updated"
    audit(session, actor, "treatment_limitation.set", None, patient=lim.personnummer, kind=lim.kind.value,
          change=change, decided_by=lim.decided_by, decided_on=lim.decided_on, documented_in=lim.documented_in)
    return CarePlanChange(personnummer=lim.personnummer, entry="limitation", key=lim.kind.value, change=change)


def remove_treatment_limitation(session: Session, actor: Actor, personnummer: str,
                                kind: LimitationKind) -> CarePlanChange:
    personnummer = _begin_edit(session, actor, personnummer, "ändra behandlingsbegränsningar")
    row = session.scalar(select(TreatmentLimitationRow).where(TreatmentLimitationRow.personnummer == personnummer,
                                                              TreatmentLimitationRow.kind == kind.value))
    if row is None:
        raise CarePlanEntryNotFound(f"Patienten {personnummer} har ingen behandlingsbegränsning "
                                    f"'{kind.label}'.")
    session.delete(row)
    audit(session, actor, "treatment_limitation.remove", None, patient=personnummer, kind=kind.value)
    return CarePlanChange(personnummer=personnummer, entry="limitation", key=kind.value, change="removed")


def set_standing_order(session: Session, actor: Actor, order: StandingOrderInput) -> CarePlanChange:
    """A standing order (patient, team and its text), created, or its last valid day changed."""
    _begin_edit(session, actor, order.personnummer, "ändra ordinationer")
    row = _order_row(session, order.personnummer, order.team, order.text)
    if row is None:
        session.add(order_row(order, manual_source(actor), now()))
    else:
        row.valid_until, row.source, row.updated_at = order.valid_until, manual_source(actor), now()
    change: Literal["created", "updated"] = "created" if row is None else "updated"
    audit(session, actor, "standing_order.set", None, patient=order.personnummer, team=order.team, text=order.text,
          valid_until=order.valid_until, change=change)
    return CarePlanChange(personnummer=order.personnummer, entry="standing_order", key=f"{order.team}: {order.text}",
                          change=change)


def remove_standing_order(session: Session, actor: Actor, personnummer: str, team: str,
                          order_text: str) -> CarePlanChange:
    personnummer = _begin_edit(session, actor, personnummer, "ändra ordinationer")
    row = _order_row(session, personnummer, team, order_text)
    if row is None:
        raise CarePlanEntryNotFound(f"Patienten {personnummer} har ingen ordination {order_text!r} från {team!r}.")
    session.delete(row)
    audit(session, actor, "standing_order.remove", None, patient=personnummer, team=team, text=order_text)
    return CarePlanChange(personnummer=personnummer, entry="standing_order", key=f"{team}: {order_text}",
                          change="removed")


def _order_row(session: Session, personnummer: str, team: str, order_text: str) -> StandingOrderRow | None:
    return session.scalar(select(StandingOrderRow).where(StandingOrderRow.personnummer == personnummer,
                                                         StandingOrderRow.team == team,
                                                         StandingOrderRow.text == order_text))
