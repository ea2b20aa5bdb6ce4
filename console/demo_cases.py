"""Realistic demo cases, made through the real APIs (triage engine, records, dispatch, outcomes),
for `python main.py screenshot` and `console --demo`. Fictitious patients only (records.demo).

Creation times are spread over the last hours so the statistics have a shape; that back-dating
is the only thing done outside the domain APIs, and only here, for demo data.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from console.calltaking.triage_driver import EngineDriver
from dispatch.assignment import assign
from dispatch.case_input import case_from_record
from dispatch.fleet_view import FleetSnapshot, default_snapshot
from dispatch.recommend import recommend
from outcomes.closing import record_outcome
from outcomes.codes import OutcomeCode, ed_codes
from outcomes.recontact import check_and_link
from records.actor import Actor
from records.cases import CaseIntake, create_case, get_case
from records.db import transaction
from records.demo import demo_patients
from records.models import Assignment, Case
from records.patients import lookup_context
from records.triage_store import send_to_waiting_room, store_triage
from records.users import sign_in
from resources.geography import Geography, default_geography
from resources.vocabulary import Priority, Role
from triage_rules.schema import RuleSet

NORMAL_VITALS = {"af": 18, "andning": 18, "sat": 95, "puls": 88, "sbt": 135, "bt": 135, "temp": 38.2,
                 "glukos": 6.5, "pglukos": 6.5, "rls": 1, "gcs": 15}
COMPLAINTS = ("BRÖST", "FEBER", "FALLU", "ANDN", "FÖRS", "KAD", "BUK", "STROKE", "PALL", "YRSEL", "DIAB",
              "FALLS", "KONF", "HUVUD", "SÅR", "PSYK")
CALLERS = ("Maria Lind", "Per Holm", "Hemtjänsten Söder", "Sara Nyström", "Ahmed Karimi", "Lena Berg",
           "SÄBO Solgården", "Johan Ek", "Eva Strand", "Nils Dahl")
STREETS = ("Storgatan", "Kyrkogatan", "Järnvägsgatan", "Skolgatan", "Parkvägen", "Ängsvägen", "Lindvägen")


def demo_actors(factory: sessionmaker[Session]) -> dict[Role, Actor]:
    with transaction(factory) as s:
        return {Role.NURSE: sign_in(s, "ssk.karin", Role.NURSE, display_name="Karin Sjöberg (ssk)"),
                Role.DISPATCHER: sign_in(s, "usk.omar", Role.DISPATCHER, display_name="Omar Haddad (usk)"),
                Role.PHYSICIAN: sign_in(s, "rls.eva", Role.PHYSICIAN, display_name="Eva Lindqvist (RLS)")}


def walk(driver: EngineDriver, rng: random.Random) -> None:
    """Answer the session's questions like a plausible call: red flags mostly no, vitals mostly normal."""
    for _ in range(60):
        q = driver.state().question
        if q is None:
            return
        if q.kind == "vital":
            base = next((v for k, v in NORMAL_VITALS.items() if k in q.id.casefold()), None)
            lo, hi = q.range or (0.0, 100.0)
            value = base if base is not None else lo + (hi - lo) * 0.3
            if rng.random() < 0.12:
                value = lo + (hi - lo) * 0.85
            driver.answer(min(hi, max(lo, value)))
        elif q.id.startswith("RF_"):
            driver.answer("ja" if rng.random() < 0.04 else "nej")
        else:
            driver.answer(rng.choice([v for v, _ in q.options if v != q.unknown_value]))


def seed_demo_cases(factory: sessionmaker[Session], ruleset: RuleSet, *, n: int = 16, seed: int = 7,
                    geography: Geography | None = None, snapshot: FleetSnapshot | None = None) -> dict[str, Any]:
    """Cases in every state: waiting, assigned, closed with outcomes, one override, one recontact."""
    geo = geography or default_geography()
    snap = snapshot or default_snapshot()
    rng = random.Random(seed)
    actors = demo_actors(factory)
    nurse, disp = actors[Role.NURSE], actors[Role.DISPATCHER]
    patients = demo_patients()
    kommuner = [k for k in geo.kommuner]
    eds = list(ed_codes())
    now = datetime.now(UTC)
    made: dict[str, list[int]] = {"waiting": [], "assigned": [], "closed": [], "referred": []}
    for i in range(n + 1):
        recontact_of = made["closed"][0] if i == n and made["closed"] else None
        k = kommuners_pick(kommuner, rng)
        patient = patients[i % len(patients)] if i % 3 != 2 else None
        with transaction(factory) as s:
            if recontact_of is not None:
                earlier = s.get(Case, recontact_of)
                assert earlier is not None
                patient = next((p for p in patients if p.personnummer == earlier.personnummer), None)
                k = geo.kommun(earlier.kommun) if earlier.kommun else k
            intake = CaseIntake(caller_name=rng.choice(CALLERS), callback_phone=f"070-{rng.randint(1000000, 9999999)}",
                                address=f"{rng.choice(STREETS)} {rng.randint(1, 60)}", kommun=k.name,
                                lat=k.lat + rng.uniform(-0.03, 0.03), lon=k.lon + rng.uniform(-0.04, 0.04),
                                patient_name=patient.name if patient else "", personnummer=patient.personnummer
                                if patient else None, patient_age=None if patient else rng.randint(20, 95))
            case = create_case(s, nurse, intake)
            row = s.get(Case, case.id)
            assert row is not None
            waits = i % 4 == 1 or recontact_of is not None  # still in väntrummet: called minutes ago
            ago = rng.randint(3, 16) if waits else rng.randint(18, 50) if i % 4 == 2 else 60 + (n - i) * rng.randint(14, 40)
            created = now - timedelta(minutes=ago)
            row.created_at = created
            ctx = lookup_context(s, nurse, intake.personnummer, age=intake.patient_age)
        driver = EngineDriver(ruleset)
        complaint = "FEBER" if recontact_of else COMPLAINTS[i % len(COMPLAINTS)]
        if not ruleset.has_complaint(complaint):
            complaint = ruleset.complaints[i % len(ruleset.complaints)].code
        if recontact_of is not None:
            from outcomes.recontact import recontact_context

            with transaction(factory) as s:
                ctx, _ = recontact_context(s, ctx, exclude_case_id=case.id)
        driver.start(complaint, ctx)
        walk(driver, rng)
        if i == 3:
            if driver.state().priority is Priority.P1:
                driver.override(Priority.P2, None, "Känd KOL-patient med sin vanliga andnöd; mobilt team har kontakt.")
            else:
                driver.override(Priority.P1, None, "Inringaren låter mycket orolig; patienten andas ansträngt.")
        triage = driver.completed()
        with transaction(factory) as s:
            if triage.final_priority is Priority.REFERRAL:
                store_triage(s, nurse, case.id, triage)
                record_outcome(s, nurse, case.id, OutcomeCode.REFERRED, note=triage.endpoint_code,
                               at=created + timedelta(minutes=6))
                made["referred"].append(case.id)
                continue
            send_to_waiting_room(s, nurse, case.id, triage)
            row = s.get(Case, case.id)
            assert row is not None
            row.waiting_since = created + timedelta(minutes=rng.randint(2, 3))
            if recontact_of is not None:
                check_and_link(s, nurse, case.id, at=now)
        target = "waiting" if i % 4 == 1 or recontact_of is not None else ("assigned" if i % 4 == 2 else "closed")
        if target == "waiting":
            made["waiting"].append(case.id)
            continue
        with transaction(factory) as s:
            view = get_case(s, disp, case.id)
            rec = recommend(case_from_record(view, ctx), snap, now)
            best = rec.parts[0].recommended
            if best is None or best.unit_id is None or best.unit_id in _busy(s):
                made["waiting"].append(case.id)
                continue
            assign(s, disp, case.id, best.unit_id, rec.parts[0].part, rec)
            a = s.scalar(select(Assignment).where(Assignment.case_id == case.id))
            assert a is not None
            a.assigned_at = created + timedelta(minutes=rng.randint(5, 28))
        if target == "assigned":
            made["assigned"].append(case.id)
            continue
        code = rng.choice([OutcomeCode.TRANSPORTED_ED, OutcomeCode.TRANSPORTED_ED, OutcomeCode.TREATED_LEFT_HOME,
                           OutcomeCode.LEFT_HOME_ADVICE, OutcomeCode.HANDED_OVER_TEAM])
        if not made["closed"]:
            code = OutcomeCode.LEFT_HOME_ADVICE  # the first closed case is the one the recontact refers to
        with transaction(factory) as s:
            record_outcome(s, disp, case.id, code, destination=rng.choice(eds) if code.needs_destination else None,
                           source="manual", at=now - timedelta(minutes=rng.randint(15, 40)))
        made["closed"].append(case.id)
    return {"actors": actors, "cases": made}


def kommuners_pick(kommuner: list[Any], rng: random.Random) -> Any:
    # Weighted towards the populous kommuner, as calls are.
    return rng.choices(kommuner, weights=[k.population for k in kommuner])[0]


def _busy(s: Session) -> set[str]:
    return set(s.scalars(select(Assignment.unit_id).where(Assignment.active)))
