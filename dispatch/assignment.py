"""Assigning units to cases: recorded with the recommendation as shown, audited, conflict-free.

Two consoles can never assign one unit twice nor one case part twice: the partial unique
indexes `uq_active_unit` / `uq_active_case_part` on `assignments` decide, and the loser gets an
AssignmentConflict naming who assigned what. See docs/recommendation.md, "Assignment".
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel, ConfigDict
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from dispatch.recommendation_model import ResourceRecommendation
from dispatch.status import FREE, check_transition
from records.actor import Actor, require_role
from records.audit import audit, now
from records.case_state import CaseEvent, next_status
from records.cases import CaseNotFound, add_flags, advance
from records.models import Assignment, Case, Recommendation, Review, UnitStatusEvent, User
from resources.clock import LOCAL_TZ
from resources.vocabulary import Role, UnitStatus

ASSIGN_ROLES = (Role.DISPATCHER, Role.PHYSICIAN)  # admin may too (Actor.may)
STATUS_PUBLISHER = "larmcentral"  # publisher of the status events dispatch itself records
DEVIATION_FLAG = "deviation"
REDIRECTED_FLAG = "unit_redirected"


class AssignmentError(ValueError):
    """An assignment that cannot be made. The message is Swedish and shown to the dispatcher."""


class AssignmentConflict(AssignmentError):
    """Someone else got there first: the unit or the case part is already assigned."""

    def __init__(self, message: str, winner: AssignmentView | None = None):
        self.winner = winner
        super().__init__(message)


class UnitBusy(AssignmentConflict):
    """The unit is assigned to another case; assigning it needs confirm_leave_case naming that case."""

    @property
    def case_id(self) -> int:
        assert self.winner is not None
        return self.winner.case_id


class DeviationReasonRequired(AssignmentError):
    pass


class NoActiveAssignment(AssignmentError):
    pass


class UnitStillAssigned(AssignmentError):
    """A free status set by hand for a unit still assigned to a case: the mission is ended first (a recall, or the
    case's outcome), so a case never shows a unit dispatched that the board shows free."""

    def __init__(self, unit_id: str, case_id: int):
        self.unit_id, self.case_id = unit_id, case_id
        super().__init__(f"Enheten {unit_id} är larmad till ärende {case_id}. Avsluta uppdraget först: återkalla "
                         f"enheten (R; ärendet går tillbaka till väntrummet) eller registrera utfallet (A).")


class _AlreadyEnded(Exception):
    """The assignment a redirected unit leaves was ended by someone else meanwhile."""


class AssignmentView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    case_id: int
    unit_id: str
    part: str
    active: bool
    assigned_at: datetime
    assigned_by: int
    recommended_unit_id: str | None
    deviation_reason: str | None
    ended_at: datetime | None
    ended_reason: str | None


class AssignResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    assignment: AssignmentView
    recommendation_id: int
    deviation: bool
    unit_status: UnitStatus  # the unit's new status (larmad)
    left_case_id: int | None = None  # the case the unit was taken from (back in väntrummet)


def assign(session: Session, actor: Actor, case_id: int, unit_id: str, part: str,
           recommendation_shown: ResourceRecommendation | dict[str, Any], deviation_reason: str | None = None,
           confirm_leave_case: bool | int = False, *, unit_status: UnitStatus | None = None) -> AssignResult:
    """Assign `unit_id` to part `part` ("" = primary) of case `case_id`.

    Records the recommendation as shown and the assignment, sets the case ASSIGNED and the unit
    larmad, all audited, in the caller's transaction. Choosing other than the part's recommended
    unit needs `deviation_reason` and opens an RLS review. A unit assigned to another case needs
    `confirm_leave_case` (True, or that case's id); that case goes back to väntrummet.
    `unit_status` is the unit's live status (default: its last recorded status, else ledig_station).
    Raises AssignmentConflict (or UnitBusy), DeviationReasonRequired, IllegalTransition, NotPermitted."""
    require_role(actor, *ASSIGN_ROLES, action="dirigera enheter")
    rec = (recommendation_shown if isinstance(recommendation_shown, ResourceRecommendation)
           else ResourceRecommendation.model_validate(recommendation_shown))
    if rec.case_id is not None and rec.case_id != case_id:
        raise AssignmentError(f"Rekommendationen gäller ärende {rec.case_id}, inte ärende {case_id}.")
    try:
        part_rec = rec.part(part)
    except KeyError:
        raise AssignmentError(f"Rekommendationen har ingen del {_part_label(part)!r}.") from None
    recommended = part_rec.recommended.unit_id if part_rec.recommended else None
    deviation = unit_id != recommended
    reason = (deviation_reason or "").strip()
    if deviation and not reason:
        shown = recommended or (part_rec.recommended.type_name if part_rec.recommended else "ingen enhet")
        raise DeviationReasonRequired(
            f"Du väljer {unit_id} i stället för rekommenderad {shown}: ange ett skäl (avvikelsen granskas av RLS).")
    case = _case(session, case_id)
    next_status(case_id, case.status, CaseEvent.ASSIGN)  # refused early, before anything is touched

    current = unit_status or last_status(session, unit_id)
    held = _active_for_unit(session, unit_id)
    leaving: Assignment | None = None
    if held is not None:
        view = AssignmentView.model_validate(held)
        if held.case_id == case_id:
            raise AssignmentConflict(_unit_taken_message(session, view), view)
        if confirm_leave_case is False or (not isinstance(confirm_leave_case, bool)
                                           and confirm_leave_case != held.case_id):
            raise UnitBusy(_unit_taken_message(session, view)
                           + f" Bekräfta att enheten lämnar ärende {held.case_id}; det ärendet går då tillbaka "
                             f"till väntrummet.", view)
        leaving = held
    part_holder = _active_for_case_part(session, case_id, part)
    if part_holder is not None:
        view = AssignmentView.model_validate(part_holder)
        raise AssignmentConflict(_case_taken_message(session, view), view)
    check_transition(current, UnitStatus.ALERTED)

    at = now()
    new = Assignment(case_id=case_id, unit_id=unit_id, part=part, active=True, assigned_at=at,
                     assigned_by=actor.user_id, recommended_unit_id=recommended,
                     deviation_reason=reason if deviation else None)
    try:
        with session.begin_nested():
            if leaving is not None:
                ended = cast(CursorResult[Any], session.execute(
                    update(Assignment).where(Assignment.id == leaving.id, Assignment.active.is_(True))
                    .values(active=False, ended_at=at, ended_reason="redirected")
                    .execution_options(synchronize_session=False)))
                if ended.rowcount != 1:
                    raise _AlreadyEnded
            session.add(new)
            session.flush()
    except (IntegrityError, _AlreadyEnded):
        raise _conflict(session, case_id, unit_id, part) from None

    left_case_id = None
    if leaving is not None:
        left_case_id = leaving.case_id
        session.expire(leaving)
        advance(session, actor, left_case_id, CaseEvent.UNIT_REDIRECTED, reason=f"{unit_id} till ärende {case_id}",
                unit_id=unit_id, to_case_id=case_id)
        add_flags(session, actor, left_case_id, REDIRECTED_FLAG)
    shown_rec = Recommendation(case_id=case_id, created_at=at, user_id=actor.user_id, recommended_unit_id=recommended,
                               ranking=rec.model_dump(mode="json"))
    session.add(shown_rec)
    if deviation:
        session.add(Review(case_id=case_id, reason="deviation", created_at=at, status="open",
                           detail=f"{_part_label(part)}: {unit_id} valdes i stället för "
                                  f"{recommended or 'rekommendationen'}. Skäl: {reason}"))
        add_flags(session, actor, case_id, DEVIATION_FLAG)
    advance(session, actor, case_id, CaseEvent.ASSIGN, unit_id=unit_id, part=part)
    _record_status(session, unit_id, UnitStatus.ALERTED, case_id, at)
    try:
        session.flush()
    except StaleDataError:
        raise AssignmentConflict(f"Ärende {case_id} ändrades samtidigt av någon annan; försök igen.") from None
    audit(session, actor, "dispatch.assign", case_id, unit_id=unit_id, part=part, recommended_unit_id=recommended,
          deviation=deviation, deviation_reason=reason if deviation else None, left_case_id=left_case_id,
          recommendation_id=shown_rec.id, old_unit_status=current.value)
    return AssignResult(assignment=AssignmentView.model_validate(new), recommendation_id=shown_rec.id,
                        deviation=deviation, unit_status=UnitStatus.ALERTED, left_case_id=left_case_id)


def recall(session: Session, actor: Actor, case_id: int, *, unit_id: str | None = None, part: str | None = None,
           reason: str = "", unit_status: UnitStatus | None = None, back_to_waiting: bool = True,
           ended_reason: str = "recalled") -> AssignmentView:
    """End the case's active assignment (by unit or part) and free the unit.

    The case goes back to väntrummet with its priority and waiting time kept (unless
    `back_to_waiting` is False, e.g. the unit was released because it is no longer needed).
    A unit transporting a patient cannot be recalled (IllegalTransition)."""
    require_role(actor, *ASSIGN_ROLES, action="återkalla enheter")
    stmt = select(Assignment).where(Assignment.case_id == case_id, Assignment.active.is_(True))
    if unit_id is not None:
        stmt = stmt.where(Assignment.unit_id == unit_id)
    if part is not None:
        stmt = stmt.where(Assignment.part == part)
    held = session.scalars(stmt.order_by(Assignment.id)).first()
    if held is None:
        what = f"enhet {unit_id}" if unit_id else f"del {_part_label(part or '')}"
        raise NoActiveAssignment(f"Ärende {case_id} har ingen aktiv dirigering för {what}.")
    current = unit_status or last_status(session, held.unit_id)
    freed = UnitStatus.AVAILABLE_AT_STATION if current is UnitStatus.ALERTED else UnitStatus.AVAILABLE_OUT
    check_transition(current, freed)
    at = now()
    ended = cast(CursorResult[Any], session.execute(
        update(Assignment).where(Assignment.id == held.id, Assignment.active.is_(True))
        .values(active=False, ended_at=at, ended_reason=ended_reason[:64])
        .execution_options(synchronize_session=False)))
    if ended.rowcount != 1:
        raise AssignmentConflict(f"Dirigeringen av {held.unit_id} till ärende {case_id} har redan avslutats av "
                                 f"någon annan.")
    session.expire(held)
    _record_status(session, held.unit_id, freed, None, at)
    if back_to_waiting:
        advance(session, actor, case_id, CaseEvent.RECALL, reason=reason or ended_reason, unit_id=held.unit_id,
                ended_reason=ended_reason)
    audit(session, actor, "dispatch.recall", case_id, unit_id=held.unit_id, part=held.part, reason=reason,
          ended_reason=ended_reason, back_to_waiting=back_to_waiting)
    return AssignmentView.model_validate(session.get(Assignment, held.id))


def reassign(session: Session, actor: Actor, case_id: int, part: str, new_unit_id: str,
             recommendation_shown: ResourceRecommendation | dict[str, Any], deviation_reason: str | None = None,
             reason: str = "", confirm_leave_case: bool | int = False, *,
             old_unit_status: UnitStatus | None = None, new_unit_status: UnitStatus | None = None) -> AssignResult:
    """Swap the unit on a case part: recall the current one (if any), then assign `new_unit_id`."""
    try:
        recall(session, actor, case_id, part=part, reason=reason or f"ersatt av {new_unit_id}",
               unit_status=old_unit_status, ended_reason="reassigned")
    except NoActiveAssignment:
        pass
    return assign(session, actor, case_id, new_unit_id, part, recommendation_shown, deviation_reason,
                  confirm_leave_case, unit_status=new_unit_status)


def active_assignments(session: Session, case_id: int | None = None) -> list[AssignmentView]:
    stmt = select(Assignment).where(Assignment.active.is_(True)).order_by(Assignment.id)
    if case_id is not None:
        stmt = stmt.where(Assignment.case_id == case_id)
    return [AssignmentView.model_validate(a) for a in session.scalars(stmt)]


def first_assigned_at(session: Session, case_ids: Collection[int]) -> dict[int, datetime]:
    """Per case: when its earliest still-active assignment was made (cases without one are left out)."""
    if not case_ids:
        return {}
    return dict(session.execute(select(Assignment.case_id, func.min(Assignment.assigned_at))
                                .where(Assignment.case_id.in_(list(case_ids)), Assignment.active)
                                .group_by(Assignment.case_id)).all())


def last_status(session: Session, unit_id: str) -> UnitStatus:
    """The unit's last recorded status (feed or dispatch), ledig_station if none is recorded."""
    value = session.scalar(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == unit_id)
                           .order_by(UnitStatusEvent.id.desc()).limit(1))
    return UnitStatus(value) if value else UnitStatus.AVAILABLE_AT_STATION


def record_unit_status(session: Session, actor: Actor, unit_id: str, status: UnitStatus,
                       case_id: int | None = None, reason: str = "") -> UnitStatus:
    """A status reported by radio or phone for a unit whose own system does not report it (or set by hand, with
    the dispatcher's reason); checked against the transition graph from its last recorded status. The reason is
    audited with the change. Returns that old status. A free status for a unit still assigned is refused
    (UnitStillAssigned): ending its mission is a recall or the case's outcome, not a status."""
    require_role(actor, *ASSIGN_ROLES, action="ändra enheters status")
    old = last_status(session, unit_id)
    check_transition(old, status)
    if status in FREE and (held := _active_for_unit(session, unit_id)) is not None:
        raise UnitStillAssigned(unit_id, held.case_id)
    _record_status(session, unit_id, status, case_id, now())
    audit(session, actor, "unit.status", case_id, unit_id=unit_id, old=old.value, new=status.value,
          **({"reason": reason} if reason else {}))
    return old


def _record_status(session: Session, unit_id: str, status: UnitStatus, case_id: int | None, at: datetime) -> None:
    session.add(UnitStatusEvent(unit_id=unit_id, status=status.value, lat=None, lon=None, case_id=case_id,
                                publisher=STATUS_PUBLISHER, seq=0, event_time=at, received_at=at))


def _case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"Ärende {case_id} finns inte.")
    return case


def _active_for_unit(session: Session, unit_id: str) -> Assignment | None:
    return session.scalars(select(Assignment).where(Assignment.unit_id == unit_id, Assignment.active.is_(True))
                           .execution_options(populate_existing=True)).first()


def _active_for_case_part(session: Session, case_id: int, part: str) -> Assignment | None:
    return session.scalars(select(Assignment).where(Assignment.case_id == case_id, Assignment.part == part,
                                                    Assignment.active.is_(True))
                           .execution_options(populate_existing=True)).first()


def _conflict(session: Session, case_id: int, unit_id: str, part: str) -> AssignmentConflict:
    """The loser's message: look up the winning row (committed by the other transaction)."""
    held = _active_for_unit(session, unit_id)
    if held is not None:
        view = AssignmentView.model_validate(held)
        return AssignmentConflict(_unit_taken_message(session, view), view)
    holder = _active_for_case_part(session, case_id, part)
    if holder is not None:
        view = AssignmentView.model_validate(holder)
        return AssignmentConflict(_case_taken_message(session, view), view)
    return AssignmentConflict(f"{unit_id} kunde inte dirigeras till ärende {case_id}: någon annan ändrade "
                              f"dirigeringen samtidigt. Uppdatera och försök igen.")


def _who(session: Session, a: AssignmentView) -> str:
    user = session.get(User, a.assigned_by)
    name = f"{user.display_name} ({user.username})" if user else f"användare {a.assigned_by}"
    return f"{name} kl {a.assigned_at.astimezone(LOCAL_TZ):%H:%M:%S}"


def _unit_taken_message(session: Session, a: AssignmentView) -> str:
    return (f"Enheten {a.unit_id} är redan dirigerad till ärende {a.case_id}"
            f"{_part_suffix(a.part)} av {_who(session, a)}.")


def _case_taken_message(session: Session, a: AssignmentView) -> str:
    return (f"Ärende {a.case_id}{_part_suffix(a.part)} har redan enheten {a.unit_id}, dirigerad av "
            f"{_who(session, a)}.")


def _part_label(part: str) -> str:
    return part or "huvuddel"


def _part_suffix(part: str) -> str:
    return f" (del {part})" if part else ""
