"""The RLS physician's commands: comment and sign off reviews, change a case's triage, decide rule proposals."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from commands.base import Command, Done
from outcomes.proposals import Decision, accept_proposal, reject_proposal
from records.actor import Actor
from records.models import Review, RuleProposal
from records.review_queue import change_case_triage, comment_review, sign_off
from resources.vocabulary import Priority, Role


class ReviewDone(BaseModel):
    review_id: int


class CommentReview(Command):
    name: ClassVar[str] = "review.comment"
    action: ClassVar[str] = "kommentera en granskning"
    roles: ClassVar[tuple[Role, ...]] = (Role.PHYSICIAN,)
    topic: ClassVar[str] = "reviews"
    result_type: ClassVar[type[BaseModel]] = ReviewDone
    lock_on: ClassVar[tuple[type[Any], str] | None] = (Review, "review_id")

    review_id: int
    text: str

    def handle(self, session: Session, actor: Actor) -> ReviewDone:
        comment_review(session, actor, self.review_id, self.text)
        return ReviewDone(review_id=self.review_id)


class SignOffReview(Command):
    name: ClassVar[str] = "review.sign_off"
    action: ClassVar[str] = "signera en granskning"
    roles: ClassVar[tuple[Role, ...]] = (Role.PHYSICIAN,)
    topic: ClassVar[str] = "reviews"
    result_type: ClassVar[type[BaseModel]] = ReviewDone
    lock_on: ClassVar[tuple[type[Any], str] | None] = (Review, "review_id")

    review_id: int
    comment: str = ""

    def handle(self, session: Session, actor: Actor) -> ReviewDone:
        sign_off(session, actor, self.review_id, self.comment)
        return ReviewDone(review_id=self.review_id)


class ChangeCaseTriage(Command):
    """The physician changes priority and/or care need of an open case, with a reason."""

    name: ClassVar[str] = "case.physician_change"
    action: ClassVar[str] = "ändra prioritet eller vårdbehov"
    roles: ClassVar[tuple[Role, ...]] = (Role.PHYSICIAN,)
    result_type: ClassVar[type[BaseModel]] = Done

    case_id: int
    priority: Priority | None = None
    care_need: dict[str, Any] | None = None
    reason: str

    def handle(self, session: Session, actor: Actor) -> Done:
        change_case_triage(session, actor, self.case_id, priority=self.priority, care_need=self.care_need,
                           reason=self.reason)
        return Done(case_id=self.case_id)


class AcceptProposal(Command):
    """Accept a rule-change proposal: a new rule-set version, stored in the database and as a file."""

    name: ClassVar[str] = "proposal.accept"
    action: ClassVar[str] = "godkänna regeländringar"
    roles: ClassVar[tuple[Role, ...]] = (Role.PHYSICIAN,)
    topic: ClassVar[str] = "rulesets"
    result_type: ClassVar[type[BaseModel]] = Decision
    lock_on: ClassVar[tuple[type[Any], str] | None] = (RuleProposal, "proposal_id")

    proposal_id: int
    comment: str = ""
    directory: Path | None = None

    def handle(self, session: Session, actor: Actor) -> Decision:
        return accept_proposal(session, actor, self.proposal_id, comment=self.comment, directory=self.directory)


class RejectProposal(Command):
    name: ClassVar[str] = "proposal.reject"
    action: ClassVar[str] = "avslå regeländringar"
    roles: ClassVar[tuple[Role, ...]] = (Role.PHYSICIAN,)
    topic: ClassVar[str] = "reviews"
    result_type: ClassVar[type[BaseModel]] = Decision
    lock_on: ClassVar[tuple[type[Any], str] | None] = (RuleProposal, "proposal_id")

    proposal_id: int
    reason: str

    def handle(self, session: Session, actor: Actor) -> Decision:
        return reject_proposal(session, actor, self.proposal_id, self.reason)
