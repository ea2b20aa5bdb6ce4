"""The demo's fictitious patients carry their own plans (on SQLite and PostgreSQL): a heart-failure patient of a mobile
team (ring teamet by day, the physician car at night, IV furosemide at home), palliative ASIH patients with "ej HLR"
decided by a named fictitious physician, one who wants to die at home, and one expired plan. Seeding again adds
nothing; every number is a test-series one."""

from __future__ import annotations

from datetime import time

from care_plan_helpers import plan_tables
from sqlalchemy.orm import Session, sessionmaker

from records.care_plans import care_plan_for, local_today
from records.db import transaction
from records.demo import DEMO_PHYSICIAN, demo_patients, seed_demo, seed_demo_care_plans
from resources.care_plan import LimitationKind, PlanItemKind
from resources.vocabulary import Role


def test_the_demo_patients_have_plans_limitations_and_one_expired_plan(db: sessionmaker[Session], make_actor) -> None:  # type: ignore[no-untyped-def]
    with transaction(db) as s:
        assert seed_demo(s) == len(demo_patients())
    nurse = make_actor(db, "demo.nurse", Role.NURSE)
    patients = {p.name: p for p in demo_patients()}
    with transaction(db) as s:
        views = {name: care_plan_for(s, nurse, patients[name].personnummer)
                 for name in ("Astrid Demo", "Bengt Testsson", "Dagny Prov", "Lennart Demo", "Erik Fiktiv")}

    [heart] = views["Astrid Demo"].plans
    assert heart.team == patients["Astrid Demo"].enrolled_mobile_team and not heart.expired
    hours = {i.kind: (i.hours_from, i.hours_to) for i in heart.items}
    assert hours[PlanItemKind.CALL_TEAM] == (time(8), time(17))
    assert hours[PlanItemKind.PHYSICIAN_CAR] == (time(17), time(8))
    assert "extra furosemid" in heart.free_text
    assert [o.text for o in views["Astrid Demo"].standing_orders] == ["IV-furosemid 40 mg vid andnöd"]

    palliative = views["Bengt Testsson"]
    no_cpr = palliative.limitation(LimitationKind.NO_CPR)
    assert no_cpr is not None and no_cpr.decided_by == DEMO_PHYSICIAN and "demo" in DEMO_PHYSICIAN
    assert palliative.plans[0].team == patients["Bengt Testsson"].enrolled_asih
    assert ("Vill dö hemma", PlanItemKind.NO_HOSPITAL) in [(i.text, i.kind) for i in palliative.plans[0].items]
    assert views["Lennart Demo"].limitation(LimitationKind.NO_CPR) is not None

    [old] = views["Dagny Prov"].plans
    assert old.expired and old.valid_until < local_today()
    assert views["Erik Fiktiv"].empty

    demo_numbers = {p.personnummer for p in demo_patients()}
    tables = plan_tables(db)
    named = {row[0] for rows in tables.values() for row in rows}
    assert named <= demo_numbers and all(pnr[9:11] == "98" for pnr in named)
    assert {row[-1] for rows in tables.values() for row in rows} == {"demo"}


def test_seeding_again_adds_nothing(db: sessionmaker[Session]) -> None:
    with transaction(db) as s:
        seed_demo(s)
    before = plan_tables(db)
    with transaction(db) as s:
        assert seed_demo(s) == 0
        assert seed_demo_care_plans(s) == 0
    assert plan_tables(db) == before and len(before["plans"]) == 4
