"""Scripted demo calls that show the broad palette at work, for `console --demo` and
`python main.py screenshot`. Fictitious patients only (records.demo).

Each call is a script: who calls, about whom, when, the complaint and the endpoint it should reach
(answered by question id; unscripted questions get the answer a calm call would give, and a short
search picks the answers that lead to the endpoint, so a small change in the rule set does not break
the demo). Everything goes through the real APIs: the triage engine (with the call's own time, so
office hours and service hours are right), records, the recommendation and the assignment, outcomes.
Only the timestamps are moved back to the time of each call, and kept in order: call → triage →
väntrummet → assignment → outcome.
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from commands.unit_alerts import alert_assignment
from console.calltaking.triage_driver import EngineDriver
from dispatch.assignment import assign
from dispatch.case_input import case_from_record
from dispatch.fleet_view import FleetSnapshot, UnitState, default_snapshot
from dispatch.recommend import recommend
from outcomes.closing import record_outcome
from outcomes.codes import OutcomeCode
from outcomes.recontact import check_and_link, recontact_context
from records.actor import Actor
from records.case_notes import add_note
from records.cases import CaseIntake, create_case, get_case
from records.db import transaction
from records.demo import demo_patients
from records.identity import provision_and_sign_in
from records.models import Address, Assignment, Case, Recommendation, Review, TriageResult
from records.patients import lookup_context
from records.triage_store import send_to_waiting_room, store_triage
from resources.clock import LOCAL_TZ
from resources.geography import Geography, Kommun, default_geography
from resources.location.assess import KOMMUN_CENTRE_FLAG
from resources.location.model import ADDRESS_ACCURACY_M, KOMMUN_CENTRE_ACCURACY_M, PositionSource
from resources.vocabulary import Priority, Role, UnitStatus
from triage_rules.engine import TriageSession
from triage_rules.schema import RuleSet

log = logging.getLogger("larmcentral.console.demo")

# What a calm call answers to vital-sign questions (by question id).
NORMAL_VITALS = {"af": 16, "andning": 16, "sat": 96, "puls": 78, "sbt": 135, "bt": 135, "temp": 37.2,
                 "glukos": 6.5, "pglukos": 6.5, "rls": 1, "gcs": 15}


@dataclass(frozen=True)
class Call:
    key: str
    complaint: str
    target: str  # the endpoint the story reaches
    at: datetime  # when the call came in
    caller: str
    phone: str
    address: str
    kommun: str
    patient: int | None = None  # index into records.demo.demo_patients(), or None (unknown patient)
    age: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    disposition: str = "waiting"  # waiting | assigned | closed (a referral closes at the call)
    wait_min: int = 6  # väntrummet → assignment
    outcome: OutcomeCode | None = None
    outcome_after_min: int = 50  # assignment → outcome
    override: tuple[Priority, str] | None = None
    recontact: bool = False
    notes: tuple[str, ...] = ()  # the nurse's notes during the call (door code, floor, who meets the crew)


def _local(now: datetime, days_back: int, hour: int, minute: int) -> datetime:
    d = now.astimezone(LOCAL_TZ) - timedelta(days=days_back)
    return d.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(UTC)


def last_weekday_daytime(now: datetime, hour: int = 10, minute: int = 5, *, before: timedelta) -> datetime:
    """The latest weekday at hour:minute (local time) at least `before` ago."""
    for back in range(0, 10):
        t = _local(now, back, hour, minute)
        if t.astimezone(LOCAL_TZ).weekday() < 5 and t <= now - before:
            return t
    raise AssertionError("unreachable")


def last_evening(now: datetime, hour: int = 19, minute: int = 40, *, before: timedelta) -> datetime:
    t = _local(now, 0, hour, minute)
    return t if t <= now - before else _local(now, 1, hour, minute)


def office_hours(now: datetime) -> bool:
    local = now.astimezone(LOCAL_TZ)
    return local.weekday() < 5 and 9 <= local.hour < 16


def transport_time(now: datetime) -> datetime:
    if office_hours(now):
        return now - timedelta(minutes=70)
    return last_weekday_daytime(now, 13, 30, before=timedelta(hours=3))


def scripted_calls(now: datetime) -> list[Call]:
    m = timedelta(minutes=1)
    return [
        # A frail 95-year-old enrolled in a mobile team, fever, stable vitals, weekday daytime.
        Call("feber-mobilt-team", "FEBER", "FEBER.2.02", last_weekday_daytime(now, before=timedelta(hours=26)),
             "Hemtjänsten Norr, Lisa", "046-15 22 40", "Lindvägen 12", "Lund", patient=0,
             answers={"sepsis": "nej", "af": 18, "sat": 95, "puls": 92, "sbt": 128, "temp": 38.4, "dricker": "ja"},
             disposition="closed", wait_min=9, outcome=OutcomeCode.TREATED_LEFT_HOME, outcome_after_min=95),
        # Expected death in the evening, at a nursing home (not ASIH): a physician confirms it.
        Call("väntat-dödsfall", "DÖD", "DÖD.3.04", last_evening(now, before=timedelta(hours=3)),
             "SÄBO Solgården, nattpersonal", "0410-33 12 00", "Solgårdsvägen 4", "Trelleborg", patient=2,
             answers={"väntat": "ja"}, disposition="closed", wait_min=14, outcome=OutcomeCode.DECEASED,
             outcome_after_min=75),
        # The earlier contact of the recontact below: treated by the ambulance and left at home.
        Call("buk-lämnad-hemma", "BUK", "BUK.2.02", now - 7 * 60 * m, "Jamal Prov", "0708-44 51 20",
             "Kvarngatan 8", "Helsingborg", patient=9, answers={"svår": "ja"}, disposition="closed", wait_min=18,
             outcome=OutcomeCode.TREATED_LEFT_HOME, outcome_after_min=55),
        Call("stroke", "STROKE", "STROKE.1.01", now - 5 * 60 * m, "Per Holm", "0733-20 19 88", "Skolgatan 3",
             "Kristianstad", age=78, answers={"symtom_nu": "ja"}, disposition="closed", wait_min=1,
             outcome=OutcomeCode.TRANSPORTED_ED, outcome_after_min=40),
        Call("andning", "ANDN", "ANDN.2.02", now - 3 * 60 * m, "Sara Nyström", "0702-11 32 54", "Parkvägen 21",
             "Malmö", age=71, disposition="closed", wait_min=7, outcome=OutcomeCode.TRANSPORTED_ED,
             outcome_after_min=45),
        # Planned lying transport without care needs, in office hours: a stretcher transport, not an
        # ambulance (under way if it is office hours now, else done on the last weekday).
        Call("liggande-transport", "TRANSP", "TRANSP.3.02", transport_time(now), "Avdelning 12, SUS Lund",
             "046-17 10 00", "Getingevägen 4", "Lund", patient=6, answers={"vårdbehov": "nej", "ligga": "ja"},
             disposition="assigned" if office_hours(now) else "closed", wait_min=25, outcome=OutcomeCode.TO_WARD,
             outcome_after_min=70),
        # A fall without injury at home: lifting help.
        Call("fall-lyfthjälp", "FALLU", "FALLU.3.05", now - 48 * m, "Erik Fiktiv (trygghetslarm)",
             "040-52 18 77", "Ängsvägen 9", "Malmö", patient=4,
             answers={"orsak": "nej", "skada": "nej", "legat_länge": "nej"}, disposition="assigned", wait_min=5,
             notes=("Nyckelgömma vid ytterdörren, kod 2580. Patienten ligger i hallen.",)),
        # 1177: urinary symptoms without retention or fever; completed at the call.
        Call("råd-1177", "KAD", "KAD.H.06", now - 26 * m, "Karin Fiktiv", "0760-98 12 34", "Storgatan 40",
             "Ystad", patient=10, answers={"feber": "nej", "har_kad": "nej", "stämma": "nej"}, disposition="closed"),
        # The nurse raises the priority against the rules, with a reason (for the RLS queue).
        Call("överstyrning", "FÖRS", "FÖRS.3.05", now - 12 * m, "Anna Lind (dotter)", "0705-66 78 90",
             "Järnvägsgatan 17", "Hässleholm", patient=5, answers={"snabb": "nej", "klarar_sig": "nej"},
             override=(Priority.P2, "Dottern beskriver tydlig försämring sedan i morse och att mamman inte "
                                    "känner igen henne; bedömer att det inte kan vänta.")),
        # A heart-failure patient whose own plan says "ring teamet" (08–17): worse breathing, normal values, weekday
        # daytime: the enrolled team, as the plan says, not an ambulance (records.demo: Astrid Demo's plan).
        Call("plan-ring-teamet", "ANDN", "ANDN.2.06", last_weekday_daytime(now, 11, 20, before=timedelta(hours=4)),
             "Astrid Demo", "046-12 34 56", "Lindvägen 12", "Lund", patient=0, disposition="closed", wait_min=8,
             outcome=OutcomeCode.TREATED_LEFT_HOME, outcome_after_min=80),
        # An expected death of an ASIH patient with a documented "ej HLR": the death-confirmation path, not a
        # cardiac arrest (records.demo: Bengt Testsson's limitation).
        Call("ej-hlr-väntat-dödsfall", "DÖD", "DÖD.3.03", last_evening(now, 21, 10, before=timedelta(hours=2)),
             "Maria Testsson (dotter)", "0705-44 10 20", "Ekvägen 3", "Lund", patient=1,
             answers={"väntat": "ja"}, disposition="closed", wait_min=20, outcome=OutcomeCode.DECEASED,
             outcome_after_min=60),
        # The same patient as "buk-lämnad-hemma" calls again, hours later.
        Call("återkontakt", "BUK", "BUK.2.02", now - 5 * m, "Jamal Prov", "0708-44 51 20", "Kvarngatan 8",
             "Helsingborg", patient=9, answers={"svår": "ja"}, recontact=True),
        # Chest pain with typical cardiac character: Prio 1 ambulance, just in.
        Call("bröstsmärta-prio1", "BRÖST", "BRÖST.1.01", now - 2 * m, "Maria Lind", "0739-12 45 67",
             "Kyrkogatan 5", "Landskrona", age=67, answers={"pågående": "ja", "karaktär": "ja"},
             notes=("Tredje våningen, hiss finns. Maken möter vid porten.", "Tagit nitroglycerin en gång utan effekt.")),
    ]


# --- answering ---------------------------------------------------------------------------------------

def _candidates(q: Any, scripted: dict[str, Any]) -> list[Any]:
    if q.id in scripted:
        return [scripted[q.id]]
    if q.kind == "vital":
        base = next((v for k, v in NORMAL_VITALS.items() if k == q.id.casefold()), None)
        lo, hi = q.range or (0.0, 100.0)
        return [min(hi, max(lo, base if base is not None else lo + (hi - lo) * 0.4))]
    values = [v for v, _ in q.options if v != q.unknown_value]
    if q.kind == "yes_no" or {"ja", "nej"} <= set(values):
        return ["nej", "ja"]
    return values


def answer_path(ruleset: RuleSet, complaint: str, context: Any, at: datetime, target: str,
                scripted: dict[str, Any], budget: int = 400) -> TriageSession:
    """A finished session reaching `target` (scripted answers first, calm defaults otherwise); the
    calm default path when the rule set no longer has a way there."""
    driver = EngineDriver(ruleset)
    tries = [budget]

    def search(answers: list[tuple[str, Any]], want: str | None) -> TriageSession | None:
        tries[0] -= 1
        session = TriageSession.replay(ruleset, complaint, answers, context, now=at)
        driver.session = session
        q = driver.state().question
        if q is None:
            return session if want is None or (session.result and session.result.endpoint == want) else None
        if tries[0] <= 0:
            return None
        for value in _candidates(q, scripted):
            found = search([*answers, (q.id, value)], want)
            if found is not None:
                return found
        return None

    found = search([], target)
    if found is None:
        log.warning("demo: %s cannot reach %s in this rule set; taking the calm path", complaint, target)
        tries[0] = budget
        found = search([], None)
    assert found is not None
    return found


# --- seeding -----------------------------------------------------------------------------------------

def demo_actors(factory: sessionmaker[Session]) -> dict[Role, Actor]:
    with transaction(factory) as s:
        return {Role.NURSE: provision_and_sign_in(s, "ssk.karin", Role.NURSE, display_name="Karin Sjöberg (ssk)"),
                Role.DISPATCHER: provision_and_sign_in(s, "usk.omar", Role.DISPATCHER, display_name="Omar Haddad (usk)"),
                Role.PHYSICIAN: provision_and_sign_in(s, "rls.eva", Role.PHYSICIAN, display_name="Eva Lindqvist (RLS)")}


def seed_demo_cases(factory: sessionmaker[Session], ruleset: RuleSet, *, geography: Geography | None = None,
                    snapshot: FleetSnapshot | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The scripted calls, in the order they came in. Returns the actors and case ids by call key."""
    geo = geography or default_geography()
    snap = snapshot or default_snapshot()
    now = now or datetime.now(UTC)
    actors = demo_actors(factory)
    nurse, disp = actors[Role.NURSE], actors[Role.DISPATCHER]
    patients = demo_patients()
    made: dict[str, int] = {}
    for call in sorted(scripted_calls(now), key=lambda c: c.at):
        if not ruleset.has_complaint(call.complaint):
            log.warning("demo: the rule set has no complaint %s; call %s skipped", call.complaint, call.key)
            continue
        made[call.key] = _seed_call(factory, ruleset, geo, snap, call, nurse, disp, patients, now)
    return {"actors": actors, "cases": made}


def seed_call(factory: sessionmaker[Session], ruleset: RuleSet, call: Call, *, now: datetime | None = None) -> int:
    """One more call like the scripted ones, e.g. a Prio 1 coming in while a dispatcher watches (the screenshots'
    alert); returns its case id."""
    now = now or datetime.now(UTC)
    actors = demo_actors(factory)
    return _seed_call(factory, ruleset, default_geography(), default_snapshot(), call, actors[Role.NURSE],
                      actors[Role.DISPATCHER], demo_patients(), now)


def _place(session: Session, kommun: Kommun, scripted_address: str) -> dict[str, Any]:
    """Where a demo call is: an address of the register in the call's kommun, the same one for the same scripted
    address (so a recontact still finds the first call), or without a register the kommun's centre, marked so."""
    count = session.scalar(select(func.count()).select_from(Address).where(Address.kommun == kommun.name))
    if not count:
        return {"address": scripted_address, "lat": kommun.lat, "lon": kommun.lon,
                "position_source": PositionSource.KOMMUN_CENTRE, "position_accuracy_m": KOMMUN_CENTRE_ACCURACY_M,
                "position_flag": KOMMUN_CENTRE_FLAG}
    pick = zlib.crc32(f"{kommun.name}|{scripted_address}".encode()) % count
    a = session.scalars(select(Address).where(Address.kommun == kommun.name).order_by(Address.id)
                        .offset(pick).limit(1)).one()
    number = f" {a.number}{' ' + a.letter if a.letter else ''}" if a.number is not None else ""
    return {"address": f"{a.street}{number}, {a.postort}", "lat": a.lat, "lon": a.lon,
            "position_source": PositionSource.ADDRESS, "position_accuracy_m": ADDRESS_ACCURACY_M}


def _seed_call(factory: sessionmaker[Session], ruleset: RuleSet, geo: Geography, snap: FleetSnapshot, call: Call,
               nurse: Actor, disp: Actor, patients: list[Any], now: datetime) -> int:
    p = patients[call.patient] if call.patient is not None else None
    k = geo.kommun(call.kommun)
    triaged = call.at + min(timedelta(minutes=4), (now - call.at) / 2)  # a call just in is still being triaged
    with transaction(factory) as s:
        case = create_case(s, nurse, CaseIntake(
            caller_name=call.caller, callback_phone=call.phone, kommun=k.name, **_place(s, k, call.address),
            patient_name=p.name if p else "", personnummer=p.personnummer if p else None,
            patient_age=None if p else call.age))
        call = replace(call, address=case.address)  # a recontact looks for the address the case got
        _backdate(s.get(Case, case.id), call.at)
        for i, text in enumerate(call.notes, start=1):
            add_note(s, nurse, case.id, text, written_at=call.at + i * timedelta(seconds=40))
        ctx = lookup_context(s, nurse, case.personnummer, age=call.age)
        if call.recontact:
            ctx, _ = recontact_context(s, ctx, callback_phone=call.phone, address=call.address, at=call.at,
                                       exclude_case_id=case.id, actor=nurse)
    driver = EngineDriver(ruleset)
    driver.session = answer_path(ruleset, call.complaint, ctx, call.at, call.target, call.answers)
    if call.override is not None:
        driver.override(call.override[0], None, call.override[1])
    triage = driver.completed()
    with transaction(factory) as s:
        if triage.final_priority is Priority.REFERRAL:
            store_triage(s, nurse, case.id, triage)
            _backdate_triage(s, case.id, triaged)
            record_outcome(s, nurse, case.id, OutcomeCode.REFERRED, note=triage.endpoint_code, at=triaged)
            return case.id
        view = get_case(s, nurse, case.id)
        rec = _recommend(s, snap, view, ctx, triage.final_priority.value, triage.final_care_need, triaged)
        send_to_waiting_room(s, nurse, case.id, triage, rec.model_dump(mode="json") if rec else None)
        _backdate_triage(s, case.id, triaged)
        row = s.get(Case, case.id)
        row.waiting_since = row.updated_at = triaged
        if call.recontact:
            check_and_link(s, nurse, case.id, at=call.at)
    if call.disposition == "waiting":
        return case.id
    assigned_at = min(triaged + timedelta(minutes=call.wait_min), triaged + (now - triaged) / 2)
    with transaction(factory) as s:
        view = get_case(s, disp, case.id)
        rec = _recommend(s, snap, view, ctx, view.priority, view.care_need, assigned_at)
        best = rec.parts[0].recommended if rec and rec.parts else None
        if best is None or best.unit_id is None:
            log.warning("demo: no unit for %s; left in väntrummet", call.key)
            return case.id
        assign(s, disp, case.id, best.unit_id, rec.parts[0].part, rec)
        a = s.scalar(select(Assignment).where(Assignment.case_id == case.id, Assignment.active))
        a.assigned_at = assigned_at
        if call.disposition == "assigned":  # still on it: its unit is alerted (the demo's simulator drives it there)
            alert_assignment(s, disp, a.id)
    if call.disposition == "closed" and call.outcome is not None:
        at = min(assigned_at + timedelta(minutes=call.outcome_after_min), now - timedelta(minutes=2))
        with transaction(factory) as s:
            record_outcome(s, disp, case.id, call.outcome, unit_id=best.unit_id, source="feed" if best else "manual",
                           destination=_nearest_ed(geo, view) if call.outcome.needs_destination else None, at=at)
    return case.id


def _recommend(s: Session, snap: FleetSnapshot, view: Any, ctx: Any, priority: str | None,
               care_need: dict[str, Any] | None, at: datetime) -> Any:
    busy = set(s.scalars(select(Assignment.unit_id).where(Assignment.active)))
    live = snap.updated([UnitState(id=u, status=UnitStatus.ON_SCENE) for u in busy]) if busy else snap
    try:
        return recommend(case_from_record(view.model_copy(update={"priority": priority, "care_need": care_need}),
                                          ctx), live, at)
    except ValueError as exc:
        log.warning("demo: no recommendation for case %s: %s", view.id, exc)
        return None


def _nearest_ed(geo: Geography, view: Any) -> str | None:
    if view.lat is None or view.lon is None:
        return None
    return geo.nearest_ed(view.lat, view.lon, open_24_7_only=True).code


def _backdate(row: Case | None, at: datetime) -> None:
    assert row is not None
    row.created_at = row.updated_at = at


def _backdate_triage(s: Session, case_id: int, at: datetime) -> None:
    """The triage, the recommendation the nurse saw and the reviews it opened: at the time of the call."""
    for model, column in ((TriageResult, "completed_at"), (Recommendation, "created_at"), (Review, "created_at")):
        for row in s.scalars(select(model).where(model.case_id == case_id)):
            setattr(row, column, at)
