"""The outcome records what became of the patient's own plan (docs/outcomes.md, "The patient's plan"), on SQLite and
PostgreSQL: whether it was followed (a reason when not), audited; refused in Swedish where it cannot be; the team
responsible for the patient at the time, also for a unit's outcome from its feed; a correction keeps both."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from outcomes_helpers import AMB, T0, add_case
from sqlalchemy import select

from commands import RecordOutcome, run
from outcomes.closing import OutcomeError, apply_feed_outcome, correct_outcome, record_outcome
from records.audit import audit_trail
from records.models import CarePlanRow, Outcome, Patient
from records.timeline_texts import describe
from resources.vocabulary import Role

PLANNED, ASIH_ONLY, MOBILE_ONLY, NOBODY = "19121212-1212", "19400505-9813", "19520808-9820", "19300101-9808"
TEAM, ASIH = "Vårdcentralen Lund Norr", "ASIH Lund"


def _register(s) -> None:  # type: ignore[no-untyped-def]
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for pnr, mobile, asih in ((PLANNED, "Vårdcentralen Lund Söder", ASIH), (ASIH_ONLY, TEAM, ASIH),
                              (MOBILE_ONLY, TEAM, None), (NOBODY, None, None)):
        s.add(Patient(personnummer=pnr, name="Test", enrolled_mobile_team=mobile, enrolled_asih=asih, updated_at=at,
                      source="test"))
    s.add(CarePlanRow(personnummer=PLANNED, team=TEAM, author="Maja Exempel", written_on=date(2026, 1, 10),
                      valid_until=date.today() + timedelta(days=365), items=[], free_text="", source="test",
                      updated_at=at))
    s.add(CarePlanRow(personnummer=ASIH_ONLY, team="ASIH Malmö", author="Per Prov", written_on=date(2025, 1, 10),
                      valid_until=date(2026, 2, 28), items=[], free_text="", source="test", updated_at=at))  # expired
    s.flush()


def test_plan_not_followed_is_recorded_with_its_reason_and_audited(db, make_actor) -> None:
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    with db() as s, s.begin():
        _register(s)
        case_id = add_case(s, nurse, personnummer=PLANNED, units=(AMB,)).id
    view = run(db, nurse, RecordOutcome(case_id=case_id, code="transported_ed", destination="AKM_LUND",
                                        plan_followed="no", plan_reason="Teamet nåddes inte"))
    assert (view.plan_followed, view.plan_reason, view.patient_team) == ("no", "Teamet nåddes inte", TEAM)
    with db() as s:
        row = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).one()
        assert (row.plan_followed, row.plan_reason, row.patient_team) == ("no", "Teamet nåddes inte", TEAM)
        [entry] = [e for e in audit_trail(s, case_id) if e.action == "outcome.record"]
    assert entry.user_id == nurse.user_id
    assert (entry.detail["plan_followed"], entry.detail["plan_reason"], entry.detail["patient_team"]) == \
        ("no", "Teamet nåddes inte", TEAM)
    said = describe(entry.action, entry.detail)  # the case's timeline
    assert said is not None and said[0].endswith("; patientens plan följdes inte: Teamet nåddes inte")


@pytest.mark.parametrize(("pnr", "followed", "reason", "message"), [
    (PLANNED, "no", None, "skriv varför patientens plan inte följdes"),
    (PLANNED, "no", "   ", "skriv varför patientens plan inte följdes"),
    (PLANNED, "yes", "för att", "ett skäl anges bara när patientens plan inte följdes"),
    (PLANNED, None, "för att", "ett skäl anges bara när patientens plan inte följdes"),
    (PLANNED, "kanske", None, "'kanske' är inget svar på om planen följdes"),
    (ASIH_ONLY, "yes", None, "har ingen gällande vårdplan"),  # the plan expired before the outcome
    (NOBODY, "no", "x", "har ingen gällande vårdplan"),
])
def test_an_answer_that_cannot_be_is_refused_in_swedish(db, make_actor, pnr: str, followed: str | None,
                                                        reason: str | None, message: str) -> None:
    nurse = make_actor(db)
    with db() as s, s.begin():
        _register(s)
        case = add_case(s, nurse, personnummer=pnr)
        with pytest.raises(OutcomeError, match=message) as err:
            record_outcome(s, nurse, case.id, "treated_left_home", at=T0, plan_followed=followed,
                           plan_reason=reason)
        assert str(err.value).startswith("Utfallet kan inte registreras:")
        assert s.scalars(select(Outcome).where(Outcome.case_id == case.id)).first() is None


@pytest.mark.parametrize(("pnr", "team"), [(PLANNED, TEAM), (ASIH_ONLY, ASIH), (MOBILE_ONLY, TEAM), (NOBODY, None),
                                           (None, None)])
def test_the_patients_team_of_the_time_plan_first_then_asih_then_the_mobile_team(db, make_actor, pnr: str | None,
                                                                                 team: str | None) -> None:
    nurse = make_actor(db)
    with db() as s, s.begin():
        _register(s)
        case = add_case(s, nurse, personnummer=pnr)
        view = record_outcome(s, nurse, case.id, "left_home_advice", at=T0,
                              plan_followed="not_applicable")
    assert view.patient_team == team and view.plan_followed == "not_applicable"


def test_a_units_outcome_from_its_feed_records_the_team_and_no_answer(db, make_actor) -> None:
    nurse = make_actor(db)
    system = make_actor(db, "system.flöde", Role.DISPATCHER)
    with db() as s, s.begin():
        _register(s)
        case = add_case(s, nurse, personnummer=PLANNED, units=(AMB,))
        view = apply_feed_outcome(s, system, {"unit_id": AMB, "case_id": case.id, "code": "treated_left_home",
                                              "ts": T0.timestamp()})
    assert view is not None and (view.patient_team, view.plan_followed) == (TEAM, None)


def test_a_correction_keeps_the_answer_and_the_team(db, make_actor) -> None:
    nurse = make_actor(db)
    with db() as s, s.begin():
        _register(s)
        case = add_case(s, nurse, personnummer=PLANNED)
        record_outcome(s, nurse, case.id, "treated_left_home", at=T0, plan_followed="yes")
        view = correct_outcome(s, nurse, case.id, "transported_ed", "AKM_LUND", at=T0 + timedelta(hours=1))
    assert (view.plan_followed, view.patient_team) == ("yes", TEAM)


def test_the_command_line_closes_with_the_plans_answer_and_shows_the_teams(tmp_path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                                                          cli_user) -> None:
    from larmcentral_cli import main
    from records.db import open_database
    from records.identity import provision_and_sign_in

    url = f"sqlite:///{tmp_path / 'plan.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    _, factory = open_database(url)
    with factory() as s, s.begin():
        _register(s)
        nurse = provision_and_sign_in(s, "ssk.anna", Role.NURSE)
        case_id = add_case(s, nurse, personnummer=PLANNED).id
    close = ["outcomes", "close", str(case_id), "treated_left_home"]
    assert main([*close, "--plan-followed", "nej", *cli_user(url, "ssk.anna", Role.NURSE)]) == 1
    assert "skriv varför patientens plan inte följdes" in capsys.readouterr().err
    assert main([*close, "--plan-followed", "nej", "--plan-reason", "Teamet nåddes inte",
                 *cli_user(url, "ssk.anna", Role.NURSE)]) == 0
    capsys.readouterr()
    with factory() as s:
        row = s.scalars(select(Outcome).where(Outcome.case_id == case_id)).one()
    assert (row.plan_followed, row.plan_reason, row.patient_team) == ("no", "Teamet nåddes inte", TEAM)
    assert main(["outcomes", "stats", "--teams", *cli_user(url, "lak.david", Role.PHYSICIAN)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("team") and "planen följd" in out[0]
    assert out[1].startswith(TEAM) and out[1].endswith("0% (0%–79%, 0/1)")  # not followed, one answered
