"""Outcomes and follow-up: record or correct what happened to the patient, apply a unit's reported outcome,
and the result of a telephone follow-up."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from commands.base import CLINICAL_ROLES, Command
from outcomes.closing import FeedOutcome, OutcomeView, correct_outcome, record_outcome
from outcomes.followup import FollowUpDone, FollowUpResult, record_followup_result
from outcomes.plan_answer import PlanFollowed
from outcomes.system_jobs import apply_outcome_once
from records.actor import Actor
from records.models import FollowUp
from resources.vocabulary import Role

FEED_OUTCOME_NAMESPACE = uuid.UUID("6f1c2d4e-9a0b-4c3d-8e7f-5a6b7c8d9e0f")


class RecordOutcome(Command):
    """The case's structured outcome, entered by hand; closes the case and schedules follow-up."""

    name: ClassVar[str] = "outcome.record"
    action: ClassVar[str] = "registrera utfall"
    roles: ClassVar[tuple[Role, ...]] = CLINICAL_ROLES
    result_type: ClassVar[type[BaseModel]] = OutcomeView

    case_id: int
    code: str
    destination: str | None = None
    unit_id: str | None = None
    note: str | None = None
    plan_followed: PlanFollowed | None = None  # whether the patient's own plan was followed (a patient with one)
    plan_reason: str | None = None  # why not (with "no")

    def handle(self, session: Session, actor: Actor) -> OutcomeView:
        return record_outcome(session, actor, self.case_id, self.code, self.destination, "manual", self.unit_id,
                              self.note, plan_followed=self.plan_followed, plan_reason=self.plan_reason)


class CorrectOutcome(Command):
    """Replace the outcome in force (the old one stays, marked superseded)."""

    name: ClassVar[str] = "outcome.correct"
    action: ClassVar[str] = "rätta utfall"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE, Role.PHYSICIAN)
    result_type: ClassVar[type[BaseModel]] = OutcomeView

    case_id: int
    code: str
    destination: str | None = None
    note: str | None = None

    def handle(self, session: Session, actor: Actor) -> OutcomeView:
        return correct_outcome(session, actor, self.case_id, self.code, self.destination, self.note)


class FeedOutcomeApplied(BaseModel):
    case_id: int
    outcome: OutcomeView | None  # None: ignored (an outcome entered by hand is kept)


class ApplyFeedOutcome(Command):
    """A unit's outcome from its feed, applied by the system user `system.flöde`. Its id is derived from the
    message, so the same message from any console or a restarted `feed serve` is applied once."""

    name: ClassVar[str] = "outcome.feed"
    action: ClassVar[str] = "registrera utfall från enheter"
    roles: ClassVar[tuple[Role, ...]] = (Role.DISPATCHER,)
    result_type: ClassVar[type[BaseModel]] = FeedOutcomeApplied

    message: FeedOutcome

    @classmethod
    def for_message(cls, message: FeedOutcome) -> ApplyFeedOutcome:
        key = message.model_dump_json(exclude={"note"})
        return cls(message=message, command_id=uuid.uuid5(FEED_OUTCOME_NAMESPACE, key))

    def affected_case(self, result: BaseModel) -> int | None:
        return self.message.case_id

    def handle(self, session: Session, actor: Actor) -> FeedOutcomeApplied:
        return FeedOutcomeApplied(case_id=self.message.case_id,
                                  outcome=apply_outcome_once(session, actor, self.message))


class RecordFollowUp(Command):
    """The result of a telephone follow-up; "sämre" opens a new case linked to the old one."""

    name: ClassVar[str] = "followup.result"
    action: ClassVar[str] = "registrera telefonuppföljning"
    roles: ClassVar[tuple[Role, ...]] = (Role.NURSE, Role.PHYSICIAN)
    topic: ClassVar[str] = "followups"
    result_type: ClassVar[type[BaseModel]] = FollowUpDone
    lock_on: ClassVar[tuple[type[Any], str] | None] = (FollowUp, "followup_id")

    followup_id: int
    result: FollowUpResult
    note: str | None = None
    at: datetime | None = None

    def handle(self, session: Session, actor: Actor) -> FollowUpDone:
        return record_followup_result(session, actor, self.followup_id, self.result, self.note, at=self.at)
