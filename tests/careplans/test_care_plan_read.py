"""The audited read of a patient's own plan (`care_plan_for`), on SQLite and PostgreSQL: every clinical role reads
it and each read is an audit row naming the patient, which the patient's access log shows in Swedish; an expired
plan or order is flagged, never left out; an administrator is refused like at every patient read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from care_plan_helpers import ASIH_LUND, ASTA, GOOD, OKAND, TODAY, TOLVAN, audit_rows, write
from sqlalchemy.orm import Session, sessionmaker

from records.access_log import patient_log
from records.actor import NotPermitted
from records.care_plan_import import import_care_plans
from records.care_plans import care_plan_for
from records.db import transaction
from records.personnummer import InvalidPersonnummer
from resources.care_plan import CarePlanView, LimitationKind
from resources.vocabulary import Role


@pytest.fixture
def imported(db: sessionmaker[Session], make_actor, tmp_path) -> sessionmaker[Session]:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    with transaction(db, bound=None) as s:
        import_care_plans(s, admin, write(tmp_path, GOOD), today=TODAY)
    return db


def _read(db: sessionmaker[Session], actor, pnr: str, today: date = TODAY) -> CarePlanView:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        return care_plan_for(s, actor, pnr, today=today)


def test_each_clinical_role_reads_and_each_read_is_audited_naming_the_patient(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    readers = [make_actor(imported, name, role) for name, role in
               (("ssk.anna", Role.NURSE), ("usk.berit", Role.DISPATCHER), ("lak.david", Role.PHYSICIAN))]
    for actor in readers:
        assert _read(imported, actor, "191212121212").limitation(LimitationKind.NO_CPR)
    rows = audit_rows(imported, "patient.care_plan.read")
    assert [(r.user_id, r.case_id, r.detail["patient"]) for r in rows] == [(a.user_id, None, TOLVAN) for a in readers]

    admin = make_actor(imported, "admin.lena", Role.ADMIN)
    with transaction(imported) as s:
        log = patient_log(s, admin, TOLVAN)
    reads = [r for r in log.rows if r.action == "patient.care_plan.read"]
    assert [(r.username, r.action_text, r.patient) for r in reads] == [
        (a.username, "läste patientens vårdplan, behandlingsbegränsningar och ordinationer", TOLVAN) for a in readers]


def test_an_administrator_reads_no_plan(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotPermitted, match="ingen klinisk behörighet"):
        _read(imported, make_actor(imported, "admin.lena", Role.ADMIN), TOLVAN)
    assert audit_rows(imported, "patient.care_plan.read") == []


def test_an_expired_plan_and_order_are_flagged_not_hidden(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(imported, "ssk.anna", Role.NURSE)
    view = _read(imported, nurse, ASTA)
    [plan] = view.plans
    assert (plan.team, plan.valid_until, plan.expired) == (ASIH_LUND, date(2026, 2, 28), True)
    assert view.current_plans() == []
    [order] = view.standing_orders
    assert (order.text, order.expired) == ("Morfin 5 mg s.c.", True)
    assert [lim.kind for lim in view.limitations] == [LimitationKind.NO_ICU]  # a limitation has no end date
    # the last valid day is still valid; the day after it is not
    on_last_day = _read(imported, nurse, ASTA, today=date(2026, 2, 28))
    assert not on_last_day.plans[0].expired and on_last_day.read_for == date(2026, 2, 28)
    assert _read(imported, nurse, TOLVAN, today=date(2026, 6, 30) + timedelta(days=1)).plans[0].expired


def test_a_patient_without_a_plan_gets_an_empty_view_and_the_read_is_audited(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    view = _read(imported, make_actor(imported, "ssk.anna", Role.NURSE), OKAND)
    assert view.empty and (view.plans, view.limitations, view.standing_orders) == ([], [], [])
    assert [r.detail["patient"] for r in audit_rows(imported, "patient.care_plan.read")] == [OKAND]


def test_a_malformed_personnummer_is_refused_in_swedish(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidPersonnummer, match="kontrollsiffran stämmer inte"):
        _read(imported, make_actor(imported, "ssk.anna", Role.NURSE), "19121212-1213")
