"""Telephone follow-up (telefonuppföljning) of patients left at home or answered by a non-ambulance unit.

A task is created when an outcome is recorded, due after the interval the settings give for the
outcome (or the non-ambulance interval). The queue is ordered by due time with overdue tasks flagged.
The call's result is recorded; "worse" opens a new case linked to the old one, pre-filled.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outcomes.codes import OutcomeCode
from outcomes.settings import OutcomeSettings, outcome_settings
from outcomes.units import unit_type
from records.actor import Actor, require_role
from records.audit import audit, now
from records.cases import CaseIntake, add_flags, create_case
from records.models import Assignment, Case, FollowUp, Outcome
from records.text_fields import LABELS, check_optional_text, column_length
from resources.vocabulary import Role

NON_AMBULANCE_REASON = "non_ambulance"
WORSE_FLAG = "uppföljning_försämrad"


class FollowUpResult(StrEnum):
    BETTER = "better"
    UNCHANGED = "unchanged"
    WORSE = "worse"

    @property
    def label(self) -> str:
        return {"better": "Bättre", "unchanged": "Oförändrat", "worse": "Sämre"}[self.value]


class FollowUpError(ValueError):
    """Bad follow-up input or state; the message is Swedish."""


class FollowUpItem(BaseModel):
    """One row of the follow-up queue as plain data for the console."""

    model_config = ConfigDict(frozen=True)

    id: int
    case_id: int
    reason: str
    reason_label: str
    due_at: datetime
    overdue: bool
    status: str
    result: FollowUpResult | None
    note: str | None
    done_at: datetime | None
    new_case_id: int | None
    patient_name: str
    personnummer: str | None
    callback_phone: str
    address: str
    kommun: str | None
    priority: str | None
    outcome_code: OutcomeCode | None
    outcome_label: str | None


class FollowUpDone(BaseModel):
    followup_id: int
    case_id: int
    result: FollowUpResult
    new_case_id: int | None = None


def reason_label(reason: str) -> str:
    if reason == NON_AMBULANCE_REASON:
        return "Besvarad av annan resurs än ambulans"
    try:
        return OutcomeCode(reason).label
    except ValueError:
        return reason


def followup_due(session: Session, case_id: int, code: OutcomeCode, at: datetime, settings: OutcomeSettings,
                 unit_types: Mapping[str, str] | None = None) -> tuple[str, datetime] | None:
    """(reason, due time) of the follow-up a case with this outcome needs, or None."""
    if code.value in settings.no_followup_codes:
        return None
    interval = settings.followup_interval(code)
    if interval is not None:
        return code.value, at + interval
    units = list(session.scalars(select(Assignment.unit_id).where(Assignment.case_id == case_id)))
    if units and not any(unit_type(u, unit_types) in settings.ambulance_types for u in units):
        return NON_AMBULANCE_REASON, at + timedelta(hours=settings.non_ambulance_followup_hours)
    return None


def schedule_followup(session: Session, actor: Actor, case_id: int, code: OutcomeCode, at: datetime, *,
                      settings: OutcomeSettings | None = None,
                      unit_types: Mapping[str, str] | None = None) -> FollowUp | None:
    """Create (or, after a corrected outcome, move or cancel) the case's open follow-up task."""
    settings = settings or outcome_settings()
    due = followup_due(session, case_id, code, at, settings, unit_types)
    open_task = session.scalar(select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.status == "open"))
    if open_task is not None:
        if due is None:
            open_task.status = "cancelled"
            audit(session, actor, "followup.cancel", case_id, followup_id=open_task.id, outcome=code.value)
            return None
        open_task.reason, open_task.due_at = due
        audit(session, actor, "followup.reschedule", case_id, followup_id=open_task.id, due_at=due[1])
        return open_task
    if due is None:
        return None
    task = FollowUp(case_id=case_id, reason=due[0], due_at=due[1], created_at=now(), status="open")
    session.add(task)
    session.flush()
    audit(session, actor, "followup.create", case_id, followup_id=task.id, reason=due[0], due_at=due[1])
    return task


def overdue_followups(session: Session, at: datetime | None = None) -> int:
    """"Försenade uppföljningar": open follow-ups whose due time has passed, of every case — the number the
    console's status bar, the follow-up pane, the statistics and the quality report all give (one definition,
    one name; a count, no patient data)."""
    at = at or now()
    return int(session.scalar(select(func.count()).select_from(FollowUp)
                              .where(FollowUp.status == "open", FollowUp.due_at < at)) or 0)


def followup_queue(session: Session, actor: Actor, at: datetime | None = None, *,
                   include_done: bool = False, overdue_only: bool = False) -> list[FollowUpItem]:
    """Open follow-ups ordered by due time (overdue first by nature), each flagged overdue if past due."""
    at = at or now()
    stmt = select(FollowUp, Case).join(Case, Case.id == FollowUp.case_id).order_by(FollowUp.due_at, FollowUp.id)
    if not include_done:
        stmt = stmt.where(FollowUp.status == "open")
    if overdue_only:
        stmt = stmt.where(FollowUp.status == "open", FollowUp.due_at < at)
    rows = session.execute(stmt).all()
    outcomes = _current_outcomes(session, [c.id for _, c in rows])
    items = []
    for f, c in rows:
        o = outcomes.get(c.id)
        oc = OutcomeCode(o.code) if o is not None else None
        items.append(FollowUpItem(
            id=f.id, case_id=c.id, reason=f.reason, reason_label=reason_label(f.reason), due_at=f.due_at,
            overdue=f.status == "open" and f.due_at < at, status=f.status,
            result=FollowUpResult(f.result) if f.result else None, note=f.note, done_at=f.done_at,
            new_case_id=f.new_case_id, patient_name=c.patient_name, personnummer=c.personnummer,
            callback_phone=c.callback_phone, address=c.address, kommun=c.kommun, priority=c.priority,
            outcome_code=oc, outcome_label=oc.label if oc else None))
    if items:
        audit(session, actor, "followup.list", None, case_ids=[i.case_id for i in items])
    return items


def record_followup_result(session: Session, actor: Actor, followup_id: int, result: FollowUpResult | str,
                           note: str | None = None, *, at: datetime | None = None) -> FollowUpDone:
    """Record the call's result. "worse" opens a new case linked to the old one, pre-filled from it."""
    require_role(actor, Role.NURSE, Role.PHYSICIAN, action="registrera telefonuppföljning")
    check_optional_text(note, LABELS["note"], column_length(FollowUp.note), multiline=True)
    try:
        res = FollowUpResult(result)
    except ValueError:
        raise FollowUpError(f"okänt resultat {result!r}; välj better (bättre), unchanged (oförändrat) "
                            "eller worse (sämre)") from None
    task = session.get(FollowUp, followup_id)
    if task is None:
        raise FollowUpError(f"Uppföljning {followup_id} finns inte.")
    if task.status != "open":
        raise FollowUpError(f"Uppföljning {followup_id} är redan avslutad.")
    old = session.get(Case, task.case_id)
    assert old is not None
    new_case_id = None
    if res is FollowUpResult.WORSE:
        intake = CaseIntake(caller_name=old.caller_name, callback_phone=old.callback_phone, address=old.address,
                            kommun=old.kommun, lat=old.lat, lon=old.lon, patient_name=old.patient_name,
                            personnummer=old.personnummer, patient_age=old.patient_age)
        new = create_case(session, actor, intake, linked_case_id=old.id, link_reason="followup_worse")
        add_flags(session, actor, new.id, WORSE_FLAG)
        new_case_id = new.id
    task.status, task.result, task.note = "done", res.value, note
    task.done_at, task.done_by, task.new_case_id = at or now(), actor.user_id, new_case_id
    audit(session, actor, "followup.result", task.case_id, followup_id=task.id, result=res.value,
          new_case_id=new_case_id)
    return FollowUpDone(followup_id=task.id, case_id=task.case_id, result=res, new_case_id=new_case_id)


def _current_outcomes(session: Session, case_ids: list[int]) -> dict[int, Outcome]:
    if not case_ids:
        return {}
    rows = session.scalars(select(Outcome).where(Outcome.case_id.in_(case_ids), Outcome.superseded_by.is_(None)))
    return {o.case_id: o for o in rows}
