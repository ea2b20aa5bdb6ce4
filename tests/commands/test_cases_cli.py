"""`main.py cases search TEXT` and `main.py cases timeline ID`: signed in with a password like every tool, Swedish
output, refusals as Swedish messages with exit code 1, each read audited. On SQLite and PostgreSQL."""

from __future__ import annotations

import io

import pytest
from command_world import triage
from sqlalchemy import select

from commands import CaseCreated, CreateCase, SendToWaitingRoom, run
from larmcentral_cli import main as cli
from records.cases import CaseIntake
from records.db import open_database, transaction
from records.identity import provision_and_sign_in
from records.models import AuditEntry, User
from resources.vocabulary import Role

TEST_PASSWORD = "Testlösen-2026-ok"  # tests/conftest.py's cli_user gives its users this password


pytestmark = pytest.mark.usefixtures("cli_engines")  # tests/conftest.py


@pytest.fixture
def case_id(db_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    engine, factory = open_database(db_url)
    try:
        with transaction(factory) as s:
            nurse = provision_and_sign_in(s, "ssk.anna", Role.NURSE, display_name="Anna Berg")
        created = run(factory, nurse, CreateCase(intake=CaseIntake(
            callback_phone="070-123 45 67", address="Storgatan 1", kommun="Ystad", patient_name="Tolvan Tolvansson",
            personnummer="19121212-1212")))
        assert isinstance(created, CaseCreated)
        run(factory, nurse, SendToWaitingRoom(case_id=created.case_id, triage=triage("2")))
        return created.case_id
    finally:
        engine.dispose()


def _run(monkeypatch: pytest.MonkeyPatch, options: list[str], *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSWORD + "\n"))
    return cli(["cases", *argv, *options])


def test_search_and_timeline_on_the_command_line(db_url, case_id, cli_user, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    usk = cli_user(db_url, "usk.berit", Role.DISPATCHER)
    assert _run(monkeypatch, usk, "search", "+46 70 123 45 67") == 0
    out = capsys.readouterr().out
    assert "1 träff för ”+46 70 123 45 67” (sökt som telefon), nyast först:" in out
    header, row = out.splitlines()[1:3]
    assert header.split() == ["Ärende", "Inkom", "Status", "Prio", "Patient", "Adress"]
    assert row.split()[0] == str(case_id)
    assert "Väntrummet" in row and "Prio 2" in row and "Tolvan Tolvansson (19121212-1212)" in row
    assert row.endswith("Storgatan 1, Ystad")

    assert _run(monkeypatch, usk, "timeline", str(case_id), "--details") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"Ärende {case_id} · Väntrummet · Prio 2 · Tolvan Tolvansson (19121212-1212) · Storgatan 1, Ystad"
    assert [line.split("  ", 2)[-1].strip() for line in lines[1:]] == [
        "Ärendet skapades", "Triagering klar: Prio 2  [Ändpunkt YRSEL.3.01]", "Skickat till väntrummet (Prio 2)"]
    assert "Anna Berg (sjuksköterska)" in lines[1]

    engine, factory = open_database(db_url)
    try:
        with factory() as s:
            uid = s.scalar(select(User.id).where(User.username == "usk.berit"))
            actions = [(a.action, a.case_id, a.detail.get("via")) for a in s.scalars(
                select(AuditEntry).where(AuditEntry.user_id == uid, AuditEntry.action.in_(["case.search", "case.read"]))
                .order_by(AuditEntry.id))]
    finally:
        engine.dispose()
    assert actions == [("case.search", None, None), ("case.read", case_id, "timeline")]


def test_refusals_are_swedish_messages(db_url, case_id, cli_user, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    admin = cli_user(db_url, "admin.dora", Role.ADMIN)
    assert _run(monkeypatch, admin, "search", "Storgatan") == 1
    assert "Nekad: Administratör får inte söka efter ärenden" in capsys.readouterr().err
    ssk = cli_user(db_url, "ssk.cilla", Role.NURSE)
    assert _run(monkeypatch, ssk, "search", "ab") == 1
    assert capsys.readouterr().err.strip() == "Skriv minst 3 tecken av adressen (”ab” är för kort)."
