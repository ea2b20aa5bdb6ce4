"""What the nurse decided when a documented treatment limitation met the call's path, and why.

A limitation never silently changes a cardiac-arrest path (issue 20): the triage engine goes on to its endpoint and
reports the limitation (TriageResult.limitations, `applies`); the nurse — or the RLS physician she consults —
decides, and this command records the decision on the case: which limitation (as the console showed it, with its
source and date), what was decided, why, and on which endpoint's path. Following a limitation needs a reason, and
puts the case in the RLS physician's review queue (`limitation`).

Recording a decision changes nothing else: not the priority, not the care need. A nurse who then lowers the
priority does so with the existing override and its own reason. A later decision on the same case is a new row of
its history (she may first start CPR because it was unclear, then learn the decision applies); a retry with the
same command id is the first decision, once.
"""

from __future__ import annotations

from typing import ClassVar, Self

from pydantic import BaseModel, Field, model_validator
from sqlalchemy.orm import Session

from commands.base import Command, Done
from records.actor import Actor
from records.audit import audit
from records.case_state import CaseEvent, CaseStatus, IllegalCaseTransition
from records.cases import CaseNotFound
from records.models import Case
from records.review_queue import open_review
from resources.care_plan import LimitationDecision, LimitationKind
from resources.vocabulary import Role

ACTION = "triage.limitation_decision"
REVIEW_REASON = "limitation"


class RecordLimitationDecision(Command):
    """The decision on a documented limitation (`kind`) for an open case: `resuscitate`, `unclear_resuscitate` or
    `follow_limitation` for ej HLR; `follow_limitation` or `usual_care` for the others. `reason` is required when
    the limitation is followed."""

    name: ClassVar[str] = ACTION
    action: ClassVar[str] = "registrera beslut om behandlingsbegränsningar"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE, Role.PHYSICIAN)
    result_type: ClassVar[type[BaseModel]] = Done

    case_id: int
    kind: LimitationKind
    decision: LimitationDecision
    reason: str = Field(default="", max_length=1000)
    shown: str = Field(default="", max_length=500)  # the limitation as shown: "Ej HLR, beslutat av … dokumenterat i …"
    endpoint: str | None = Field(default=None, max_length=32)  # the path it met, e.g. RÖD.1.00

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if not self.decision.allowed_for(self.kind):
            allowed = ", ".join(d.value for d in LimitationDecision.for_kind(self.kind))
            raise ValueError(f"Beslutet '{self.decision.value}' gäller inte begränsningen {self.kind.label} "
                             f"(möjliga beslut: {allowed}).")
        if self.decision is LimitationDecision.FOLLOW_LIMITATION and not self.reason.strip():
            raise ValueError(f"Att följa begränsningen {self.kind.label} kräver en motivering: skriv varför "
                             "(t.ex. att beslutet är verifierat i journalen och vad som görs i stället).")
        return self

    def handle(self, session: Session, actor: Actor) -> Done:
        case = session.get(Case, self.case_id)
        if case is None:
            raise CaseNotFound(f"Ärende {self.case_id} finns inte.")
        if case.status == CaseStatus.CLOSED.value:
            raise IllegalCaseTransition(self.case_id, CaseStatus.CLOSED, CaseEvent.TRIAGE,
                                        f"Ärende {self.case_id} är avslutat; ett beslut om en behandlingsbegränsning "
                                        "kan inte registreras på det.")
        reason = self.reason.strip()
        audit(session, actor, ACTION, self.case_id, kind=self.kind.value, decision=self.decision.value,
              reason=reason, shown=self.shown.strip(), endpoint=self.endpoint)
        if self.decision is LimitationDecision.FOLLOW_LIMITATION:
            open_review(session, actor, self.case_id, REVIEW_REASON,
                        f"{self.decision.label(self.kind)}. Motivering: {reason}"
                        + (f" ({self.shown.strip()})" if self.shown.strip() else ""))
        return Done(case_id=self.case_id)
