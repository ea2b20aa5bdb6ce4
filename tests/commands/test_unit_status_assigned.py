"""A free status by hand for a unit still assigned to a case: refused, naming the case, so a case never shows a
unit dispatched that the board shows free. The mission is ended the way R ends it (RecallUnit: the case back in
väntrummet with its waiting time, the unit's alert cancelled), then the chosen free status is set — on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from command_world import World
from sqlalchemy import select

from commands import RecallUnit, SetUnitStatus, run
from dispatch.assignment import UnitStillAssigned, active_assignments
from records.case_state import CaseStatus
from records.models import UnitStatusEvent
from resources.vocabulary import UnitStatus


def test_a_free_status_for_an_assigned_unit_is_refused_until_the_mission_is_ended(world: World) -> None:
    case_id = world.case_in(CaseStatus.ASSIGNED)
    [held] = world_assignments(world, case_id)
    unit = held.unit_id
    run(world.db, world.dispatcher, SetUnitStatus(unit_id=unit, status=UnitStatus.EN_ROUTE, reason="radio",
                                                  case_id=case_id))  # a mission status: no question
    with pytest.raises(UnitStillAssigned, match=f"larmad till ärende {case_id}") as refused:
        run(world.db, world.dispatcher, SetUnitStatus(unit_id=unit, status=UnitStatus.AVAILABLE_AT_STATION,
                                                      reason="Radio: åter på station"))
    assert refused.value.case_id == case_id
    assert world.status(case_id) is CaseStatus.ASSIGNED and world_assignments(world, case_id) == [held]

    run(world.db, world.dispatcher, RecallUnit(case_id=case_id, unit_id=unit, reason="Radio: åter på station"))
    run(world.db, world.dispatcher, SetUnitStatus(unit_id=unit, status=UnitStatus.AVAILABLE_AT_STATION,
                                                  reason="Radio: åter på station"))
    assert world.status(case_id) is CaseStatus.WAITING and world_assignments(world, case_id) == []
    with world.db() as s:
        statuses = s.scalars(select(UnitStatusEvent.status).where(UnitStatusEvent.unit_id == unit)
                             .order_by(UnitStatusEvent.id)).all()
    assert statuses == ["larmad", "framkorning", "ledig_ute", "ledig_station"]


def world_assignments(world: World, case_id: int) -> list:  # type: ignore[type-arg]
    with world.db() as s:
        return active_assignments(s, case_id)
