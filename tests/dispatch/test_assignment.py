"""Assignment on SQLite and PostgreSQL: recorded, audited, conflicts named, recall to väntrummet."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

import dispatch.assignment as assignment_module
from dispatch.assignment import (
    AssignmentConflict,
    DeviationReasonRequired,
    UnitBusy,
    active_assignments,
    assign,
    last_status,
    reassign,
    recall,
)
from dispatch.case_input import case_from_record
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from dispatch.status import IllegalTransition
from records.actor import NotPermitted
from records.audit import audit_trail
from records.case_state import CaseEvent
from records.cases import CaseIntake, CaseStatus, advance, create_case
from records.models import Assignment, Case, Recommendation, Review
from resources.care_need import CareNeed, CareNeedPart
from resources.clock import LOCAL_TZ
from resources.vocabulary import Capability as C
from resources.vocabulary import Role, TransportNeed, UnitStatus

AT = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
SNAP = default_snapshot()
STRETCHER = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)
ARREST = CareNeed(capabilities={C.CPR_DEFIBRILLATION, C.AMBULANCE_TRANSPORT}, transport=TransportNeed.AMBULANCE,
                  max_minutes=10, additional=(CareNeedPart(role="IVPA", capabilities={C.CPR_DEFIBRILLATION},
                                                           max_minutes=10),))


def waiting_case(factory, actor, need: CareNeed = STRETCHER, priority: str = "3") -> int:
    with factory() as s, s.begin():
        view = create_case(s, actor, CaseIntake(kommun="Malmö", lat=55.60, lon=13.00, patient_name="Test"))
        row = s.get(Case, view.id)
        row.priority = priority
        row.care_need = need.model_dump(mode="json")
        advance(s, actor, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
        return view.id


def shown(factory, case_id: int):
    with factory() as s:
        return recommend(case_from_record(s.get(Case, case_id)), SNAP, AT)


@pytest.fixture
def people(db, make_actor):
    return {"nurse": make_actor(db, "ssk.anna", Role.NURSE),
            "a": make_actor(db, "usk.berit", Role.DISPATCHER),
            "b": make_actor(db, "usk.cecilia", Role.DISPATCHER),
            "rls": make_actor(db, "lak.david", Role.PHYSICIAN)}


def test_assigning_the_recommended_unit_records_everything(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    with db() as s, s.begin():
        result = assign(s, people["a"], case_id, unit, "", rec)
    assert not result.deviation and result.unit_status is UnitStatus.ALERTED
    with db() as s:
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.ASSIGNED.value and case.priority == "3"
        row = s.get(Recommendation, result.recommendation_id)
        assert row.recommended_unit_id == unit and row.ranking["parts"][0]["recommended"]["unit_id"] == unit
        a = s.get(Assignment, result.assignment.id)
        assert a.active and a.recommended_unit_id == unit and a.deviation_reason is None
        assert last_status(s, unit) is UnitStatus.ALERTED
        actions = [e.action for e in audit_trail(s, case_id)]
        assert "dispatch.assign" in actions and actions.count("case.status") == 2
        assert s.scalars(select(Review).where(Review.case_id == case_id)).first() is None


def test_choosing_another_unit_needs_a_reason_and_flags_for_rls(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    other = rec.parts[0].alternatives[0].unit_id
    with db() as s, s.begin(), pytest.raises(DeviationReasonRequired, match="ange ett skäl"):
        assign(s, people["a"], case_id, other, "", rec, deviation_reason="  ")
    with db() as s, s.begin():
        result = assign(s, people["a"], case_id, other, "", rec, deviation_reason="Anhörig kräver ambulans")
    assert result.deviation
    with db() as s:
        review = s.scalars(select(Review).where(Review.case_id == case_id)).one()
        assert review.reason == "deviation" and "Anhörig kräver ambulans" in review.detail
        assert "deviation" in s.get(Case, case_id).flags
        assert s.get(Assignment, result.assignment.id).deviation_reason == "Anhörig kräver ambulans"


def test_only_dispatchers_physicians_and_admin_may_assign(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    with db() as s, s.begin(), pytest.raises(NotPermitted, match="får inte dirigera enheter"):
        assign(s, people["nurse"], case_id, unit, "", rec)
    with db() as s, s.begin():
        assign(s, people["rls"], case_id, unit, "", rec)


def test_the_second_dispatcher_is_told_who_assigned_the_unit(db, people):
    first = waiting_case(db, people["nurse"])
    second = waiting_case(db, people["nurse"])
    rec1, rec2 = shown(db, first), shown(db, second)
    unit = rec1.parts[0].recommended.unit_id
    assert rec2.parts[0].recommended.unit_id == unit  # same place: both are shown the same unit
    with db() as s, s.begin():
        assign(s, people["a"], first, unit, "", rec1)
    with db() as s, s.begin(), pytest.raises(UnitBusy) as err:
        assign(s, people["b"], second, unit, "", rec2)
    msg = str(err.value)
    assert f"Enheten {unit} är redan dirigerad till ärende {first}" in msg
    assert "usk.berit" in msg and f"lämnar ärende {first}" in msg
    assert err.value.case_id == first


def test_one_case_part_cannot_be_assigned_twice(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    other = rec.parts[0].alternatives[0].unit_id
    with db() as s, s.begin():
        assign(s, people["a"], case_id, unit, "", rec)
    with db() as s, s.begin(), pytest.raises(AssignmentConflict) as err:
        assign(s, people["b"], case_id, other, "", rec, deviation_reason="annan")
    assert f"Ärende {case_id} har redan enheten {unit}, dirigerad av usk.berit (usk.berit)" in str(err.value)


def test_the_unique_indexes_decide_when_the_precheck_missed_the_winner(db, people, monkeypatch):
    """The race path: both passed the pre-check; the insert hits uq_active_unit and the loser is told."""
    first = waiting_case(db, people["nurse"])
    second = waiting_case(db, people["nurse"])
    rec1, rec2 = shown(db, first), shown(db, second)
    unit = rec1.parts[0].recommended.unit_id
    with db() as s, s.begin():
        assign(s, people["a"], first, unit, "", rec1)
    real = assignment_module._active_for_unit
    calls = {"n": 0}

    def stale_precheck(session, unit_id):
        calls["n"] += 1
        return None if calls["n"] == 1 else real(session, unit_id)

    monkeypatch.setattr(assignment_module, "_active_for_unit", stale_precheck)
    with db() as s, s.begin(), pytest.raises(AssignmentConflict) as err:
        assign(s, people["b"], second, unit, "", rec2)
    assert not isinstance(err.value, UnitBusy)
    assert f"Enheten {unit} är redan dirigerad till ärende {first}" in str(err.value) and "usk.berit" in str(err.value)
    with db() as s:
        assert [a.case_id for a in active_assignments(s)] == [first]


def test_taking_a_busy_unit_needs_confirmation_and_returns_its_case_to_the_waiting_room(db, people):
    first = waiting_case(db, people["nurse"])
    second = waiting_case(db, people["nurse"], ARREST, priority="1")
    rec1 = shown(db, first)
    unit = rec1.parts[0].recommended.unit_id
    with db() as s, s.begin():
        assign(s, people["a"], first, unit, "", rec1)
        waited_from = s.get(Case, first).waiting_since
    rec2 = shown(db, second)
    with db() as s, s.begin(), pytest.raises(UnitBusy):
        assign(s, people["b"], second, unit, "", rec2, deviation_reason="närmast", confirm_leave_case=first + 1000)
    with db() as s, s.begin():
        result = assign(s, people["b"], second, unit, "", rec2, deviation_reason="närmast",
                        confirm_leave_case=first, unit_status=UnitStatus.EN_ROUTE)
    assert result.left_case_id == first
    with db() as s:
        left = s.get(Case, first)
        assert left.status == CaseStatus.WAITING.value and left.waiting_since == waited_from
        assert left.priority == "3" and "unit_redirected" in left.flags
        assert [(a.case_id, a.unit_id) for a in active_assignments(s)] == [(second, unit)]
        old = s.scalars(select(Assignment).where(Assignment.case_id == first)).one()
        assert not old.active and old.ended_reason == "redirected"


def test_a_unit_transporting_a_patient_cannot_be_assigned(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    with db() as s, s.begin(), pytest.raises(IllegalTransition, match="transporterar en patient"):
        assign(s, people["a"], case_id, unit, "", rec, unit_status=UnitStatus.TRANSPORTING)


def test_recall_returns_the_case_to_the_waiting_room_with_priority_and_waiting_time(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    with db() as s:
        waited_from = s.get(Case, case_id).waiting_since
    with db() as s, s.begin():
        assign(s, people["a"], case_id, unit, "", rec)
    with db() as s, s.begin():
        ended = recall(s, people["a"], case_id, unit_id=unit, reason="behövs till Prio 1")
    assert not ended.active and ended.ended_reason == "recalled"
    with db() as s:
        case = s.get(Case, case_id)
        assert case.status == CaseStatus.WAITING.value
        assert case.waiting_since == waited_from and case.priority == "3"
        assert last_status(s, unit) is UnitStatus.AVAILABLE_AT_STATION
        assert active_assignments(s, case_id) == []
    with db() as s, s.begin():  # the unit and the case part are free again
        assign(s, people["b"], case_id, unit, "", rec)


def test_a_transporting_unit_cannot_be_recalled(db, people):
    case_id = waiting_case(db, people["nurse"])
    rec = shown(db, case_id)
    unit = rec.parts[0].recommended.unit_id
    with db() as s, s.begin():
        assign(s, people["a"], case_id, unit, "", rec)
    with db() as s, s.begin(), pytest.raises(IllegalTransition):
        recall(s, people["a"], case_id, unit_id=unit, unit_status=UnitStatus.TRANSPORTING)


def test_reassign_swaps_the_unit_on_a_part(db, people):
    case_id = waiting_case(db, people["nurse"], ARREST, priority="1")
    rec = shown(db, case_id)
    ivpa = rec.part("IVPA")
    with db() as s, s.begin():
        assign(s, people["a"], case_id, rec.parts[0].recommended.unit_id, "", rec)
        assign(s, people["a"], case_id, ivpa.recommended.unit_id, "IVPA", rec)
    other = ivpa.alternatives[0].unit_id
    with db() as s, s.begin():
        result = reassign(s, people["rls"], case_id, "IVPA", other, rec, deviation_reason="RTJ upptagen",
                          reason="RTJ upptagen")
    assert result.deviation
    with db() as s:
        active = {a.part: a.unit_id for a in active_assignments(s, case_id)}
        assert active == {"": rec.parts[0].recommended.unit_id, "IVPA": other}
        assert s.get(Case, case_id).status == CaseStatus.ASSIGNED.value
