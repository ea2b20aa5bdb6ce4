"""The dispatcher's commands: assign, recall and reassign units, and record a unit status reported by radio.
Assigning alerts the unit (commands/unit_alerts.py, docs/alert-protocol.md); a recall cancels its alert."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, field_validator
from sqlalchemy.orm import Session

from commands.base import Command
from commands.unit_alerts import alert_assignment
from dispatch.assignment import (
    ASSIGN_ROLES,
    AssignmentView,
    AssignResult,
    assign,
    reassign,
    recall,
    record_unit_status,
)
from records.actor import Actor
from records.models import Case
from records.text_fields import DeviationReason, check_text
from resources.vocabulary import Role, UnitStatus


def _case_and_the_case_left(case_id: int, confirm_leave_case: bool | int) -> list[tuple[type[Any], int]]:
    """The case, and the one the unit is taken from when that is confirmed — in id order, so two dispatchers
    swapping units between two cases take turns instead of waiting on each other."""
    ids = {case_id} if isinstance(confirm_leave_case, bool) else {case_id, int(confirm_leave_case)}
    return [(Case, i) for i in sorted(ids)]


class AssignUnit(Command):
    """Assign a unit to a case part, with the recommendation exactly as the dispatcher saw it."""

    name: ClassVar[str] = "dispatch.assign"
    action: ClassVar[str] = "dirigera enheter"
    roles: ClassVar[tuple[Role, ...]] = ASSIGN_ROLES
    result_type: ClassVar[type[BaseModel]] = AssignResult

    case_id: int
    unit_id: str
    part: str = ""
    recommendation_shown: dict[str, Any]
    deviation_reason: DeviationReason | None = None
    confirm_leave_case: bool | int = False
    unit_status: UnitStatus | None = None

    def locks(self) -> list[tuple[type[Any], int]]:
        return _case_and_the_case_left(self.case_id, self.confirm_leave_case)

    def handle(self, session: Session, actor: Actor) -> AssignResult:
        result = assign(session, actor, self.case_id, self.unit_id, self.part, self.recommendation_shown,
                        self.deviation_reason, self.confirm_leave_case, unit_status=self.unit_status)
        alert_assignment(session, actor, result.assignment.id)  # the unit is alerted once this commits
        return result


class RecallUnit(Command):
    """End a case's active assignment (by unit or part) and free the unit; the case returns to väntrummet."""

    name: ClassVar[str] = "dispatch.recall"
    action: ClassVar[str] = "återkalla enheter"
    roles: ClassVar[tuple[Role, ...]] = ASSIGN_ROLES
    result_type: ClassVar[type[BaseModel]] = AssignmentView

    case_id: int
    unit_id: str | None = None
    part: str | None = None
    reason: str = ""
    unit_status: UnitStatus | None = None

    def handle(self, session: Session, actor: Actor) -> AssignmentView:
        return recall(session, actor, self.case_id, unit_id=self.unit_id, part=self.part,
                      reason=self.reason or "återkallad", unit_status=self.unit_status)


class ReassignUnit(Command):
    """Swap the unit on a case part (recall the current one, assign the new one)."""

    name: ClassVar[str] = "dispatch.reassign"
    action: ClassVar[str] = "byta enhet"
    roles: ClassVar[tuple[Role, ...]] = ASSIGN_ROLES
    result_type: ClassVar[type[BaseModel]] = AssignResult

    case_id: int
    part: str = ""
    new_unit_id: str
    recommendation_shown: dict[str, Any]
    deviation_reason: DeviationReason | None = None
    reason: str = ""
    confirm_leave_case: bool | int = False
    unit_status: UnitStatus | None = None  # the new unit's live status

    def locks(self) -> list[tuple[type[Any], int]]:
        return _case_and_the_case_left(self.case_id, self.confirm_leave_case)

    def handle(self, session: Session, actor: Actor) -> AssignResult:
        result = reassign(session, actor, self.case_id, self.part, self.new_unit_id, self.recommendation_shown,
                          self.deviation_reason, self.reason, self.confirm_leave_case,
                          new_unit_status=self.unit_status)
        alert_assignment(session, actor, result.assignment.id)  # the replaced unit's recall: commands.runner's sync
        return result


STATUS_REASON_MAX = 500  # characters: a line, not a report
StatusReason = Annotated[str, AfterValidator(lambda v: check_text(v, "Skäl till statusändringen", STATUS_REASON_MAX))]


class UnitStatusRecorded(BaseModel):
    unit_id: str
    old: UnitStatus
    new: UnitStatus
    case_id: int | None = None


class SetUnitStatus(Command):
    """A unit's status as reported by radio or phone, where its own system does not report it."""

    name: ClassVar[str] = "unit.status"
    action: ClassVar[str] = "ändra enheters status"
    roles: ClassVar[tuple[Role, ...]] = ASSIGN_ROLES
    topic: ClassVar[str] = "units"
    result_type: ClassVar[type[BaseModel]] = UnitStatusRecorded

    unit_id: str
    status: UnitStatus
    reason: StatusReason  # why the dispatcher sets it by hand ("radio: på plats", "fordonet på verkstad"); audited
    case_id: int | None = None

    @field_validator("reason")
    @classmethod
    def _reason_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("Ange ett skäl till statusändringen (det sparas i loggen).")
        return value.strip()

    def handle(self, session: Session, actor: Actor) -> UnitStatusRecorded:
        old = record_unit_status(session, actor, self.unit_id, self.status, self.case_id, self.reason)
        return UnitStatusRecorded(unit_id=self.unit_id, old=old, new=self.status, case_id=self.case_id)
