"""One line about a case, as the search hits and the timeline's heading show it: plain data, Swedish texts.

Who may see a case at all is decided here too: the clinical roles. The administrator has no clinical right
(records.identity refuses an administrator's patient reads in the audit log as well)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from records.actor import Actor, require_role
from records.case_state import CaseStatus
from records.models import Case
from resources.clock import LOCAL_TZ
from resources.vocabulary import Priority, Role

CASE_READERS = (Role.NURSE, Role.DISPATCHER, Role.PHYSICIAN)


def require_case_reader(actor: Actor, action: str) -> None:
    """NotPermitted (Swedish) unless the actor works in a clinical role."""
    require_role(actor, *CASE_READERS, action=action)


class CaseSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: int
    created_at: datetime  # Swedish local time
    status: str  # CaseStatus value
    status_text: str
    priority_text: str  # "Prio 1" … "Hänvisning", "" before triage
    patient: str  # name and personnummer, as known
    personnummer: str | None
    callback_phone: str
    address: str  # with the kommun
    linked_case_id: int | None


def priority_text(priority: str | None) -> str:
    if not priority:
        return ""
    try:
        return Priority(priority).label
    except ValueError:
        return priority


def status_text(status: str) -> str:
    try:
        return CaseStatus(status).label
    except ValueError:
        return status


def summarise(case: Case) -> CaseSummary:
    patient = " ".join(p for p in (case.patient_name, f"({case.personnummer})" if case.personnummer else "") if p)
    place = ", ".join(p for p in (case.address, case.kommun or "") if p)
    return CaseSummary(case_id=case.id, created_at=case.created_at.astimezone(LOCAL_TZ), status=case.status,
                       status_text=status_text(case.status), priority_text=priority_text(case.priority),
                       patient=patient, personnummer=case.personnummer, callback_phone=case.callback_phone,
                       address=place, linked_case_id=case.linked_case_id)
