"""Demo data: fictitious patients with test personnummer (serial 98xx), never real persons.

Their context points at units of the default fleet so the demo shows the broad palette at work.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.audit import now
from records.care_plans import (
    CarePlanInput,
    LimitationInput,
    StandingOrderInput,
    limitation_row,
    local_today,
    order_row,
    plan_row,
)
from records.models import CarePlanRow, Patient, StandingOrderRow, TreatmentLimitationRow
from records.personnummer import with_check_digit
from resources.care_plan import LimitationKind, PlanItem, PlanItemKind
from resources.fleet import Fleet, default_fleet
from resources.vocabulary import Role

DEMO_NAMES = ("Astrid Demo", "Bengt Testsson", "Cecilia Exempel", "Dagny Prov", "Erik Fiktiv", "Fatima Demo",
              "Gunnar Övning", "Hanna Test", "Ingvar Exempelsson", "Jamal Prov", "Karin Fiktiv", "Lennart Demo")


def demo_personnummer(born: date, serial: int) -> str:
    """A check-digit-valid personnummer in the test series (serial 980–989 + check digit)."""
    nine = f"{born:%y%m%d}{980 + serial % 10:03d}"
    return f"{born:%Y%m%d}-{nine[6:]}{with_check_digit(nine)}"


def demo_patients(fleet: Fleet | None = None) -> list[Patient]:
    fleet = fleet or default_fleet()
    teams = [u.affiliation for u in fleet.of_type("MVT_VC") if u.affiliation]
    asih = sorted({u.affiliation for u in fleet.of_type("ASIH") if u.affiliation})
    psych = sorted({u.affiliation for u in fleet.of_type("PSYK_MT") if u.affiliation})
    at = now()
    out = []
    for i, name in enumerate(DEMO_NAMES):
        born = date(1931 + 4 * i, 1 + i % 12, 1 + (3 * i) % 28)
        out.append(Patient(
            personnummer=demo_personnummer(born, i), name=name,
            enrolled_mobile_team=teams[i * 7 % len(teams)] if i % 3 == 0 else None,
            enrolled_asih=asih[i % len(asih)] if i % 5 == 1 else None,
            lives_in_saebo=i % 4 == 2, home_care=i % 2 == 0,
            listed_vardcentral=teams[i * 7 % len(teams)],
            known_psychiatric_team=psych[i % len(psych)] if i % 6 == 5 else None,
            updated_at=at, source="demo"))
    return out


def seed_demo(session: Session) -> int:
    """Insert the demo patients that are missing, and their care plans, limitations and standing orders that are
    missing. Idempotent. Returns the number of patients added."""
    added = 0
    for p in demo_patients():
        if session.get(Patient, p.personnummer) is None:
            session.add(p)
            added += 1
    session.flush()
    seed_demo_care_plans(session)
    return added


DemoCarePlans = tuple[list[CarePlanInput], list[LimitationInput], list[StandingOrderInput]]
# Fictitious authors and physicians (the demo's names say so).
DEMO_NURSE_AUTHOR, DEMO_PHYSICIAN = "Maja Exempel (ssk, demo)", "Sigrid Demoläkare (leg. läkare, demo)"


def demo_care_plans(today: date | None = None, fleet: Fleet | None = None) -> DemoCarePlans:
    """The demo patients' own plans, dated around `today`: a heart-failure patient of a mobile team (call the team
    by day, the physician car at night, IV furosemide at home), two palliative ASIH patients with "ej HLR" (one who
    wants to die at home) and one plan that has expired."""
    today = today or local_today()
    by_name = {p.name: p for p in demo_patients(fleet)}
    astrid, bengt = by_name["Astrid Demo"], by_name["Bengt Testsson"]
    dagny, lennart = by_name["Dagny Prov"], by_name["Lennart Demo"]
    days = timedelta
    assert astrid.enrolled_mobile_team and dagny.enrolled_mobile_team and bengt.enrolled_asih and lennart.enrolled_asih
    plans = [
        CarePlanInput(
            personnummer=astrid.personnummer, team=astrid.enrolled_mobile_team, author=DEMO_NURSE_AUTHOR,
            written_on=today - days(40), valid_until=today + days(140),
            items=[PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Vid andnöd: extra furosemid enligt ordination"),
                   PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet dagtid", hours_from=time(8),
                            hours_to=time(17)),
                   PlanItem(kind=PlanItemKind.PHYSICIAN_CAR, text="Läkarbil nattetid", hours_from=time(17),
                            hours_to=time(8)),
                   PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill helst inte till sjukhus")],
            free_text="Hjärtsvikt NYHA III. Vid andnöd: extra furosemid enligt ordination, ring teamet dagtid "
                      "08–17, läkarbil nattetid. Vikt dagligen; ökning > 2 kg på tre dagar: ring teamet."),
        CarePlanInput(
            personnummer=bengt.personnummer, team=bengt.enrolled_asih, author=DEMO_PHYSICIAN,
            written_on=today - days(12), valid_until=today + days(60),
            items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring ASIH dygnet runt"),
                   PlanItem(kind=PlanItemKind.NO_HOSPITAL, text="Vill dö hemma"),
                   PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Smärta eller oro: vidbehovsläkemedel enligt "
                                                                    "ordination")],
            free_text="Palliativ vård i livets slutskede (pankreascancer). Patienten och hustrun vill att han får "
                      "dö hemma. Förväntat dödsfall: ASIH konstaterar dödsfallet."),
        CarePlanInput(
            personnummer=lennart.personnummer, team=lennart.enrolled_asih, author=DEMO_NURSE_AUTHOR,
            written_on=today - days(30), valid_until=today + days(30),
            items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring ASIH i första hand"),
                   PlanItem(kind=PlanItemKind.OTHER, text="Syrgas finns i hemmet, 2 l/min vid andnöd")],
            free_text="Palliativ KOL. Vid andnöd: syrgas och morfin enligt ordination, ring ASIH."),
        CarePlanInput(  # expired: shown as expired, never as current
            personnummer=dagny.personnummer, team=dagny.enrolled_mobile_team, author=DEMO_NURSE_AUTHOR,
            written_on=today - days(220), valid_until=today - days(20),
            items=[PlanItem(kind=PlanItemKind.CALL_TEAM, text="Ring teamet vardagar", hours_from=time(8),
                            hours_to=time(16)),
                   PlanItem(kind=PlanItemKind.HOME_TREATMENT, text="Antibiotikakur finns hemma vid KOL-exacerbation")],
            free_text="KOL-plan, ska förnyas vid nästa hembesök."),
    ]
    limitations = [
        LimitationInput(personnummer=bengt.personnummer, kind=LimitationKind.NO_CPR, decided_by=DEMO_PHYSICIAN,
                        decided_on=today - days(12), documented_in=f"Journal {bengt.enrolled_asih}, "
                                                                   "HLR-ställningstagande",
                        note="Beslutat tillsammans med patienten och hustrun."),
        LimitationInput(personnummer=bengt.personnummer, kind=LimitationKind.NO_ICU, decided_by=DEMO_PHYSICIAN,
                        decided_on=today - days(12), documented_in=f"Journal {bengt.enrolled_asih}"),
        LimitationInput(personnummer=lennart.personnummer, kind=LimitationKind.NO_CPR, decided_by=DEMO_PHYSICIAN,
                        decided_on=today - days(45), documented_in=f"Journal {lennart.enrolled_asih}, "
                                                                   "HLR-ställningstagande"),
    ]
    orders = [
        StandingOrderInput(personnummer=astrid.personnummer, team=astrid.enrolled_mobile_team,
                           text="IV-furosemid 40 mg vid andnöd", valid_until=today + days(140)),
        StandingOrderInput(personnummer=bengt.personnummer, team=bengt.enrolled_asih,
                           text="Morfin 5 mg s.c. vid smärta eller andnöd", valid_until=today + days(60)),
        StandingOrderInput(personnummer=bengt.personnummer, team=bengt.enrolled_asih,
                           text="Midazolam 2,5 mg s.c. vid oro", valid_until=today + days(60)),
    ]
    return plans, limitations, orders


def seed_demo_care_plans(session: Session, today: date | None = None) -> int:
    """Insert the demo's plans, limitations and orders that are missing (by their natural keys). Idempotent."""
    plans, limitations, orders = demo_care_plans(today)
    at, added = now(), 0
    pnrs = sorted({entry.personnummer for entry in [*plans, *limitations, *orders]})
    have_plans = {(r.personnummer, r.team) for r in session.scalars(
        select(CarePlanRow).where(CarePlanRow.personnummer.in_(pnrs)))}
    have_limits = {(r.personnummer, r.kind) for r in session.scalars(
        select(TreatmentLimitationRow).where(TreatmentLimitationRow.personnummer.in_(pnrs)))}
    have_orders = {(r.personnummer, r.team, r.text) for r in session.scalars(
        select(StandingOrderRow).where(StandingOrderRow.personnummer.in_(pnrs)))}
    for plan in plans:
        if (plan.personnummer, plan.team) not in have_plans:
            session.add(plan_row(plan, DEMO_SOURCE, at))
            added += 1
    for lim in limitations:
        if (lim.personnummer, lim.kind.value) not in have_limits:
            session.add(limitation_row(lim, DEMO_SOURCE, at))
            added += 1
    for order in orders:
        if (order.personnummer, order.team, order.text) not in have_orders:
            session.add(order_row(order, DEMO_SOURCE, at))
            added += 1
    return added


DEMO_SOURCE = "demo"


DEMO_PASSWORD = "demo-2026"  # shown on the sign-in screen in demo mode; demo data only
DEMO_USERS: dict[Role, tuple[str, str]] = {
    Role.NURSE: ("demo.nurse", "Demo Sjuksköterska"),
    Role.DISPATCHER: ("demo.dispatcher", "Demo Dirigent"),
    Role.PHYSICIAN: ("demo.physician", "Demo RLS-läkare"),
    Role.ADMIN: ("demo.admin", "Demo Administratör"),
}


DEMO_STAFF = frozenset({"ssk.karin", "usk.omar", "rls.eva"})  # the people of the demo's scripted calls


class NotADemoDatabase(PermissionError):
    """Demo mode refused: the database has real users. The message is Swedish."""


def check_demo_database(session: Session) -> None:
    """Demo mode writes known passwords and fictitious patients: only into a database that holds nothing but
    demo and system users (a fresh one included), never into a centre's."""
    from sqlalchemy import select

    from records.identity import SYSTEM_SOURCE
    from records.models import User

    demo_names = {name for name, _ in DEMO_USERS.values()} | DEMO_STAFF
    real = [u for u in session.scalars(select(User.username).where(User.auth_source != SYSTEM_SOURCE))
            if u not in demo_names]
    if real:
        raise NotADemoDatabase(f"Demoläget körs bara på en demodatabas; den här har riktiga användare "
                               f"({', '.join(sorted(real)[:3])}{' …' if len(real) > 3 else ''}). Starta utan --demo, "
                               "eller peka LARMCENTRAL_DATA_DIR/LARMCENTRAL_DB_URL på en egen demodatabas.")


def seed_demo_users(session: Session) -> None:
    """The demo's users, one per role, each with the known demo password (never in a real centre: only
    `console --demo` calls this)."""
    from records.identity import provision
    from records.passwords import hash_password

    for role, (username, name) in DEMO_USERS.items():
        user = provision(session, username, {role}, display_name=name)
        if user.password_hash is None:
            user.password_hash = hash_password(DEMO_PASSWORD)
