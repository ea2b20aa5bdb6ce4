"""SendPreAlert: förlarm — the call's preliminary Prio 1 goes to väntrummet before its triage ends.

The nurse's Ctrl+Enter while the triage is still going on and the preliminary priority is Prio 1. The case is
dispatchable at once, marked förlarm; FinishCall later updates the same case (records/pre_alert.py).
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from commands.base import Command, Done
from records.actor import Actor
from records.cases import CaseIntake, update_intake
from records.pre_alert import PreAlertTriage, send_pre_alert
from resources.vocabulary import Role


class SendPreAlert(Command):
    """The intake as typed and the preliminary Prio 1: the case to väntrummet, marked förlarm. Refused unless the
    priority is Prio 1 and the case's call is still being taken (not yet in väntrummet)."""

    name: ClassVar[str] = "case.pre_alert"
    action: ClassVar[str] = "skicka förlarm"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE,)
    result_type: ClassVar[type[BaseModel]] = Done

    case_id: int
    intake: CaseIntake
    triage: PreAlertTriage

    def handle(self, session: Session, actor: Actor) -> Done:
        update_intake(session, actor, self.case_id, self.intake)
        send_pre_alert(session, actor, self.case_id, self.triage)
        return Done(case_id=self.case_id)
