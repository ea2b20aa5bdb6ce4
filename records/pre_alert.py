"""Förlarm (pre-alert): a call whose preliminary priority is Prio 1 goes to väntrummet before its triage ends.

The dispatcher can send a unit at once; the nurse's triage goes on in the same call. The case is marked with
PRE_ALERT_FLAG until the triage ends, when the same case is updated in place — triage result, priority, care need,
recommendation — whatever state it has reached (waiting or assigned; never pulled back), and the mark goes. A
lower final priority is therefore seen by the dispatcher as the case's new priority. All in the caller's
transaction, audited (docs/commands.md, "Förlarm").
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from records.actor import Actor, require_role
from records.audit import audit, now
from records.case_state import PRE_ALERT_FLAG, CaseEvent, CaseStatus, next_status
from records.cases import CaseNotFound, advance
from records.models import Case
from records.triage_store import CompletedTriage, keep_recommendation_shown, store_triage
from resources.vocabulary import Priority, Role


class PreAlertTriage(BaseModel):
    """What is known of the triage when the pre-alert is sent: the preliminary Prio 1, the care need for it (the
    rule set's escalation need for Prio 1) and why, as the nurse's screen shows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ruleset_version: str = Field(min_length=1, max_length=32)
    complaint: str = Field(min_length=1, max_length=64)
    priority: Priority
    care_need: dict[str, Any]
    reasons: list[str] = Field(default_factory=list)

    @field_validator("priority")
    @classmethod
    def _prio_1(cls, priority: Priority) -> Priority:
        if priority is not Priority.P1:
            raise ValueError(f"Förlarm kan bara skickas när den preliminära prioriteten är {Priority.P1.label} "
                             f"(den är {priority.label}); skicka ärendet när triageringen är klar.")
        return priority


def is_pre_alerted(case: Case) -> bool:
    return PRE_ALERT_FLAG in (case.flags or [])


def send_pre_alert(session: Session, actor: Actor, case_id: int, pre: PreAlertTriage) -> None:
    """Put a call still being taken (draft/triaged) in väntrummet at its preliminary Prio 1, marked förlarm."""
    require_role(actor, Role.NURSE, action="skicka förlarm")
    case = _get(session, case_id)
    next_status(case_id, case.status, CaseEvent.PRE_ALERT)  # refused before anything is written
    case.complaint, case.ruleset_version = pre.complaint, pre.ruleset_version
    case.priority, case.care_need = pre.priority.value, pre.care_need
    case.flags = [*[f for f in case.flags if f != PRE_ALERT_FLAG], PRE_ALERT_FLAG]
    case.updated_at = now()
    audit(session, actor, "case.pre_alert", case_id, priority=pre.priority.value, complaint=pre.complaint,
          reasons=list(pre.reasons))
    advance(session, actor, case_id, CaseEvent.PRE_ALERT, priority=pre.priority.value)


def complete_pre_alert(session: Session, actor: Actor, case_id: int, triage: CompletedTriage,
                       recommendation_shown: dict[str, Any] | None = None) -> int:
    """The pre-alerted call's triage has ended: store it on the same case where it now is (waiting or assigned),
    take the mark away and keep the recommendation the nurse saw. Returns the TriageResult id."""
    case = _get(session, case_id)
    next_status(case_id, case.status, CaseEvent.COMPLETE_PRE_ALERT)
    before = case.priority
    result_id = store_triage(session, actor, case_id, triage, event=CaseEvent.COMPLETE_PRE_ALERT)
    case.flags = [f for f in case.flags if f != PRE_ALERT_FLAG]
    if recommendation_shown is not None:
        keep_recommendation_shown(session, actor, case_id, recommendation_shown)
    audit(session, actor, "case.pre_alert_completed", case_id, result_id=result_id, priority_before=before,
          priority=triage.final_priority.value, status=CaseStatus(case.status).value)
    return result_id


def _get(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    return case
