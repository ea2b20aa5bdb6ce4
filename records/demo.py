"""Demo data: fictitious patients with test personnummer (serial 98xx), never real persons.

Their context points at units of the default fleet so the demo shows the broad palette at work.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from records.audit import now
from records.models import Patient
from records.personnummer import with_check_digit
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
    """Insert the demo patients that are missing. Idempotent."""
    added = 0
    for p in demo_patients():
        if session.get(Patient, p.personnummer) is None:
            session.add(p)
            added += 1
    return added


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
