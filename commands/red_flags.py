"""A red flag the nurse raises (or takes back) at any moment of a call: a recorded, audited step of the case.

The triage engine ends the call at the flag's Prio 1 endpoint; the completed triage stores that path. This
command records the moment itself — which flag, by whom, when — so the case's history shows it even when the
call is later changed, handed over or never finished.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from commands.base import Command, Done
from records.actor import Actor
from records.audit import audit
from records.case_state import CaseEvent, CaseStatus, IllegalCaseTransition
from records.cases import CaseNotFound
from records.models import Case
from resources.vocabulary import Role


class RecordRedFlag(Command):
    """The nurse raised a red flag mid-call (or took it back with `withdrawn`); the case must still be open."""

    name: ClassVar[str] = "triage.red_flag"
    action: ClassVar[str] = "registrera röda flaggor"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = Done

    case_id: int
    flag_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=500)  # the flag's Swedish text as the nurse saw it
    complaint: str | None = Field(default=None, max_length=64)
    withdrawn: bool = False

    def handle(self, session: Session, actor: Actor) -> Done:
        case = session.get(Case, self.case_id)
        if case is None:
            raise CaseNotFound(f"Ärende {self.case_id} finns inte.")
        if case.status == CaseStatus.CLOSED.value:
            raise IllegalCaseTransition(self.case_id, CaseStatus.CLOSED, CaseEvent.TRIAGE,
                                        f"Ärende {self.case_id} är avslutat; en röd flagga kan inte registreras.")
        audit(session, actor, "triage.red_flag_withdrawn" if self.withdrawn else "triage.red_flag", self.case_id,
              flag=self.flag_id, text=self.text, complaint=self.complaint)
        return Done(case_id=self.case_id)

