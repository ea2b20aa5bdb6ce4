"""The crew sees the relevant parts of the patient's own plan (docs/alert-protocol.md 5.1 `facts`), on SQLite and
PostgreSQL: a documented treatment limitation with who decided and when, right after the red flags; the current
plan's instructions with their hours and the current standing orders; never an expired plan or order, never the
personnummer; within the protocol's limits; and the alert's audit row says the plan was passed on."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from command_world import World, intake, triage
from sqlalchemy import select

from commands import CreateCase, SendToWaitingRoom, run
from dispatch.alerting import protocol
from records.access_log import action_text
from records.care_plans import (
    CarePlanInput,
    LimitationInput,
    StandingOrderInput,
    limitation_row,
    local_today,
    order_row,
    plan_row,
)
from records.db import transaction
from records.models import AuditEntry, UnitAlert, UnitAlertMessage
from resources.care_plan import LimitationKind, PlanItem, PlanItemKind

PNR = "19121212-1212"  # test series
TEAM = "Vårdcentralen Malmö Norr"


def _store(world: World, *, long_items: bool = False) -> None:
    today, at = local_today(), datetime.now(UTC)
    items = [PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8), hours_to=time(17)),
             PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="IV-furosemid i hemmet enligt ordination")]
    if long_items:
        items += [PlanItem(kind=PlanItemKind.OTHER, text="Syrgas " + "x" * 480) for _ in range(3)]
    with transaction(world.db) as s:
        s.add(plan_row(CarePlanInput(personnummer=PNR, team=TEAM, author="Maja Exempel",
                                     written_on=today - timedelta(days=20), valid_until=today + timedelta(days=60),
                                     items=items), "test", at))
        s.add(plan_row(CarePlanInput(personnummer=PNR, team="ASIH Malmö", author="Per Prov",
                                     written_on=today - timedelta(days=200), valid_until=today - timedelta(days=1),
                                     items=[PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Gammal önskan")]),
                       "test", at))
        s.add(limitation_row(LimitationInput(personnummer=PNR, kind=LimitationKind.NO_CPR,
                                             decided_by="Sigrid Demoläkare", decided_on=date(2026, 2, 1),
                                             documented_in="Journal VC Malmö Norr"), "test", at))
        s.add(order_row(StandingOrderInput(personnummer=PNR, team=TEAM, text="IV-furosemid 40 mg",
                                           valid_until=today + timedelta(days=60)), "test", at))
        s.add(order_row(StandingOrderInput(personnummer=PNR, team=TEAM, text="Gammal ordination",
                                           valid_until=today - timedelta(days=2)), "test", at))


def _alert_for(world: World, personnummer: str | None) -> tuple[int, dict]:  # type: ignore[type-arg]
    case_intake = intake("Karl Svensson").model_copy(update={"personnummer": personnummer, "patient_age": 84})
    case_id = run(world.db, world.nurse, CreateCase(intake=case_intake)).case_id  # type: ignore[attr-defined]
    red = triage("2").model_copy(update={"path": [
        {"kind": "red_flag", "question_id": "RF_ANDN", "text": "Andningsbesvär?", "answer": "ja"}]})
    run(world.db, world.nurse, SendToWaitingRoom(case_id=case_id, triage=red))
    world.assign(case_id)
    with world.db() as s:
        [body] = s.scalars(select(UnitAlertMessage.body).join(UnitAlert, UnitAlert.id == UnitAlertMessage.alert_ref)
                           .where(UnitAlert.case_id == case_id)).all()
    return case_id, body


def _within_limits(body: dict) -> bool:  # type: ignore[type-arg]
    frame = protocol.encode(b"alert", protocol.stamped(body))[1]
    return (len(frame) <= protocol.MAX_BODY_BYTES and len(body["facts"]) <= protocol.MAX_FACTS
            and all(len(f) <= protocol.MAX_FACT_CHARS for f in body["facts"]))


def test_the_crew_sees_the_limitation_and_the_current_plan(world: World) -> None:
    _store(world)
    case_id, body = _alert_for(world, PNR)
    assert body["facts"] == [
        "Röd flagga: Andningsbesvär?",
        "Ej HLR – beslut Sigrid Demoläkare 2026-02-01",
        "Ålder 84 år",
        f"Plan ({TEAM}): Ring teamet dagtid (08–17); IV-furosemid i hemmet enligt ordination",
        f"Ordination ({TEAM}): IV-furosemid 40 mg",
    ]
    text = str(body)
    assert "Gammal" not in text and "ASIH Malmö" not in text  # expired plan and order: not sent
    assert "19121212" not in text
    assert _within_limits(body)
    with world.db() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "unit_alert.create",
                                                 AuditEntry.case_id == case_id)).one()
    assert row.detail["care_plan"] is True and row.detail["patient"] == PNR
    assert action_text(row.action, row.detail, PNR).endswith("med patientens behandlingsbegränsningar och vårdplan")


def test_long_plan_items_stay_within_the_protocols_limits(world: World) -> None:
    _store(world, long_items=True)
    _, body = _alert_for(world, PNR)
    plan = next(f for f in body["facts"] if f.startswith("Plan ("))
    assert len(plan) == protocol.MAX_FACT_CHARS and plan.endswith("…")
    assert _within_limits(body)


def test_a_patient_without_a_plan_gets_the_same_facts_as_before(world: World) -> None:
    case_id, body = _alert_for(world, "19490519-1237")
    assert body["facts"] == ["Röd flagga: Andningsbesvär?", "Ålder 84 år"]
    with world.db() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "unit_alert.create",
                                                 AuditEntry.case_id == case_id)).one()
    assert row.detail["care_plan"] is False
