"""Per-team statistics (docs/outcomes.md, "Per team") match the database, on SQLite and PostgreSQL: the counts the
statistics report are counted again here with plain SQL over the outcomes in force, the later facts and the cases'
period, on a random set of enrolled patients' calls (corrections, feed outcomes, later admissions, open cases and
patients of no team among them)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from outcomes_helpers import AMB, T0, add_case
from sqlalchemy import text

from outcomes.closing import apply_feed_outcome, correct_outcome, record_outcome
from outcomes.codes import OutcomeCode
from outcomes.report import period_bounds, quality_figures
from outcomes.stats import outcome_statistics
from records.demo import demo_personnummer
from records.models import CarePlanRow, LaterFact, Patient
from resources.vocabulary import Role

TEAMS = ("Vårdcentralen Lund Norr", "Vårdcentralen Ystad Centrum", "ASIH Lund")
CODES = [c.value for c in OutcomeCode if c is not OutcomeCode.TRANSPORTED_ED] + ["transported_ed"] * 4

SQL = text("""
SELECT o.patient_team,
       COUNT(*),
       SUM(CASE WHEN o.code IN ('treated_left_home', 'left_home_advice', 'handed_over_team') THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.code IN ('transported_ed', 'to_psych_ed') THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.code = 'to_ward' OR EXISTS (SELECT 1 FROM later_facts f WHERE f.case_id = o.case_id
                                                   AND f.fact IN ('inlagd', 'inlagd_iva')) THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.plan_followed = 'yes' THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.plan_followed IN ('yes', 'no') THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.plan_followed = 'not_applicable' THEN 1 ELSE 0 END),
       SUM(CASE WHEN o.plan_followed IS NULL THEN 1 ELSE 0 END)
FROM outcomes o JOIN cases c ON c.id = o.case_id
WHERE o.superseded_by IS NULL AND o.patient_team IS NOT NULL AND c.created_at >= :lo AND c.created_at < :hi
GROUP BY o.patient_team ORDER BY o.patient_team
""")


def _patients(s) -> list[tuple[str, bool]]:  # type: ignore[no-untyped-def]
    """(personnummer, has a current plan): per team some with a plan, some enrolled only; some of no team."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(24):
        pnr = demo_personnummer(date(1930 + i, 1 + i % 12, 1 + i), i)  # test series, check digit right
        team = TEAMS[i % 3] if i < 21 else None
        asih = team if team and team.startswith("ASIH") else None
        s.add(Patient(personnummer=pnr, name=f"Test {i}", updated_at=at, source="test", enrolled_asih=asih,
                      enrolled_mobile_team=team if team and not asih else None))
        planned = team is not None and i % 2 == 0
        if planned:
            s.add(CarePlanRow(personnummer=pnr, team=team, author="Maja Exempel", written_on=date(2026, 1, 10),
                              valid_until=date(2026, 12, 31), items=[], free_text="", source="test", updated_at=at))
        out.append((pnr, planned))
    s.flush()
    return out


def _build(s, nurse, system, rng: random.Random) -> None:  # type: ignore[no-untyped-def]
    patients = _patients(s)
    for k in range(160):
        pnr, planned = rng.choice(patients)
        created = T0 + timedelta(hours=5 * k)
        still_open = k % 17 == 0  # not counted
        case = add_case(s, nurse, created_at=created, personnummer=pnr, units=() if still_open else (AMB,))
        if still_open:
            continue
        code = rng.choice(CODES)
        dest = "AKM_LUND" if code == "transported_ed" else None
        at = created + timedelta(minutes=40)
        if k % 5 == 0:  # a unit's outcome from its feed: no plan answer
            apply_feed_outcome(s, system, {"unit_id": AMB, "case_id": case.id, "code": code, "destination": dest,
                                           "ts": at.timestamp()})
        else:
            answer = rng.choice(["yes", "no", "not_applicable", None]) if planned else rng.choice(
                ["not_applicable", None])
            record_outcome(s, nurse, case.id, code, dest, at=at, plan_followed=answer,
                           plan_reason="Teamet nåddes inte" if answer == "no" else None)
        if k % 7 == 0:  # corrected: only the outcome in force counts
            correct_outcome(s, nurse, case.id, "to_ward", at=at + timedelta(hours=1))
        if k % 6 == 0:
            s.add(LaterFact(case_id=case.id, fact=rng.choice(["inlagd", "inlagd_iva", "akutbesok", "avliden_30d"]),
                            fact_date=created + timedelta(days=1), source="test", imported_at=created))
    s.flush()


def test_per_team_statistics_match_the_database(db, make_actor) -> None:
    nurse = make_actor(db)
    system = make_actor(db, "system.flöde", Role.DISPATCHER)
    lo, hi = period_bounds(date(2026, 3, 4), date(2026, 3, 28))  # a period inside the cases' span
    with db() as s, s.begin():
        _build(s, nurse, system, random.Random(20))
        everything = outcome_statistics(s)
        period = outcome_statistics(s, lo, hi)
        figures = quality_figures(s, date(2026, 3, 4), date(2026, 3, 28))
        ever = [tuple(r) for r in s.execute(SQL, {"lo": T0 - timedelta(days=1), "hi": T0 + timedelta(days=400)})]
        within = [tuple(r) for r in s.execute(SQL, {"lo": lo, "hi": hi})]

    def ours(st):  # type: ignore[no-untyped-def]
        return [(t.team, t.n, t.at_home.k, t.emergency_department.k, t.admitted.k, t.plan_followed.k,
                 t.plan_followed.n, t.plan_not_applicable, t.plan_not_asked) for t in st.teams]

    assert [t for t, *_ in ever] == sorted(TEAMS)  # every team, and the patients of none are not a team
    assert ours(everything) == ever
    assert ours(period) == within and within != ever
    assert figures.teams == period.teams  # the console's statistics view shows the report's figures
    for t in everything.teams:
        assert t.at_home.n == t.emergency_department.n == t.admitted.n == t.n
        assert sum(t.outcome_counts.values()) == t.n
        assert t.plan_followed.n > 0 and t.plan_not_asked > 0  # the data set exercises both
