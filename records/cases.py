"""Cases (ärenden): intake, reading and listing, each audited with its actor."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit, now
from records.case_state import CaseEvent, CaseStatus, next_status
from records.case_state import IllegalCaseTransition as IllegalCaseTransition  # re-exported
from records.models import Case
from records.personnummer import normalise
from records.text_fields import Address, CallbackPhone, CallerName, Kommun, Latitude, Longitude, PatientName
from resources.location.model import PositionSource


class CaseIntake(BaseModel):
    """What the nurse types in at the start of a call. Validated at the boundary."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    caller_name: CallerName = ""
    callback_phone: CallbackPhone = ""
    address: Address = ""
    kommun: Kommun | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    # Where lat/lon came from and how sure it is (resources.location.model.Position; docs/position.md).
    position_source: PositionSource | None = None
    position_accuracy_m: float | None = Field(default=None, ge=0, le=1_000_000)
    position_flag: str | None = Field(default=None, max_length=200)
    patient_name: PatientName = ""
    personnummer: str | None = None
    patient_age: int | None = Field(default=None, ge=0, le=130)

    @field_validator("personnummer")
    @classmethod
    def _check_pnr(cls, v: str | None) -> str | None:
        return normalise(v) if v else None


class CaseView(BaseModel):
    """A case as plain data for the console and the CLI (never a live ORM row)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    status: CaseStatus
    created_at: datetime
    updated_at: datetime
    caller_name: str
    callback_phone: str
    address: str
    kommun: str | None
    lat: float | None
    lon: float | None
    position_source: str | None = None
    position_accuracy_m: float | None = None
    position_flag: str | None = None
    patient_name: str
    personnummer: str | None
    patient_age: int | None
    complaint: str | None
    priority: str | None
    care_need: dict[str, Any] | None
    endpoint_code: str | None
    ruleset_version: str | None
    flags: list[str]
    waiting_since: datetime | None
    closed_at: datetime | None
    linked_case_id: int | None
    link_reason: str | None


def create_case(session: Session, actor: Actor, intake: CaseIntake, *, linked_case_id: int | None = None,
                link_reason: str | None = None) -> CaseView:
    at = now()
    case = Case(status=CaseStatus.DRAFT.value, created_at=at, updated_at=at, created_by=actor.user_id,
                flags=[], linked_case_id=linked_case_id, link_reason=link_reason,
                **intake.model_dump())
    session.add(case)
    session.flush()
    audit(session, actor, "case.create", case.id, **intake.model_dump(exclude={"personnummer"}),
          linked_case_id=linked_case_id)
    return CaseView.model_validate(case)


def update_intake(session: Session, actor: Actor, case_id: int, intake: CaseIntake) -> CaseView:
    case = _get(session, case_id)
    changed = {k: v for k, v in intake.model_dump().items() if getattr(case, k) != v}
    before = case.personnummer
    for k, v in changed.items():
        setattr(case, k, v)
    if changed:
        case.updated_at = now()
        # a changed personnummer names both patients, so that the case's history stays with the patient it
        # was written under (records.access_log)
        who = {"patient_before": before, "patient": case.personnummer} if "personnummer" in changed else {}
        audit(session, actor, "case.update_intake", case_id, fields=sorted(changed), **who)
    return CaseView.model_validate(case)


def get_case(session: Session, actor: Actor, case_id: int) -> CaseView:
    """Read one case. Every read is audited."""
    view = CaseView.model_validate(_get(session, case_id))
    audit(session, actor, "case.read", case_id, patient=view.personnummer)
    return view


def list_cases(session: Session, actor: Actor, statuses: Iterable[CaseStatus] | None = None,
               limit: int = 500, *, unchanged_from: Collection[int] | None = None) -> list[CaseView]:
    """Cases in the given statuses, newest first. The listing is audited once with the ids shown.

    A view that refreshes itself passes the ids it last had audited for this user as
    `unchanged_from`: the same set again is not audited again (a changed set is).
    """
    stmt = select(Case).order_by(Case.id.desc()).limit(limit)
    if statuses is not None:
        stmt = stmt.where(Case.status.in_([s.value for s in statuses]))
    views = [CaseView.model_validate(c) for c in session.scalars(stmt)]
    ids = [v.id for v in views]
    if views and (unchanged_from is None or set(unchanged_from) != set(ids)):
        audit(session, actor, "case.list", None, case_ids=ids)
    return views


def add_flags(session: Session, actor: Actor, case_id: int, *flags: str) -> None:
    case = _get(session, case_id)
    new = [f for f in flags if f not in case.flags]
    if new:
        case.flags = [*case.flags, *new]
        case.updated_at = now()
        audit(session, actor, "case.flag", case_id, flags=new)


def advance(session: Session, actor: Actor, case_id: int, event: CaseEvent, *, reason: str | None = None,
            **detail: Any) -> CaseStatus:
    """Move the case by `event` (records.case_state.RULES), audited; IllegalCaseTransition if it may not."""
    case = _get(session, case_id)
    old = case.status
    new = next_status(case_id, old, event, reason)
    case.status = new.value
    case.updated_at = now()
    if new is CaseStatus.WAITING and case.waiting_since is None:
        case.waiting_since = case.updated_at
    if new is CaseStatus.CLOSED:
        case.closed_at = case.updated_at
    audit(session, actor, "case.status", case_id, old=old, new=new.value, event=event.value, reason=reason,
          **detail)
    return new


class CaseNotFound(LookupError):
    pass


def _get(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    return case
