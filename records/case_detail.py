"""The whole case as the dispatcher's case panel shows it: caller and callback number, place, patient, the triage
path with its answers, red flags, vital signs, the notes (newest first), the recommendation as the nurse saw it and
the units sent with their times, and the patient's own plan (care plans, treatment limitations, standing orders,
expired ones marked). One read, audited as a read of the patient's data (`case.read`, via "detail"), and the plan's
read as the register's own audited read (`patient.care_plan.read`, records.care_plans.care_plan_for).

Plain data only: the console formats it (labels of vital signs, unit names from the fleet, local times). The
stored codes (question ids, endpoint, flag ids) travel beside the Swedish texts, for tooltips and the RLS view,
never instead of them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor
from records.audit import audit
from records.care_plans import care_plan_for
from records.case_summary import require_case_reader
from records.cases import CaseNotFound, CaseView
from records.db import scalars_where_in
from records.models import (
    Assignment,
    Case,
    CaseNote,
    Recommendation,
    TriageAnswer,
    TriageResult,
    UnitStatusEvent,
    User,
)
from records.personnummer import InvalidPersonnummer
from resources.care_plan import CarePlanView

VITAL_PREFIX = "vital:"  # console.calltaking.triage_driver.VITAL_ANSWER_PREFIX: a vital sign taken with the panel
RAISED = "ja"  # triage_rules.schema.YES: a red-flag question answered yes
RED_FLAG_KINDS = ("red_flag", "manual_red_flag")
CLOCK_SLACK = timedelta(seconds=5)  # a unit's report may carry a clock a little ahead of ours


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AnswerLine(_Frozen):
    """One step of the triage path: the question as the nurse read it and the answer given."""

    question: str
    answer: str
    code: str  # the question's id in the rule set (a tooltip, never the text)
    kind: str
    automatic: bool = False  # answered from the register or a vital sign, not asked


class RedFlagLine(_Frozen):
    text: str
    code: str
    by_hand: bool  # raised by the nurse at any moment (Ctrl+R), not asked in the tree


class NoteLine(_Frozen):
    id: int
    text: str
    written_at: datetime
    author: str  # display name (the username when it has none)
    role: str  # Role value the author wrote as


class UnitStep(_Frozen):
    status: str  # UnitStatus value as the unit reported it
    at: datetime


class UnitLine(_Frozen):
    unit_id: str
    part: str  # "" for the main part
    active: bool
    assigned_at: datetime
    assigned_by: str
    ended_at: datetime | None
    ended_reason: str | None
    deviation_reason: str | None
    recommended_unit_id: str | None
    steps: list[UnitStep]  # each status the unit reported on this case, first time each, in order


class CaseDetail(_Frozen):
    case: CaseView
    triage_priority: str | None  # what the rules gave (case.priority is the final one, after any override)
    override_priority: str | None
    override_reason: str | None
    endpoint_code: str | None
    triaged_at: datetime | None
    triaged_by: str | None
    answers: list[AnswerLine]
    red_flags: list[RedFlagLine]
    vitals: dict[str, float | str]  # name (triage_rules.vital_scores.VITAL_NAMES) → value, as last taken
    notes: list[NoteLine]  # newest first
    recommendation_shown: dict[str, Any] | None  # dispatch.recommendation_model.ResourceRecommendation as JSON
    recommendation_shown_at: datetime | None
    units: list[UnitLine]  # in the order they were sent
    care_plan: CarePlanView | None = None  # the patient's own plan; None when the case names no valid personnummer


def case_detail(session: Session, actor: Actor, case_id: int) -> CaseDetail:
    """Everything the panel shows about one case. NotPermitted outside the clinical roles; CaseNotFound (Swedish)."""
    require_case_reader(actor, "läsa ärenden")  # the same roles as the timeline and the search
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    result = session.scalar(select(TriageResult).where(TriageResult.case_id == case_id)
                            .order_by(TriageResult.id.desc()).limit(1))
    notes = list(session.scalars(select(CaseNote).where(CaseNote.case_id == case_id)
                                 .order_by(CaseNote.written_at.desc(), CaseNote.id.desc())))
    rec = session.scalar(select(Recommendation).where(Recommendation.case_id == case_id)
                         .order_by(Recommendation.id.desc()).limit(1))
    assignments = list(session.scalars(select(Assignment).where(Assignment.case_id == case_id)
                                       .order_by(Assignment.assigned_at, Assignment.id)))
    user_ids = {n.user_id for n in notes} | {a.assigned_by for a in assignments}
    if result is not None:
        user_ids.add(result.user_id)
    names = {u.id: u.display_name or u.username for u in scalars_where_in(session, User, User.id, sorted(user_ids))}
    path = [step for step in (result.path if result is not None else []) if isinstance(step, dict)]
    detail = CaseDetail(
        case=CaseView.model_validate(case),
        triage_priority=result.priority if result else None,
        override_priority=result.override_priority if result else None,
        override_reason=result.override_reason if result else None,
        endpoint_code=result.endpoint_code if result else None,
        triaged_at=result.completed_at if result else None,
        triaged_by=names.get(result.user_id) if result else None,
        answers=[AnswerLine(question=str(s.get("text", "")), answer=str(s.get("answer_label", "")),
                            code=str(s.get("question_id", "")), kind=str(s.get("kind", "")),
                            automatic=bool(s.get("automatic"))) for s in path],
        red_flags=[RedFlagLine(text=str(s.get("text", "")), code=str(s.get("question_id", "")),
                               by_hand=s.get("kind") == "manual_red_flag")
                   for s in path if s.get("kind") in RED_FLAG_KINDS and s.get("answer") == RAISED],
        vitals=_vitals(session, case_id),
        notes=[NoteLine(id=n.id, text=n.text, written_at=n.written_at, author=names.get(n.user_id, "?"), role=n.role)
               for n in notes],
        recommendation_shown=rec.ranking if rec is not None else None,
        recommendation_shown_at=rec.created_at if rec is not None else None,
        units=_units(session, case_id, assignments, names),
    )
    audit(session, actor, "case.read", case_id, via="detail", patient=case.personnummer, notes=len(notes))
    return detail.model_copy(update={"care_plan": _care_plan(session, actor, case.personnummer)})


def _care_plan(session: Session, actor: Actor, personnummer: str | None) -> CarePlanView | None:
    """The patient's plan, read (and audited) as the register reads it; none for a case without a valid number."""
    if not personnummer:
        return None
    try:
        return care_plan_for(session, actor, personnummer)
    except InvalidPersonnummer:
        return None


def _vitals(session: Session, case_id: int) -> dict[str, float | str]:
    """The vital signs taken with the panel, as stored with the triage answers (the last value of each)."""
    rows = session.execute(select(TriageAnswer.question_id, TriageAnswer.answer)
                           .where(TriageAnswer.case_id == case_id, TriageAnswer.question_id.like(f"{VITAL_PREFIX}%"))
                           .order_by(TriageAnswer.seq, TriageAnswer.id))
    out: dict[str, float | str] = {}
    for question_id, answer in rows:
        value = answer.get("value") if isinstance(answer, dict) else None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            out[question_id.removeprefix(VITAL_PREFIX)] = value
    return out


def _units(session: Session, case_id: int, assignments: list[Assignment], names: dict[int, str]) -> list[UnitLine]:
    """Each assignment with the statuses its unit reported on the case while on it (a unit sent twice, after a
    recall, has each time's own); the first report of each status, as position updates repeat it."""
    steps: dict[int, list[UnitStep]] = {a.id: [] for a in assignments}
    by_unit: dict[str, list[Assignment]] = {}
    for a in assignments:
        by_unit.setdefault(a.unit_id, []).append(a)
    if by_unit:
        events = session.execute(select(UnitStatusEvent.unit_id, UnitStatusEvent.status, UnitStatusEvent.event_time)
                                 .where(UnitStatusEvent.unit_id.in_(sorted(by_unit)),
                                        UnitStatusEvent.case_id == case_id)
                                 .order_by(UnitStatusEvent.event_time, UnitStatusEvent.id))
        for unit_id, status, at in events:
            # the unit's latest assignment sent before the report (its clock may run a little early)
            sent = by_unit[unit_id]
            owner = next((a for a in reversed(sent) if a.assigned_at <= at + CLOCK_SLACK), sent[0])
            if all(s.status != status for s in steps[owner.id]):
                steps[owner.id].append(UnitStep(status=status, at=at))
    return [UnitLine(unit_id=a.unit_id, part=a.part, active=a.active, assigned_at=a.assigned_at,
                     assigned_by=names.get(a.assigned_by, "?"), ended_at=a.ended_at, ended_reason=a.ended_reason,
                     deviation_reason=a.deviation_reason, recommended_unit_id=a.recommended_unit_id,
                     steps=steps[a.id])
            for a in assignments]
