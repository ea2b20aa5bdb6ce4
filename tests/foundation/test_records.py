"""Case records on SQLite and PostgreSQL: migrations, audit, patient register, personnummer."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from records.audit import audit_trail
from records.case_state import CaseEvent
from records.cases import CaseIntake, CaseStatus, advance, create_case, get_case, list_cases, update_intake
from records.db import downgrade, make_engine, migrate, table_names
from records.demo import demo_patients, demo_personnummer
from records.models import AuditEntry, Patient
from records.patients import PatientImportError, import_patients, lookup_context
from records.personnummer import InvalidPersonnummer, normalise
from resources.vocabulary import Role

EXPECTED_TABLES = {"users", "patients", "cases", "triage_answers", "triage_results", "recommendations", "assignments",
                   "unit_status_events", "outcomes", "later_facts", "followups", "reviews", "rule_proposals",
                   "call_drafts", "audit_log"}


def test_migrations_go_up_and_down(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    migrate(engine)
    assert EXPECTED_TABLES <= table_names(engine)
    downgrade(engine, "base")
    assert table_names(engine) - {"alembic_version"} == set()
    migrate(engine)
    assert EXPECTED_TABLES <= table_names(engine)
    engine.dispose()


def test_every_write_and_read_of_a_case_is_audited_with_its_user(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    dispatcher = make_actor(db, "usk.bo", Role.DISPATCHER)
    with db() as s, s.begin():
        case = create_case(s, nurse, CaseIntake(caller_name="Karin", callback_phone="0701234567", kommun="Lund",
                                                personnummer="19121212-1212"))
        update_intake(s, nurse, case.id, CaseIntake(caller_name="Karin", callback_phone="0701234567", kommun="Eslöv"))
        advance(s, nurse, case.id, CaseEvent.SEND_TO_WAITING_ROOM)
    with db() as s, s.begin():
        seen = get_case(s, dispatcher, case.id)
        assert seen.status is CaseStatus.WAITING and seen.kommun == "Eslöv" and seen.waiting_since is not None
    with db() as s:
        trail = [(e.action, e.user_id, e.role) for e in audit_trail(s, case.id)]
    assert trail == [("case.create", nurse.user_id, "nurse"), ("case.update_intake", nurse.user_id, "nurse"),
                     ("case.status", nurse.user_id, "nurse"), ("case.read", dispatcher.user_id, "dispatcher")]


def test_a_failed_write_leaves_neither_change_nor_audit(db, make_actor) -> None:  # type: ignore[no-untyped-def]
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    with pytest.raises(RuntimeError), db() as s, s.begin():
        create_case(s, nurse, CaseIntake(caller_name="X"))
        raise RuntimeError("the console crashed mid-write")
    with db() as s:
        assert list_cases(s, nurse) == []
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "case.create")).all() == []


def test_invalid_personnummer_is_refused_at_intake() -> None:
    with pytest.raises(ValueError, match="kontrollsiffran"):
        CaseIntake(personnummer="19121212-1213")


@pytest.mark.parametrize(("raw", "normal"), [
    ("19121212-1212", "19121212-1212"), ("191212121212", "19121212-1212"), ("121212+1212", "19121212-1212"),
    ("19450101-R123", "19450101-R123"), ("19121272-1219", "19121272-1219"),  # samordningsnummer: day + 60
])
def demo_personnummer_forms(raw: str, normal: str) -> None:
    assert normalise(raw, today=date(2026, 11, 27)) == normal


@pytest.mark.parametrize(("raw", "why"), [
    ("19121212-1213", "kontrollsiffran"), ("19120230-1212", "finns inte"), ("1212", "fel format"),
    ("", "saknas"), ("21121212-1212", "framtiden"),
])
def demo_personnummer_errors_say_what_is_wrong(raw: str, why: str) -> None:
    with pytest.raises(InvalidPersonnummer, match=why):
        normalise(raw)


def test_demo_patients_use_valid_test_series_numbers() -> None:
    for p in demo_patients():
        assert normalise(p.personnummer) == p.personnummer
        assert p.personnummer[9:11] == "98"
    assert demo_personnummer(date(1940, 5, 17), 3).startswith("19400517-983")


HEADER = "personnummer;namn;mobilt_vardteam;asih;sabo;hemsjukvard;listad_vardcentral;psykiatriteam\n"


def test_patient_import_and_lookup(db, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The administrator imports the register; a nurse looks a patient up (the admin reads no patient data)."""
    admin = make_actor(db, "admin", Role.ADMIN)
    nurse = make_actor(db, "ssk.anna", Role.NURSE)
    csv = tmp_path / "export.csv"
    csv.write_text(HEADER + "19121212-1212;Tolvan Tolvansson;Vårdcentralen Lund Norr;;ja;ja;Vårdcentralen Lund Norr;\n"
                   "19400517-9835;Test Person;;ASIH Lund;nej;nej;;\n", encoding="utf-8")
    with db() as s, s.begin():
        assert import_patients(s, admin, csv) == 2
    with db() as s, s.begin():
        ctx = lookup_context(s, nurse, "191212121212", today=date(2026, 11, 27))
    assert ctx.enrolled_mobile_team == "Vårdcentralen Lund Norr" and ctx.lives_in_saebo and ctx.home_care
    assert ctx.age == 113


def test_patient_import_with_bad_rows_changes_nothing_and_names_the_lines(db, make_actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    admin = make_actor(db, "admin", Role.ADMIN)
    csv = tmp_path / "export.csv"
    csv.write_text(HEADER + "19121212-1212;Ok;;;nej;nej;;\n"
                   "19121212-1213;Fel kontrollsiffra;;;nej;nej;;\n"
                   "19400517-9835;Fel ja/nej;;;kanske;nej;;\n", encoding="utf-8")
    with pytest.raises(PatientImportError) as info, db() as s, s.begin():
        import_patients(s, admin, csv)
    assert any(p.startswith("rad 3, fält 'personnummer'") and "kontrollsiffran" in p for p in info.value.problems)
    assert any(p.startswith("rad 4, fält 'sabo'") for p in info.value.problems)
    with db() as s:
        assert s.scalars(select(Patient)).all() == []


def test_patient_import_warns_about_team_names_no_unit_carries(tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                                                cli_user) -> None:
    from larmcentral_cli import main as cli

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    csv = tmp_path / "export.csv"
    csv.write_text(HEADER + "19121212-1212;Tolvan;VC Lund Norr;;nej;nej;Vårdcentralen Lund Norr;\n", encoding="utf-8")
    assert cli(["patients", "import", str(csv), *cli_user(url)]) == 0
    err = capsys.readouterr().err
    assert "rad 2, fält 'mobilt_vardteam': 'VC Lund Norr' finns inte bland flottans enheter" in err
    assert "listad_vardcentral" not in err


def test_demo_patients_are_written_only_by_a_signed_in_administrator(tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                                                      cli_user) -> None:
    import io

    from larmcentral_cli import main as cli
    from records.db import open_database

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert cli(["db", "upgrade"]) == 0
    assert cli(["patients", "demo"]) == 1  # no password
    assert cli(["patients", "demo", *cli_user(url, "ssk.anna", Role.NURSE)]) == 1  # not an administrator
    assert "Administratör" in capsys.readouterr().err
    engine, factory = open_database(url)
    with factory() as s:
        assert s.scalars(select(Patient)).all() == []
    assert cli(["patients", "demo", *cli_user(url, "admin.test", Role.ADMIN)]) == 0
    assert f"Lade till {len(demo_patients())} demopatienter" in capsys.readouterr().out
    with factory() as s:
        assert len(s.scalars(select(Patient)).all()) == len(demo_patients())
        runs = [(e.role, e.detail) for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "patients.demo"))]
    engine.dispose()
    assert runs == [("admin", {"added": len(demo_patients())})]


def test_check_digit_helper_refuses_anything_but_nine_digits() -> None:
    from records.personnummer import with_check_digit

    assert with_check_digit("121212121") == "2"
    for bad in ("121212-121", "12121212", "1212121211"):
        with pytest.raises(ValueError, match="nine digits"):
            with_check_digit(bad)
