"""An administrator's edits of a patient's own plan through the command layer, on SQLite and PostgreSQL: set, replace
and remove by natural key, each audited naming the patient (and the deciding physician of a limitation) and
announced on the `care_plans` topic; a nurse is refused; a retry with the same id writes nothing; an unknown patient
or entry is refused with nothing written."""

from __future__ import annotations

from datetime import date, time

import pytest
from care_plan_helpers import ASIH_LUND, LUND_NORR, OKAND, TODAY, TOLVAN, add_patients, audit_rows, plan_tables
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commands import (
    RemoveCarePlan,
    RemoveStandingOrder,
    RemoveTreatmentLimitation,
    SetCarePlan,
    SetStandingOrder,
    SetTreatmentLimitation,
    run,
)
from records.access_log import patient_log
from records.actor import NotPermitted
from records.care_plans import (
    CarePlanChange,
    CarePlanEntryNotFound,
    CarePlanInput,
    LimitationInput,
    PatientNotInRegister,
    StandingOrderInput,
    care_plan_for,
)
from records.db import transaction
from records.models import ChangeEvent
from resources.care_plan import LimitationKind, PlanItem, PlanItemKind
from resources.vocabulary import Role

PLAN = CarePlanInput(personnummer=TOLVAN, team=LUND_NORR, author="Maja Exempel", written_on=date(2026, 2, 1),
                     valid_until=date(2026, 8, 1), free_text="Vid andnöd: extra furosemid.",
                     items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet", hours_from=time(8),
                                     hours_to=time(17))])
NO_CPR = LimitationInput(personnummer=TOLVAN, kind=LimitationKind.NO_CPR, decided_by="Sigrid Demoläkare",
                         decided_on=date(2026, 2, 1), documented_in="Journal VC Lund Norr")
ORDER = StandingOrderInput(personnummer=TOLVAN, team=LUND_NORR, text="IV-furosemid 40 mg", valid_until=date(2026, 8, 1))


@pytest.fixture
def people(db: sessionmaker[Session], make_actor):  # type: ignore[no-untyped-def]
    add_patients(db, TOLVAN)
    return make_actor(db, "admin.eva", Role.ADMIN), make_actor(db, "ssk.anna", Role.NURSE)


def _view(db: sessionmaker[Session], nurse):  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        return care_plan_for(s, nurse, TOLVAN, today=TODAY)


def test_an_administrator_sets_replaces_and_removes_each_entry(db, people) -> None:  # type: ignore[no-untyped-def]
    admin, nurse = people
    assert run(db, admin, SetCarePlan(plan=PLAN)) == CarePlanChange(personnummer=TOLVAN, entry="plan", key=LUND_NORR,
                                                                    change="created")
    run(db, admin, SetTreatmentLimitation(limitation=NO_CPR))
    run(db, admin, SetStandingOrder(order=ORDER))
    view = _view(db, nurse)
    assert [(p.team, p.items, p.source) for p in view.plans] == [(LUND_NORR, PLAN.items, "manuellt (admin.eva)")]
    assert [(lim.kind, lim.decided_by) for lim in view.limitations] == [(LimitationKind.NO_CPR, "Sigrid Demoläkare")]
    assert [(o.text, o.valid_until) for o in view.standing_orders] == [("IV-furosemid 40 mg", date(2026, 8, 1))]

    replaced = run(db, admin, SetCarePlan(plan=PLAN.model_copy(update={"valid_until": date(2026, 9, 1), "items": []})))
    assert replaced.change == "updated"  # type: ignore[attr-defined]
    moved = run(db, admin, SetStandingOrder(order=ORDER.model_copy(update={"valid_until": date(2026, 12, 31)})))
    assert moved.change == "updated"  # type: ignore[attr-defined]
    view = _view(db, nurse)
    assert [(p.valid_until, p.items) for p in view.plans] == [(date(2026, 9, 1), [])]
    assert [o.valid_until for o in view.standing_orders] == [date(2026, 12, 31)]

    run(db, admin, RemoveCarePlan(personnummer="191212121212", team=LUND_NORR))
    run(db, admin, RemoveTreatmentLimitation(personnummer=TOLVAN, kind=LimitationKind.NO_CPR))
    run(db, admin, RemoveStandingOrder(personnummer=TOLVAN, team=LUND_NORR, text="IV-furosemid 40 mg"))
    assert _view(db, nurse).empty

    with db() as s:
        topics = s.scalars(select(ChangeEvent.topic).where(ChangeEvent.command.like("%.set")
                                                           | ChangeEvent.command.like("%.remove"))).all()
    assert topics == ["care_plans"] * 8


def test_each_edit_is_audited_naming_the_patient_and_reads_in_swedish(db, people, make_actor) -> None:  # type: ignore[no-untyped-def]
    admin, _ = people
    run(db, admin, SetTreatmentLimitation(limitation=NO_CPR))
    run(db, admin, RemoveTreatmentLimitation(personnummer=TOLVAN, kind=LimitationKind.NO_CPR))
    [row] = audit_rows(db, "treatment_limitation.set")
    assert (row.user_id, row.detail["patient"], row.detail["kind"], row.detail["decided_by"],
            row.detail["decided_on"]) == (admin.user_id, TOLVAN, "no_cpr", "Sigrid Demoläkare", "2026-02-01")
    auditor = make_actor(db, "admin.lena", Role.ADMIN)
    with transaction(db) as s:
        log = patient_log(s, auditor, TOLVAN)
    assert [r.action_text for r in log.rows] == [
        "lade in eller ändrade en behandlingsbegränsning: Ej HLR, beslutad av Sigrid Demoläkare 2026-02-01",
        "tog bort en behandlingsbegränsning: Ej HLR"]


def test_a_nurse_may_not_edit_and_nothing_is_written(db, people) -> None:  # type: ignore[no-untyped-def]
    _, nurse = people
    for cmd in (SetCarePlan(plan=PLAN), SetTreatmentLimitation(limitation=NO_CPR), SetStandingOrder(order=ORDER)):
        with pytest.raises(NotPermitted, match="Sjuksköterska får inte ändra"):
            run(db, nurse, cmd)
    assert plan_tables(db) == {"plans": [], "limitations": [], "orders": []}


def test_a_retry_with_the_same_id_returns_the_first_result_and_writes_nothing(db, people) -> None:  # type: ignore[no-untyped-def]
    admin, _ = people
    cmd = SetTreatmentLimitation(limitation=NO_CPR)
    first = run(db, admin, cmd)
    tables = plan_tables(db)
    assert run(db, admin, cmd) == first
    assert plan_tables(db) == tables
    assert len(audit_rows(db, "treatment_limitation.set")) == 1
    assert len(audit_rows(db, "command.replay")) == 1


def test_an_unknown_patient_or_entry_is_refused_with_nothing_written(db, people) -> None:  # type: ignore[no-untyped-def]
    admin, _ = people
    with pytest.raises(PatientNotInRegister, match=f"Personnumret {OKAND} finns inte i patientregistret"):
        run(db, admin, SetCarePlan(plan=PLAN.model_copy(update={"personnummer": OKAND})))
    with pytest.raises(CarePlanEntryNotFound, match=f"ingen vårdplan från '{ASIH_LUND}'"):
        run(db, admin, RemoveCarePlan(personnummer=TOLVAN, team=ASIH_LUND))
    with pytest.raises(CarePlanEntryNotFound, match="ingen behandlingsbegränsning 'Ej IVA'"):
        run(db, admin, RemoveTreatmentLimitation(personnummer=TOLVAN, kind=LimitationKind.NO_ICU))
    assert plan_tables(db) == {"plans": [], "limitations": [], "orders": []}


def test_bad_content_is_refused_in_swedish_before_the_database() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="planen gäller till 2026-01-01, före dagen den skrevs"):
        SetCarePlan(plan=PLAN.model_copy(update={"valid_until": date(2026, 1, 1)}))
    with pytest.raises(ValidationError, match="en annan begränsning måste beskrivas i texten"):
        SetTreatmentLimitation(limitation=NO_CPR.model_copy(update={"kind": LimitationKind.OTHER}))
    with pytest.raises(ValidationError, match="kontrollsiffran stämmer inte"):
        SetStandingOrder(order=ORDER.model_copy(update={"personnummer": "19121212-1213"}))
