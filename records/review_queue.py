"""The RLS physician's review queue: flagged cases with their whole story, comments and sign-off.

Reviews are opened by whoever flags a case (overrides and consult flags by
records.triage_store, recontacts and proposals by outcomes/, deviations and long
waits by dispatch/). Only a physician signs off or changes the triage of an
open case; every step is audited.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.actor import Actor, NotPermitted, require_role
from records.audit import audit, now
from records.case_state import CaseStatus
from records.cases import CaseNotFound, CaseView
from records.models import Assignment, Case, Outcome, Recommendation, Review, TriageResult
from records.text_fields import LABELS, check_text, column_length
from resources.vocabulary import Priority, Role

REASON_LABELS = {
    "override": "Överstyrd triage", "consult": "RLS-konsultation", "recontact": "Återkontakt",
    "deviation": "Avvikelse", "long_wait": "Lång väntetid", "outcome_signal": "Utfallssignal",
    "proposal": "Regeländringsförslag", "feed_outcome_failed": "Utfall från enhet ej registrerat",
    "limitation": "Behandlingsbegränsning följd",
}
FEED_OUTCOME_FAILED = "feed_outcome_failed"  # an outcome a unit reported could not be applied (commands.feed_inbox)


class ReviewItem(BaseModel):
    """One row of the queue (plain data)."""

    id: int
    case_id: int | None
    reason: str
    reason_label: str
    detail: str
    created_at: datetime
    status: str
    comment: str | None
    priority: str | None
    complaint: str | None
    patient: str


class ReviewDetail(BaseModel):
    """Everything the physician needs to judge one item."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    item: ReviewItem
    case: CaseView | None
    triage: dict[str, Any] | None  # path, reasons, result and override
    recommendations: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    outcome: dict[str, Any] | None


def _item(review: Review, case: Case | None) -> ReviewItem:
    return ReviewItem(
        id=review.id, case_id=review.case_id, reason=review.reason,
        reason_label=REASON_LABELS.get(review.reason, review.reason), detail=review.detail,
        created_at=review.created_at, status=review.status, comment=review.comment,
        priority=case.priority if case else None, complaint=case.complaint if case else None,
        patient=(case.patient_name or case.personnummer or "") if case else "")


def open_review(session: Session, actor: Actor, case_id: int, reason: str, detail: str) -> None:
    """Put the case in the queue for `reason`, unless it is already there, open, for that reason."""
    exists = session.scalar(select(Review.id).where(Review.case_id == case_id, Review.reason == reason,
                                                    Review.status == "open"))
    if exists is None:
        session.add(Review(case_id=case_id, reason=reason, detail=detail, created_at=now(), status="open"))
        audit(session, actor, "review.open", case_id, reason=reason)


def open_reviews(session: Session, actor: Actor, *, unchanged_from: Collection[int] | None = None) -> list[ReviewItem]:
    """Open items, oldest first. Physicians and admins see the queue; others are refused.

    The listing is audited with the review ids shown, except when they equal `unchanged_from` (the
    ids the refreshing view last had audited for this user)."""
    require_role(actor, Role.PHYSICIAN, action="se RLS-granskningskön")
    rows = list(session.scalars(select(Review).where(Review.status == "open").order_by(Review.created_at,
                                                                                         Review.id)))
    cases = {c.id: c for c in session.scalars(select(Case).where(
        Case.id.in_([r.case_id for r in rows if r.case_id is not None])))}
    items = [_item(r, cases.get(r.case_id) if r.case_id else None) for r in rows]
    ids = [i.id for i in items]
    if unchanged_from is None or set(unchanged_from) != set(ids):
        audit(session, actor, "review.list", None, review_ids=ids,
              case_ids=sorted({i.case_id for i in items if i.case_id is not None}))
    return items


def review_detail(session: Session, actor: Actor, review_id: int) -> ReviewDetail:
    require_role(actor, Role.PHYSICIAN, action="granska ärenden")
    review = _review(session, review_id)
    case = session.get(Case, review.case_id) if review.case_id else None
    triage = None
    recs: list[dict[str, Any]] = []
    assigns: list[dict[str, Any]] = []
    outcome = None
    if case is not None:
        tr = session.scalar(select(TriageResult).where(TriageResult.case_id == case.id)
                            .order_by(TriageResult.id.desc()).limit(1))
        if tr is not None:
            triage = {"complaint": tr.complaint, "endpoint_code": tr.endpoint_code, "priority": tr.priority,
                      "care_need": tr.care_need, "flags": tr.flags, "reasons": tr.reasons, "path": tr.path,
                      "override_priority": tr.override_priority, "override_care_need": tr.override_care_need,
                      "override_reason": tr.override_reason, "ruleset_version": tr.ruleset_version,
                      "completed_at": tr.completed_at.isoformat()}
        recs = [{"created_at": r.created_at.isoformat(), "recommended_unit_id": r.recommended_unit_id,
                 "ranking": r.ranking}
                for r in session.scalars(select(Recommendation).where(Recommendation.case_id == case.id)
                                         .order_by(Recommendation.id))]
        assigns = [{"unit_id": a.unit_id, "part": a.part, "active": a.active,
                    "assigned_at": a.assigned_at.isoformat(), "recommended_unit_id": a.recommended_unit_id,
                    "deviation_reason": a.deviation_reason, "ended_reason": a.ended_reason}
                   for a in session.scalars(select(Assignment).where(Assignment.case_id == case.id)
                                            .order_by(Assignment.id))]
        o = session.scalar(select(Outcome).where(Outcome.case_id == case.id, Outcome.superseded_by.is_(None))
                           .order_by(Outcome.id.desc()).limit(1))
        if o is not None:
            outcome = {"code": o.code, "destination": o.destination, "source": o.source, "note": o.note,
                       "recorded_at": o.recorded_at.isoformat()}
        audit(session, actor, "case.read", case.id, via="review", review_id=review_id, patient=case.personnummer)
    return ReviewDetail(item=_item(review, case), case=CaseView.model_validate(case) if case else None,
                        triage=triage, recommendations=recs, assignments=assigns, outcome=outcome)


def comment_review(session: Session, actor: Actor, review_id: int, text: str) -> None:
    require_role(actor, Role.PHYSICIAN, action="kommentera en granskning")
    text = check_text(text.strip(), LABELS["comment"], column_length(Review.comment), multiline=True)
    if not text:
        raise ValueError("Kommentaren är tom.")
    review = _review(session, review_id)
    review.comment = f"{review.comment}\n{text}" if review.comment else text
    audit(session, actor, "review.comment", review.case_id, review_id=review_id, comment=text)


def sign_off(session: Session, actor: Actor, review_id: int, comment: str = "") -> None:
    """Only an RLS physician signs off (an admin may not: sign-off is a medical decision)."""
    if actor.role is not Role.PHYSICIAN:
        raise NotPermitted(f"{actor.role.label} får inte signera en granskning; det kräver {Role.PHYSICIAN.label}.")
    review = _review(session, review_id)
    if review.status != "open":
        raise ValueError(f"Granskning {review_id} är redan signerad.")
    if comment.strip():
        comment_review(session, actor, review_id, comment)
    review.status, review.signed_off_by, review.signed_off_at = "signed_off", actor.user_id, now()
    audit(session, actor, "review.sign_off", review.case_id, review_id=review_id)


def change_case_triage(session: Session, actor: Actor, case_id: int, *, priority: Priority | None = None,
                       care_need: dict[str, Any] | None = None, reason: str) -> None:
    """The physician changes priority and/or care need of a case that is not closed; reason required."""
    require_role(actor, Role.PHYSICIAN, action="ändra prioritet eller vårdbehov")
    if not reason.strip():
        raise ValueError("Ange varför prioriteten eller vårdbehovet ändras.")
    check_text(reason, "Motivering", None, multiline=True)
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    if case.status == CaseStatus.CLOSED.value:
        raise ValueError(f"Ärende {case_id} är avslutat; prioritet och vårdbehov kan inte längre ändras.")
    old = {"priority": case.priority, "care_need": case.care_need}
    if priority is not None:
        case.priority = priority.value
    if care_need is not None:
        case.care_need = care_need
    case.updated_at = now()
    audit(session, actor, "case.physician_change", case_id, old=old,
          new={"priority": case.priority, "care_need": case.care_need}, reason=reason)


def _review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise LookupError(f"Granskning {review_id} finns inte.")
    return review
