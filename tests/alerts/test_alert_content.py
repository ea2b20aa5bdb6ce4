"""What the crew is told (dispatch/alerting/content.py, docs/alert-protocol.md 5.1), on SQLite and PostgreSQL: the
address and position (a kommun's centre says how far off it may be), priority, care need and complaint in Swedish,
the red flags, the patient's age and the notes as key facts, and nothing more of the patient — no personnummer, no
caller's name, no triage answers; a change of the case is an update with the whole picture, a change that does not
touch it (a read, an acknowledgement) none."""

from __future__ import annotations

from command_world import World, intake, triage
from sqlalchemy import select

from commands import AddCaseNote, ChangeCaseTriage, CreateCase, SendToWaitingRoom, run
from records.models import UnitAlert, UnitAlertMessage
from resources.geography import default_geography
from resources.location.model import PositionSource
from resources.vocabulary import Priority

NEVER = ("personnummer", "caller_name", "answers", "path", "flags")


def _bodies(world: World, case_id: int) -> list[tuple[str, dict]]:  # type: ignore[type-arg]
    with world.db() as s:
        return [(m.type, m.body) for m in s.scalars(
            select(UnitAlertMessage).join(UnitAlert, UnitAlert.id == UnitAlertMessage.alert_ref)
            .where(UnitAlert.case_id == case_id).order_by(UnitAlertMessage.id))]


def test_the_crew_gets_what_it_needs_and_no_more(world: World) -> None:
    lund = default_geography().kommun("Lund")
    at_centre = intake("Karl Svensson").model_copy(update={"kommun": "Lund", "lat": lund.lat, "lon": lund.lon,
                                                           "personnummer": "19490519-1237", "patient_age": 77,
                                                           "caller_name": "Inger Svensson"})
    case_id = run(world.db, world.nurse, CreateCase(intake=at_centre)).case_id  # type: ignore[attr-defined]
    red = triage("1").model_copy(update={"path": [
        {"kind": "red_flag", "question_id": "RF_MEDV", "text": "Medvetslös?", "answer": "ja"},
        {"kind": "red_flag", "question_id": "RF_ANDN", "text": "Andningsbesvär?", "answer": "nej"},
        {"kind": "question", "question_id": "q1", "text": "Feber?", "answer": "ja"}]})
    run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=red))
    run(world.db, world.nurse, AddCaseNote(case_id=case_id, text="Portkod 1234,\ntredje våningen"))
    world.assign(case_id)
    [(kind, body)] = _bodies(world, case_id)
    assert kind == "alert" and body["priority"] == "1" and body["patient_name"] == "Karl Svensson"
    assert (body["address"], body["kommun"], body["accuracy_m"]) == ("Storgatan 1", "Lund", 15000)
    assert body["care_need"] == "Bårtransport, Liggande transport – på plats inom 60 min"
    assert body["facts"] == ["Röd flagga: Medvetslös?", "Ålder 77 år", "Anteckning: Portkod 1234, tredje våningen"]
    assert body["triage_ref"] == {"ruleset": "test-1", "endpoint": "YRSEL.3.01"}
    text = str(body)
    assert "19490519" not in text and "Inger" not in text and "Feber" not in text
    assert not set(NEVER) & set(body)

    run(world.db, world.physician, ChangeCaseTriage(case_id=case_id, priority=Priority.P2, reason="Stabil"))
    run(world.db, world.dispatcher, AddCaseNote(case_id=case_id, text="Hunden är instängd"))
    kinds = [k for k, _ in _bodies(world, case_id)]
    assert kinds == ["alert", "update", "update"]
    last = _bodies(world, case_id)[-1][1]
    assert last["priority"] == "2" and last["facts"][-1] == "Anteckning: Portkod 1234, tredje våningen"
    assert last["facts"][2] == "Anteckning: Hunden är instängd" and last["seq"] == 3
    with world.db() as s:
        row = s.scalars(select(UnitAlert).where(UnitAlert.case_id == case_id)).one()
        assert (row.seq, row.priority) == (3, "2")


def test_the_crew_gets_the_accuracy_the_case_recorded_for_its_position(world: World) -> None:
    """An address from the register (or a phone position) tells the crew how close it is, not 15 km."""
    at_address = intake("Karl Svensson").model_copy(update={
        "kommun": "Lund", "lat": 55.7101, "lon": 13.2005, "position_source": PositionSource.ADDRESS, "position_accuracy_m": 12.4})
    case_id = run(world.db, world.nurse, CreateCase(intake=at_address)).case_id  # type: ignore[attr-defined]
    run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=triage("1")))
    world.assign(case_id)
    [(_, body)] = _bodies(world, case_id)
    assert (body["lat"], body["lon"], body["accuracy_m"]) == (55.7101, 13.2005, 12)
