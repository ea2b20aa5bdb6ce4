"""Closing a case with a structured outcome; corrections; outcomes arriving from the units' feed.

A case is never closed without an outcome. Recording one closes the case, ends its active
assignments and schedules telephone follow-up where the settings say so — all audited, in the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from outcomes.codes import OutcomeCode, check_destination, parse_code
from outcomes.followup import schedule_followup
from outcomes.plan_answer import PlanAnswerError, check_plan_answer, current_plan_team, patient_team
from outcomes.settings import OutcomeSettings
from records.actor import Actor
from records.audit import audit, now
from records.case_state import CaseEvent, CaseStatus
from records.cases import CaseNotFound, advance
from records.models import Assignment, Case, Outcome
from records.text_fields import (
    LABELS,
    OutcomeDestination,
    OutcomeNote,
    UnitIdText,
    check_optional_text,
    column_length,
)
from resources.clock import LOCAL_TZ

Source = Literal["manual", "feed"]


class OutcomeRequired(ValueError):
    """A case may not be closed without a structured outcome."""


class OutcomeError(ValueError):
    """Bad outcome input; the message is Swedish and names what was wrong."""


class OutcomeView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    code: OutcomeCode
    destination: str | None
    source: str
    unit_id: str | None
    note: str | None
    recorded_at: datetime
    recorded_by: int | None
    superseded_by: int | None
    plan_followed: str | None = None  # yes | no | not_applicable; None: not asked (outcomes.plan_answer)
    plan_reason: str | None = None
    patient_team: str | None = None

    @property
    def label(self) -> str:
        return self.code.label


class FeedOutcome(BaseModel):
    """An outcome message from a unit feed (dispatch/ delivers these)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    unit_id: UnitIdText = Field(min_length=1)
    case_id: int
    code: str
    destination: OutcomeDestination | None = None
    note: OutcomeNote | None = None
    event_time: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_feed(cls, data: Any) -> Any:
        """Accept dispatch.feed's OutcomeMessage (or its dict): `ts` (Unix seconds) is the event time."""
        if isinstance(data, BaseModel):
            data = data.model_dump()
        if isinstance(data, Mapping) and data.get("event_time") is None and data.get("ts") is not None:
            data = {**data, "event_time": datetime.fromtimestamp(float(data["ts"]), UTC)}
        return data


def current_outcome(session: Session, case_id: int) -> Outcome | None:
    """The case's outcome in force (the latest row not superseded), or None."""
    return session.scalar(select(Outcome).where(Outcome.case_id == case_id, Outcome.superseded_by.is_(None))
                          .order_by(Outcome.id.desc()).limit(1))


def outcome_history(session: Session, case_id: int) -> list[OutcomeView]:
    rows = session.scalars(select(Outcome).where(Outcome.case_id == case_id).order_by(Outcome.id))
    return [OutcomeView.model_validate(r) for r in rows]


def _validated(code: OutcomeCode | str, destination: str | None, unit_id: str | None = None,
               note: str | None = None) -> tuple[OutcomeCode, str | None]:
    """The code and normalised destination; OutcomeError (Swedish, naming the field) for anything that
    the database would refuse or store differently on the two backends."""
    try:
        check_optional_text(unit_id, LABELS["unit_id"], column_length(Outcome.unit_id))
        check_optional_text(note, LABELS["note"], column_length(Outcome.note), multiline=True)
        oc = code if isinstance(code, OutcomeCode) else parse_code(code)
        dest = check_destination(oc, destination)
        return oc, check_optional_text(dest, LABELS["destination"], column_length(Outcome.destination))
    except ValueError as exc:
        raise OutcomeError(f"Utfallet kan inte registreras: {exc}".rstrip(".") + ".") from exc


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    return case


def record_outcome(session: Session, actor: Actor, case_id: int, code: OutcomeCode | str,
                   destination: str | None = None, source: Source = "manual", unit_id: str | None = None,
                   note: str | None = None, *, at: datetime | None = None,
                   settings: OutcomeSettings | None = None,
                   unit_types: Mapping[str, str] | None = None, plan_followed: str | None = None,
                   plan_reason: str | None = None) -> OutcomeView:
    """Record the case's outcome and close it. A closed case that already has one needs `correct_outcome`; a
    reopened case gets a new outcome that supersedes the one it was closed with (kept on record).

    `plan_followed` (yes | no | not_applicable; `no` with `plan_reason`): whether the patient's own care plan was
    followed — yes/no only for a patient with a plan valid on the outcome's day. The outcome also records the
    patient's team of the time (outcomes.plan_answer.patient_team) for the per-team statistics."""
    oc, dest = _validated(code, destination, unit_id, note)
    case = _case(session, case_id)
    earlier = current_outcome(session, case_id)
    if earlier is not None and case.status == CaseStatus.CLOSED.value:
        raise OutcomeError(f"Ärende {case_id} har redan ett utfall; använd rättelse för att ändra det.")
    at = at or now()
    followed, reason, team = _plan_answer(session, case, plan_followed, plan_reason, at)
    row = Outcome(case_id=case_id, code=oc.value, destination=dest, source=source, unit_id=unit_id, note=note,
                  recorded_at=at, recorded_by=actor.user_id, plan_followed=followed, plan_reason=reason,
                  patient_team=team)
    session.add(row)
    session.flush()
    if earlier is not None:  # the case was reopened after it closed: this outcome is the one in force now
        earlier.superseded_by = row.id
    audit(session, actor, "outcome.record", case_id, outcome_id=row.id, code=oc.value, destination=dest,
          source=source, unit_id=unit_id, plan_followed=followed, plan_reason=reason, patient_team=team)
    _end_assignments(session, actor, case_id, at)
    if case.status != CaseStatus.CLOSED.value:
        advance(session, actor, case_id, CaseEvent.CLOSE, reason=oc.value, outcome=oc.value)
        case.closed_at = at
    schedule_followup(session, actor, case_id, oc, at, settings=settings, unit_types=unit_types)
    return OutcomeView.model_validate(row)


def correct_outcome(session: Session, actor: Actor, case_id: int, code: OutcomeCode | str,
                    destination: str | None = None, note: str | None = None, *, source: Source = "manual",
                    unit_id: str | None = None, at: datetime | None = None,
                    settings: OutcomeSettings | None = None,
                    unit_types: Mapping[str, str] | None = None) -> OutcomeView:
    """Replace the outcome in force: a new row, the old one marked superseded; audited with old and new."""
    oc, dest = _validated(code, destination, unit_id, note)
    _case(session, case_id)
    old = current_outcome(session, case_id)
    if old is None:
        raise OutcomeError(f"Ärende {case_id} har inget utfall att rätta; registrera ett utfall först.")
    at = at or now()
    # A correction changes what happened; whether the plan was followed, and the team of the time, stay as recorded.
    row = Outcome(case_id=case_id, code=oc.value, destination=dest, source=source, unit_id=unit_id, note=note,
                  recorded_at=at, recorded_by=actor.user_id, plan_followed=old.plan_followed,
                  plan_reason=old.plan_reason, patient_team=old.patient_team)
    session.add(row)
    session.flush()
    old.superseded_by = row.id
    audit(session, actor, "outcome.correct", case_id, old={"id": old.id, "code": old.code,
          "destination": old.destination}, new={"id": row.id, "code": oc.value, "destination": dest}, note=note)
    schedule_followup(session, actor, case_id, oc, at, settings=settings, unit_types=unit_types)
    return OutcomeView.model_validate(row)


def _plan_answer(session: Session, case: Case, followed: str | None, reason: str | None,
                 at: datetime) -> tuple[str | None, str | None, str | None]:
    """(plan_followed, plan_reason, patient_team) as stored; OutcomeError (Swedish) for an answer that cannot be."""
    try:
        answer, why = check_plan_answer(followed, reason)
    except PlanAnswerError as exc:
        raise OutcomeError(f"Utfallet kan inte registreras: {exc}.") from exc
    day = at.astimezone(LOCAL_TZ).date()
    if answer in ("yes", "no") and current_plan_team(session, case, day) is None:
        raise OutcomeError(f"Utfallet kan inte registreras: patienten i ärende {case.id} har ingen gällande vårdplan, "
                           "så planen kan inte ha följts eller inte följts (svara ej tillämpligt).")
    return answer, why, patient_team(session, case, day)


def close_case(session: Session, actor: Actor, case_id: int) -> None:
    """Close a case that already has its outcome; refused (OutcomeRequired) when it has none."""
    case = _case(session, case_id)
    outcome = current_outcome(session, case_id)
    if outcome is None:
        raise OutcomeRequired(f"Ärende {case_id} kan inte avslutas utan ett strukturerat utfall. "
                              "Välj vad som hände patienten.")
    if case.status != CaseStatus.CLOSED.value:
        _end_assignments(session, actor, case_id, now())
        advance(session, actor, case_id, CaseEvent.CLOSE, reason=outcome.code, outcome=outcome.code)


def apply_feed_outcome(session: Session, system_actor: Actor, msg: BaseModel | Mapping[str, Any], *,
                       settings: OutcomeSettings | None = None,
                       unit_types: Mapping[str, str] | None = None) -> OutcomeView | None:
    """Handle an outcome message from a unit feed.

    No outcome yet: recorded and the case closed. The same outcome again (a repeated message): nothing
    changes. A different outcome from the feed corrects an earlier feed outcome, but never overrides an
    outcome entered by hand (that is audited as ignored). Returns the outcome in force, or None when ignored.
    """
    m = msg if isinstance(msg, FeedOutcome) else FeedOutcome.model_validate(msg)  # OutcomeMessage or dict
    oc, dest = _validated(m.code, m.destination)
    at = m.event_time or now()
    existing = current_outcome(session, m.case_id)
    if existing is None:
        return record_outcome(session, system_actor, m.case_id, oc, dest, source="feed", unit_id=m.unit_id,
                              note=m.note, at=at, settings=settings, unit_types=unit_types)
    if existing.code == oc.value and existing.destination == dest:
        return OutcomeView.model_validate(existing)
    if existing.source == "manual":
        audit(session, system_actor, "outcome.feed_ignored", m.case_id, unit_id=m.unit_id, code=oc.value,
              destination=dest, kept=existing.code)
        return None
    return correct_outcome(session, system_actor, m.case_id, oc, dest, note=m.note, source="feed",
                           unit_id=m.unit_id, at=at, settings=settings, unit_types=unit_types)


def _end_assignments(session: Session, actor: Actor, case_id: int, at: datetime) -> None:
    active = list(session.scalars(select(Assignment).where(Assignment.case_id == case_id, Assignment.active)))
    for a in active:
        a.active = False
        a.ended_at = at
        a.ended_reason = "case_closed"
    if active:
        audit(session, actor, "assignment.end", case_id, unit_ids=[a.unit_id for a in active],
              reason="case_closed")
