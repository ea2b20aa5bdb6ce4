"""An administrator's edits of a patient's own plan: the plan of one team, a treatment limitation, a standing order.

Each names its entry by its natural key (patient and team; patient and kind; patient, team and text), never by a
row id: the nightly import replaces every row, so an id would not outlive the night, and the administrator — who
reads no patient data — edits from the source document without reading the register first. Each edit lasts until
the next nightly import, which replaces all plan content with the export (docs/care-plan-import.md): a change made
here must be made at the source too.

Only the admin role: a limitation is decided and documented by the patient's own physician in the patient's record,
and the register mirrors that record. A larmcentral physician (the RLS role) recording one here would make a
limitation that exists nowhere else — and the next import would drop it without a word.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from commands.base import Command
from records.actor import Actor
from records.care_plans import (
    CarePlanChange,
    CarePlanInput,
    LimitationInput,
    StandingOrderInput,
    remove_care_plan,
    remove_standing_order,
    remove_treatment_limitation,
    set_care_plan,
    set_standing_order,
    set_treatment_limitation,
)
from resources.care_plan import LimitationKind
from resources.vocabulary import Role

TOPIC = "care_plans"


class _CarePlanCommand(Command):
    roles: ClassVar[tuple[Role, ...]] = (Role.ADMIN,)
    topic: ClassVar[str] = TOPIC
    result_type: ClassVar[type[BaseModel]] = CarePlanChange


class SetCarePlan(_CarePlanCommand):
    """The patient's plan from one team, created or replaced as a whole (items and free text included)."""

    name: ClassVar[str] = "care_plan.set"
    action: ClassVar[str] = "ändra vårdplaner"

    plan: CarePlanInput

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return set_care_plan(session, actor, self.plan)


class RemoveCarePlan(_CarePlanCommand):
    name: ClassVar[str] = "care_plan.remove"
    action: ClassVar[str] = "ändra vårdplaner"

    personnummer: str = Field(min_length=1, max_length=20)
    team: str = Field(min_length=1, max_length=128)

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return remove_care_plan(session, actor, self.personnummer, self.team)


class SetTreatmentLimitation(_CarePlanCommand):
    """A limitation of one kind (ej HLR, ej IVA, ej sjukhusvård, annan), created or replaced."""

    name: ClassVar[str] = "treatment_limitation.set"
    action: ClassVar[str] = "ändra behandlingsbegränsningar"

    limitation: LimitationInput

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return set_treatment_limitation(session, actor, self.limitation)


class RemoveTreatmentLimitation(_CarePlanCommand):
    name: ClassVar[str] = "treatment_limitation.remove"
    action: ClassVar[str] = "ändra behandlingsbegränsningar"

    personnummer: str = Field(min_length=1, max_length=20)
    kind: LimitationKind

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return remove_treatment_limitation(session, actor, self.personnummer, self.kind)


class SetStandingOrder(_CarePlanCommand):
    """A standing order of one team (its text the key), created, or its last valid day changed."""

    name: ClassVar[str] = "standing_order.set"
    action: ClassVar[str] = "ändra ordinationer"

    order: StandingOrderInput

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return set_standing_order(session, actor, self.order)


class RemoveStandingOrder(_CarePlanCommand):
    name: ClassVar[str] = "standing_order.remove"
    action: ClassVar[str] = "ändra ordinationer"

    personnummer: str = Field(min_length=1, max_length=20)
    team: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=500)

    def handle(self, session: Session, actor: Actor) -> CarePlanChange:
        return remove_standing_order(session, actor, self.personnummer, self.team, self.text)
