"""The register lookup at a call (records.patients.lookup_context) brings the patient's own plan (issue 20), on
SQLite and PostgreSQL: read with care_plan_for and audited as a patient read naming the patient, also for a patient
the patient register lacks; nothing is read without a valid personnummer; and the plan it brings is the one the
triage decides on (a documented ej HLR and an expected death: death confirmation)."""

from __future__ import annotations

from datetime import datetime

import pytest
from care_plan_helpers import ASTA, GOOD, LUND_NORR, TODAY, TOLVAN, add_patients, audit_rows, write
from sqlalchemy.orm import Session, sessionmaker

from outcomes.call_context import call_context
from records.care_plan_import import import_care_plans
from records.db import transaction
from records.patients import lookup_context
from resources.care_plan import LimitationKind
from resources.clock import LOCAL_TZ
from resources.vocabulary import Priority, Role
from triage_rules.engine import TriageSession
from triage_rules.loader import load_ruleset


@pytest.fixture
def imported(db: sessionmaker[Session], make_actor, tmp_path) -> sessionmaker[Session]:  # type: ignore[no-untyped-def]
    add_patients(db, TOLVAN)  # Asta has plan entries but no row in the patient register
    admin = make_actor(db, "admin.eva", Role.ADMIN)
    with transaction(db, bound=None) as s:
        import_care_plans(s, admin, write(tmp_path, GOOD), today=TODAY)
    return db


def test_the_lookup_brings_the_plan_and_audits_the_read_naming_the_patient(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(imported, "ssk.anna", Role.NURSE)
    with transaction(imported) as s:
        ctx = lookup_context(s, nurse, "19121212-1212", today=TODAY)
    assert ctx.care_plan is not None and ctx.care_plan.personnummer == TOLVAN
    assert ctx.care_plan.limitation(LimitationKind.NO_CPR) is not None
    assert [p.team for p in ctx.care_plan.current_plans()] == [LUND_NORR]
    reads = audit_rows(imported, "patient.care_plan.read")
    assert [(r.user_id, r.case_id, r.detail["patient"]) for r in reads] == [(nurse.user_id, None, TOLVAN)]
    assert [r.detail["patient"] for r in audit_rows(imported, "patient.lookup")] == [TOLVAN]


def test_a_patient_missing_from_the_patient_register_still_gets_the_plan(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    dispatcher = make_actor(imported, "usk.berit", Role.DISPATCHER)  # the dispatch workspace looks up too
    with transaction(imported) as s:
        ctx = lookup_context(s, dispatcher, ASTA, today=TODAY, mark_unknown=True)
    assert not ctx.register_known and ctx.care_plan is not None
    assert ctx.care_plan.limitation(LimitationKind.NO_ICU) is not None and ctx.care_plan.plans[0].expired
    assert [r.detail["patient"] for r in audit_rows(imported, "patient.care_plan.read")] == [ASTA]


def test_only_a_valid_personnummer_reads_the_plan(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(imported, "ssk.anna", Role.NURSE)
    with transaction(imported) as s:
        for pnr in (None, "", "19121212-1213"):  # none typed yet, cleared, a typing error (wrong check digit)
            ctx = lookup_context(s, nurse, pnr, age=80)
            assert ctx.care_plan is None and ctx.age == 80
        assert lookup_context(s, nurse, TOLVAN).care_plan is not None
    assert [r.detail["patient"] for r in audit_rows(imported, "patient.care_plan.read")] == [TOLVAN]


def test_the_call_s_context_carries_the_plan_the_triage_decides_on(imported, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(imported, "ssk.anna", Role.NURSE)
    with transaction(imported) as s:  # the console's and `triage --pnr`'s path
        ctx, _ = call_context(s, nurse, TOLVAN, ask_unknown=True)
    night = datetime(2026, 3, 3, 3, 10, tzinfo=LOCAL_TZ)
    session = TriageSession(load_ruleset(version="skane-2026.3"), "DÖD", ctx, night)
    assert session.state().next_question.id == "väntat_enligt_beslut"  # type: ignore[union-attr]
    session.answer("väntat_enligt_beslut", "ja")
    result = session.result
    assert result is not None and (result.endpoint, result.priority) == ("DÖD.3.04", Priority.P3)
    assert any("Ja (Ej HLR, beslutat av Sigrid Demoläkare 2026-02-01, dokumenterat i Journal VC Lund Norr" in r
               for r in result.reasons)
