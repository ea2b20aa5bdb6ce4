"""Storing a completed triage on its case, and the console's call drafts.

The triage engine (triage_rules/) is pure; this module persists what it produced:
the result with its path and any override (TriageResult), every answer in order
(TriageAnswer), the case's priority/care need/endpoint/rule-set version, and the
RLS review items an override or a consult flag calls for. All in the caller's
transaction, audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor, NotPermitted, require_role
from records.audit import audit, now
from records.case_state import CaseEvent, call_in_progress, next_status
from records.cases import CaseNotFound, advance
from records.identity import granted_roles, user_by_name
from records.models import CallDraft, Case, Recommendation, RoleGrant, TriageAnswer, TriageResult, User
from records.review_queue import open_review
from records.text_fields import OverrideReason
from resources.vocabulary import Priority, Role

CONSULT_FLAGS = frozenset({"rls_konsultation", "RLS-konsultation", "rls_consult"})


class AnswerRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    question_id: str = Field(min_length=1, max_length=64)  # triage_answers.question_id
    value: Any


class CompletedTriage(BaseModel):
    """What the console hands over when the nurse finishes the tree (plain data)."""

    model_config = ConfigDict(extra="forbid")

    ruleset_version: str = Field(min_length=1, max_length=32)  # the columns of triage_results
    complaint: str = Field(min_length=1, max_length=64)
    endpoint_code: str = Field(min_length=1, max_length=32)
    priority: Priority
    care_need: dict[str, Any]
    flags: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    path: list[dict[str, Any]] = Field(default_factory=list)
    answers: list[AnswerRecord] = Field(default_factory=list)
    override_priority: Priority | None = None
    override_care_need: dict[str, Any] | None = None
    override_reason: OverrideReason | None = None

    @model_validator(mode="after")
    def _override_has_reason(self) -> CompletedTriage:
        overridden = self.override_priority is not None or self.override_care_need is not None
        if overridden and not (self.override_reason or "").strip():
            raise ValueError("En överstyrning kräver en motivering.")
        return self

    @property
    def overridden(self) -> bool:
        return self.override_priority is not None or self.override_care_need is not None

    @property
    def final_priority(self) -> Priority:
        return self.override_priority or self.priority

    @property
    def final_care_need(self) -> dict[str, Any]:
        return self.override_care_need or self.care_need


def store_triage(session: Session, actor: Actor, case_id: int, triage: CompletedTriage, *,
                 event: CaseEvent = CaseEvent.TRIAGE) -> int:
    """Record the triage on the case; returns the TriageResult id. Nurses (and admins) only. `event`: the state
    change it makes (a pre-alerted case's triage leaves it where it is, records.pre_alert)."""
    require_role(actor, Role.NURSE, action="triagera ett ärende")
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    at = now()
    seq0 = len(case.answers)
    for i, a in enumerate(triage.answers, start=1):
        session.add(TriageAnswer(case_id=case_id, seq=seq0 + i, question_id=a.question_id,
                                 answer={"value": a.value}, answered_at=at, user_id=actor.user_id))
    result = TriageResult(
        case_id=case_id, ruleset_version=triage.ruleset_version, complaint=triage.complaint,
        endpoint_code=triage.endpoint_code, priority=triage.priority.value, care_need=triage.care_need,
        flags=list(triage.flags), reasons=list(triage.reasons), path=list(triage.path),
        override_priority=triage.override_priority.value if triage.override_priority else None,
        override_care_need=triage.override_care_need, override_reason=triage.override_reason,
        completed_at=at, user_id=actor.user_id)
    session.add(result)
    flags = list(dict.fromkeys([*case.flags, *triage.flags]))
    case.complaint, case.endpoint_code = triage.complaint, triage.endpoint_code
    case.ruleset_version = triage.ruleset_version
    case.priority, case.care_need = triage.final_priority.value, triage.final_care_need
    case.flags, case.updated_at = flags, at
    advance(session, actor, case_id, event, endpoint=triage.endpoint_code)
    session.flush()
    audit(session, actor, "triage.complete", case_id, result_id=result.id, endpoint=triage.endpoint_code,
          priority=triage.priority.value, override_priority=result.override_priority,
          override_reason=triage.override_reason)
    if triage.overridden:
        was = f"{triage.priority.label} → {triage.final_priority.label}" if triage.override_priority else "vårdbehov"
        open_review(session, actor, case_id, "override", f"Överstyrd ({was}): {triage.override_reason}")
    if CONSULT_FLAGS & set(triage.flags):
        open_review(session, actor, case_id, "consult", "Triageringen begär RLS-konsultation.")
    return result.id


def send_to_waiting_room(session: Session, actor: Actor, case_id: int, triage: CompletedTriage,
                         recommendation_shown: dict[str, Any] | None = None) -> int:
    """Store the triage and put the case in väntrummet for dispatch. The recommendation the nurse
    saw (dispatch's ResourceRecommendation as JSON) is kept as shown, for RLS review."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    next_status(case_id, case.status, CaseEvent.SEND_TO_WAITING_ROOM)  # refused before the triage is stored
    result_id = store_triage(session, actor, case_id, triage)
    if recommendation_shown is not None:
        keep_recommendation_shown(session, actor, case_id, recommendation_shown)
    advance(session, actor, case_id, CaseEvent.SEND_TO_WAITING_ROOM, priority=triage.final_priority.value)
    return result_id


def keep_recommendation_shown(session: Session, actor: Actor, case_id: int, shown: dict[str, Any]) -> None:
    """Keep the recommendation as the nurse saw it (dispatch's ResourceRecommendation as JSON), for RLS review."""
    parts = shown.get("parts") or [{}]
    unit = ((parts[0] or {}).get("recommended") or {}).get("unit_id")
    session.add(Recommendation(case_id=case_id, created_at=now(), user_id=actor.user_id,
                               recommended_unit_id=unit, ranking=shown))
    audit(session, actor, "recommendation.shown", case_id, recommended_unit_id=unit)


def latest_triage(session: Session, actor: Actor, case_id: int) -> TriageResult | None:
    """The case's latest stored triage. A read of the case: audited with the actor."""
    result = session.scalar(select(TriageResult).where(TriageResult.case_id == case_id)
                            .order_by(TriageResult.id.desc()).limit(1))
    if result is not None:
        case = session.get(Case, case_id)
        audit(session, actor, "case.read", case_id, via="triage", result_id=result.id,
              patient=case.personnummer if case is not None else None)
    return result


# --- call drafts -------------------------------------------------------------------------------

class DraftView(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    case_id: int | None
    payload: dict[str, Any]
    updated_at: datetime


def save_draft(session: Session, actor: Actor, payload: dict[str, Any], *, draft_id: int | None = None,
               case_id: int | None = None) -> int:
    """Create or update the user's draft; returns its id. Not audited per keystroke (content is
    audited when the case is stored)."""
    draft = session.get(CallDraft, draft_id) if draft_id is not None else None
    if draft is not None and draft.user_id != actor.user_id:  # handed over meanwhile (e.g. from another console)
        raise NotPermitted(f"Samtalet (ärende {draft.case_id}) har lämnats över till en kollega och sparas inte "
                           "längre härifrån.")
    if draft is None:
        draft = CallDraft(user_id=actor.user_id, case_id=case_id, payload=payload, updated_at=now())
        session.add(draft)
    else:
        draft.payload, draft.updated_at = payload, now()
        if case_id is not None:
            draft.case_id = case_id
    session.flush()
    return draft.id


def unfinished_draft(session: Session, actor: Actor) -> DraftView | None:
    """The user's latest draft whose case is still being taken (or has no case yet; a pre-alerted case in
    väntrummet is still being taken). Reopening the case is a read of it: audited."""
    rows = session.scalars(select(CallDraft).where(CallDraft.user_id == actor.user_id)
                           .order_by(CallDraft.updated_at.desc(), CallDraft.id.desc()))
    for draft in rows:
        if draft.case_id is None:
            return DraftView.model_validate(draft)
        case = session.get(Case, draft.case_id)
        if case is not None and call_in_progress(case.status, case.flags):
            audit(session, actor, "case.read", case.id, via="draft", draft_id=draft.id, patient=case.personnummer)
            return DraftView.model_validate(draft)
    return None


def discard_draft(session: Session, actor: Actor, draft_id: int) -> None:
    draft = session.get(CallDraft, draft_id)
    if draft is not None and draft.user_id == actor.user_id:
        session.delete(draft)


# --- handing an unfinished call over at shift change -------------------------------------------

class DraftNotFound(LookupError):
    pass


class Colleague(BaseModel):
    model_config = ConfigDict(frozen=True)

    username: str
    display_name: str


def handover_colleagues(session: Session, actor: Actor) -> list[Colleague]:
    """The active nurses other than the actor: whom an unfinished call may be handed to. The listing shows
    names, so it is audited."""
    require_role(actor, Role.NURSE, action="lämna över samtal")
    users = session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(User.active.is_(True), User.id != actor.user_id, RoleGrant.role == Role.NURSE.value,
               RoleGrant.revoked_at.is_(None))
        .distinct().order_by(User.display_name, User.username))
    found = [Colleague(username=u.username, display_name=u.display_name) for u in users]
    audit(session, actor, "user.list", purpose="draft.hand_over", count=len(found))
    return found


def hand_over_draft(session: Session, actor: Actor, draft_id: int, to_username: str) -> DraftView:
    """Hand the author's unfinished call (draft and case still draft/triaged, or pre-alerted) to another active
    nurse, who finds it when their console restores unfinished calls. Audited with from/to, the case and the patient."""
    require_role(actor, Role.NURSE, action="lämna över samtal")
    draft = session.get(CallDraft, draft_id)
    if draft is None:
        raise DraftNotFound(f"Samtalet (utkast {draft_id}) finns inte längre.")
    if draft.user_id != actor.user_id:
        raise NotPermitted("Bara den som tar samtalet kan lämna över det.")
    case = session.get(Case, draft.case_id) if draft.case_id is not None else None
    if case is None:
        raise ValueError("Samtalet har inget sparat ärende ännu; vänta tills det har sparats och försök igen.")
    if not call_in_progress(case.status, case.flags):
        raise ValueError(f"Ärende {case.id} är inte längre ett pågående samtal och kan inte lämnas över.")
    receiver = user_by_name(session, to_username)
    if receiver.id == actor.user_id:
        raise ValueError("Välj en kollega att lämna över samtalet till, inte dig själv.")
    if not receiver.active:
        raise NotPermitted(f"{receiver.username} är avaktiverad och kan inte ta emot samtalet.")
    if Role.NURSE not in granted_roles(session, receiver.id):
        raise NotPermitted(f"{receiver.username} har inte rollen {Role.NURSE.label} och kan inte ta emot samtalet.")
    draft.user_id, draft.updated_at = receiver.id, now()
    # A send the author prepared is the author's command; the receiver's send is a new one.
    draft.payload = {**draft.payload, "finish_command_id": None}
    session.flush()
    audit(session, actor, "draft.hand_over", case.id, draft_id=draft.id,
          **{"from": actor.username, "to": receiver.username}, from_user_id=actor.user_id,
          to_user_id=receiver.id, patient=case.personnummer)
    return DraftView.model_validate(draft)
