"""The nurse's commands for a call: open the case, keep the draft, complete the triage, finish the call."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from commands.base import Command, Done
from outcomes.closing import record_outcome
from outcomes.codes import OutcomeCode
from outcomes.recontact import check_and_link
from records.actor import Actor
from records.audit import audit
from records.case_state import PRE_ALERT_FLAG, CaseEvent, call_in_progress
from records.cases import CaseIntake, advance, create_case, update_intake
from records.models import CallDraft, Case
from records.pre_alert import complete_pre_alert, is_pre_alerted
from records.triage_store import (
    CompletedTriage,
    discard_draft,
    hand_over_draft,
    save_draft,
    send_to_waiting_room,
    store_triage,
)
from resources.care_need import CareNeed
from resources.vocabulary import Priority, Role
from triage_rules.loader import RuleSetError, load_ruleset
from triage_rules.override_need import find_endpoint, override_care_need
from triage_rules.results import care_need_json


class CaseCreated(BaseModel):
    case_id: int


class CreateCase(Command):
    """A new ärende in `draft`: the first keystroke of a call (or a follow-up that went worse)."""

    name: ClassVar[str] = "case.create"
    action: ClassVar[str] = "öppna ärenden"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = CaseCreated

    intake: CaseIntake = CaseIntake()

    def handle(self, session: Session, actor: Actor) -> CaseCreated:
        return CaseCreated(case_id=create_case(session, actor, self.intake).id)


class DraftSaved(BaseModel):
    case_id: int
    draft_id: int


class SaveDraft(Command):
    """The call as typed so far: the intake on the case and the console's draft (a crash loses nothing)."""

    name: ClassVar[str] = "draft.save"
    action: ClassVar[str] = "spara samtal"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    topic: ClassVar[str] = "drafts"
    result_type: ClassVar[type[BaseModel]] = DraftSaved

    case_id: int
    intake: CaseIntake
    payload: dict[str, Any]
    draft_id: int | None = None

    def handle(self, session: Session, actor: Actor) -> DraftSaved:
        update_intake(session, actor, self.case_id, self.intake)
        draft_id = save_draft(session, actor, {**self.payload, "case_id": self.case_id}, draft_id=self.draft_id,
                              case_id=self.case_id)
        return DraftSaved(case_id=self.case_id, draft_id=draft_id)


class DiscardDraft(Command):
    """The nurse cancels the call in progress: the draft goes (the case stays, as every case does). A call at
    Prio 1 — preliminary (`priority` as the screen showed it) or pre-alerted — is cancelled only with a reason;
    the cancellation, its reason and the priority are audited."""

    name: ClassVar[str] = "draft.discard"
    action: ClassVar[str] = "avbryta samtal"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    topic: ClassVar[str] = "drafts"
    result_type: ClassVar[type[BaseModel]] = Done
    lock_on: ClassVar[tuple[type[Any], str] | None] = (CallDraft, "draft_id")

    draft_id: int
    priority: Priority | None = None
    reason: str | None = Field(default=None, max_length=500)

    def handle(self, session: Session, actor: Actor) -> Done:
        draft = session.get(CallDraft, self.draft_id)
        case = session.get(Case, draft.case_id) if draft is not None and draft.case_id is not None else None
        reason = (self.reason or "").strip() or None
        prio_1 = self.priority is Priority.P1 or (case is not None and case.priority == Priority.P1.value
                                                  and call_in_progress(case.status, case.flags))
        if prio_1 and reason is None:
            where = f"ärende {case.id}" if case is not None else "samtalet"
            raise ValueError(f"Samtalet ({where}) har {Priority.P1.label} och kan bara avbrytas med ett skäl.")
        if draft is not None and draft.user_id == actor.user_id:
            audit(session, actor, "draft.discard", draft.case_id, draft_id=draft.id, reason=reason,
                  priority=self.priority.value if self.priority else None,
                  pre_alert=case is not None and PRE_ALERT_FLAG in case.flags)
        discard_draft(session, actor, self.draft_id)
        return Done(case_id=case.id if case is not None else None)


class DraftHandedOver(BaseModel):
    case_id: int
    draft_id: int
    to_username: str


class HandOverDraft(Command):
    """Shift change: the author hands an unfinished call to another active nurse (audited with from/to)."""

    name: ClassVar[str] = "draft.hand_over"
    action: ClassVar[str] = "lämna över samtal"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    topic: ClassVar[str] = "drafts"
    result_type: ClassVar[type[BaseModel]] = DraftHandedOver
    lock_on: ClassVar[tuple[type[Any], str] | None] = (CallDraft, "draft_id")

    draft_id: int
    to_username: str

    def handle(self, session: Session, actor: Actor) -> DraftHandedOver:
        draft = hand_over_draft(session, actor, self.draft_id, self.to_username)
        assert draft.case_id is not None  # only a call with a stored case is handed over
        return DraftHandedOver(case_id=draft.case_id, draft_id=draft.id, to_username=self.to_username.strip())


def with_override_need(triage: CompletedTriage) -> CompletedTriage:
    """A priority-only override gets the care need that fits the new priority (triage_rules.override_need),
    so the case never keeps a need made for another priority (e.g. a home visit at Prio 1)."""
    if (triage.override_priority is None or triage.override_care_need is not None
            or triage.override_priority == triage.priority):
        return triage
    try:
        rs = load_ruleset(version=triage.ruleset_version)
    except RuleSetError as exc:
        raise ValueError(f"Överstyrningen till {triage.override_priority.label} kan inte få ett vårdbehov: "
                         f"regelverk {triage.ruleset_version} kan inte läsas ({'; '.join(exc.problems)})") from exc
    endpoint = find_endpoint(rs, triage.endpoint_code)
    if endpoint is None:
        raise ValueError(f"Överstyrningen kan inte få ett vårdbehov: ändpunkt {triage.endpoint_code} finns inte "
                         f"i regelverk {triage.ruleset_version}")
    need, _ = override_care_need(rs, endpoint, CareNeed.model_validate(triage.care_need), triage.priority,
                                 triage.override_priority)
    return triage.model_copy(update={"override_care_need": care_need_json(need)})


class TriageStored(BaseModel):
    case_id: int
    result_id: int


class CompleteTriage(Command):
    """Store a completed triage on the case (draft or triaged → triaged)."""

    name: ClassVar[str] = "triage.complete"
    action: ClassVar[str] = "triagera ett ärende"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = TriageStored

    case_id: int
    triage: CompletedTriage

    def handle(self, session: Session, actor: Actor) -> TriageStored:
        result_id = store_triage(session, actor, self.case_id, with_override_need(self.triage))
        return TriageStored(case_id=self.case_id, result_id=result_id)


class SendToWaitingRoom(Command):
    """Store the triage and put the case in väntrummet, with the recommendation the nurse saw."""

    name: ClassVar[str] = "case.send_to_waiting_room"
    action: ClassVar[str] = "skicka ärenden till väntrummet"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = TriageStored

    case_id: int
    triage: CompletedTriage
    recommendation_shown: dict[str, Any] | None = None

    def handle(self, session: Session, actor: Actor) -> TriageStored:
        result_id = send_to_waiting_room(session, actor, self.case_id, with_override_need(self.triage),
                                         self.recommendation_shown)
        return TriageStored(case_id=self.case_id, result_id=result_id)


class CallFinished(BaseModel):
    case_id: int
    where: Literal["waiting", "referred"]
    result_id: int
    recontact_of: int | None = None
    pre_alert: bool = False  # the case had been pre-alerted: updated in place (records/pre_alert.py)


class FinishCall(Command):
    """Ctrl+Enter: the intake as typed, the triage, then väntrummet (with a recontact check) or — for a
    referral — the outcome "hänvisad" that closes the case; the draft goes. A pre-alerted case (SendPreAlert) is
    updated where it is instead, never closed from here. One transaction: all or nothing."""

    name: ClassVar[str] = "call.finish"
    action: ClassVar[str] = "avsluta samtal"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = CallFinished

    case_id: int
    intake: CaseIntake
    triage: CompletedTriage
    referral: bool = False
    recommendation_shown: dict[str, Any] | None = None
    draft_id: int | None = None

    def handle(self, session: Session, actor: Actor) -> CallFinished:
        update_intake(session, actor, self.case_id, self.intake)
        recontact_of = None
        triage = with_override_need(self.triage)
        case = session.get(Case, self.case_id)
        pre_alerted = case is not None and is_pre_alerted(case)
        if pre_alerted:
            # Förlarm: the same case is updated where it is — a referral too stays for the dispatcher to close,
            # since a unit may already be on its way.
            result_id = complete_pre_alert(session, actor, self.case_id, triage, self.recommendation_shown)
        elif self.referral:
            result_id = store_triage(session, actor, self.case_id, triage)
            record_outcome(session, actor, self.case_id, OutcomeCode.REFERRED, note=triage.endpoint_code)
        else:
            result_id = send_to_waiting_room(session, actor, self.case_id, triage, self.recommendation_shown)
        if not self.referral or pre_alerted:
            match = check_and_link(session, actor, self.case_id)
            recontact_of = match.case_id if match is not None else None
        if self.draft_id is not None:
            discard_draft(session, actor, self.draft_id)
        return CallFinished(case_id=self.case_id, where="referred" if self.referral and not pre_alerted else "waiting",
                            result_id=result_id, recontact_of=recontact_of, pre_alert=pre_alerted)


class ReopenCase(Command):
    """A closed case needs care again: back to väntrummet with the reason (its outcome stays on record)."""

    name: ClassVar[str] = "case.reopen"
    action: ClassVar[str] = "återöppna ärenden"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE, Role.PHYSICIAN)
    result_type: ClassVar[type[BaseModel]] = Done

    case_id: int
    reason: str

    def handle(self, session: Session, actor: Actor) -> Done:
        advance(session, actor, self.case_id, CaseEvent.REOPEN, reason=self.reason)
        return Done(case_id=self.case_id)
