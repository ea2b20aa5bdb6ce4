"""A command that changes more than its own case names every case it changed in the notification: a unit taken
from case A for case B sends A back to väntrummet, and a console re-reading only the cases a change names
(dispatch.waiting_read) must re-read A too, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from commands import AssignUnit, run
from dispatch.case_input import case_from_record
from dispatch.fleet_view import default_snapshot
from dispatch.recommend import recommend
from records.case_state import CaseEvent
from records.cases import CaseIntake, advance, create_case
from records.change_feed import Change
from records.models import Case
from resources.care_need import CareNeed
from resources.clock import LOCAL_TZ
from resources.vocabulary import Capability as C
from resources.vocabulary import Role, TransportNeed
from tests.commands.test_change_notify import listening

AT = datetime(2026, 11, 25, 10, 0, tzinfo=LOCAL_TZ)
NEED = CareNeed(capabilities={C.STRETCHER_TRANSPORT}, transport=TransportNeed.LYING, max_minutes=60)


def waiting_case(factory, actor) -> int:  # type: ignore[no-untyped-def]
    with factory() as s, s.begin():
        view = create_case(s, actor, CaseIntake(kommun="Malmö", lat=55.60, lon=13.00, patient_name="Test"))
        row = s.get(Case, view.id)
        row.priority, row.care_need = "3", NEED.model_dump(mode="json")
        advance(s, actor, view.id, CaseEvent.SEND_TO_WAITING_ROOM)
        return view.id


def shown(factory, case_id: int) -> dict:  # type: ignore[no-untyped-def, type-arg]
    with factory() as s:
        return recommend(case_from_record(s.get(Case, case_id)), default_snapshot(), AT).model_dump(mode="json")


def test_a_unit_taken_from_another_case_names_both_cases(db, db_url, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse, dispatcher = make_actor(db, "ssk.anna", Role.NURSE), make_actor(db, "usk.berit", Role.DISPATCHER)
    first, second = waiting_case(db, nurse), waiting_case(db, nurse)
    rec = shown(db, first)
    unit = rec["parts"][0]["recommended"]["unit_id"]
    run(db, dispatcher, AssignUnit(case_id=first, unit_id=unit, recommendation_shown=rec))
    listener, heard = listening(db_url)
    try:
        result = run(db, dispatcher, AssignUnit(case_id=second, unit_id=unit, recommendation_shown=shown(db, second),
                                                deviation_reason="närmast", confirm_leave_case=True))
        assert result.left_case_id == first  # type: ignore[attr-defined]
        # both named, both open for dispatch: the second assigned, the first back in väntrummet
        assert heard.get(timeout=10) == Change("cases", frozenset({first, second}), frozenset({first, second}))
    finally:
        listener.stop()
