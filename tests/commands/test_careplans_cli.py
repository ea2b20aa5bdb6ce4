"""`main.py careplans import FILE` and `main.py careplans show PERSONNUMMER`, on SQLite and PostgreSQL: signed in with
a password, Swedish output, a broken file refused with exit code 1 and its lines named, the read audited and refused
to an administrator."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from larmcentral_cli import main as cli
from records.db import open_database, transaction
from records.models import AuditEntry, Patient
from resources.vocabulary import Role

sys.path.insert(0, str(Path(__file__).parents[1] / "careplans"))  # the care-plan tests' export file

from care_plan_helpers import ASTA, GOOD, TOLVAN, write  # noqa: E402

TEST_PASSWORD = "Testlösen-2026-ok"  # tests/conftest.py's cli_user gives its users this password
pytestmark = pytest.mark.usefixtures("cli_engines")  # the in-process CLI's engines disposed (conftest)


def _run(monkeypatch: pytest.MonkeyPatch, options: list[str], *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSWORD + "\n"))
    return cli(["careplans", *argv, *options])


def test_import_and_show_on_the_command_line(db_url, cli_user, monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    admin = cli_user(db_url, "admin.eva", Role.ADMIN)
    assert _run(monkeypatch, admin, "import", str(write(tmp_path, GOOD))) == 0
    captured = capsys.readouterr()
    assert ("Importerade 2 vårdplaner (4 åtgärder vid försämring), 2 behandlingsbegränsningar och 2 ordinationer "
            "från") in captured.out
    assert f"Varning: rad 2, fält 'personnummer': {TOLVAN} finns inte i patientregistret" in captured.err

    nurse = cli_user(db_url, "ssk.anna", Role.NURSE)
    assert _run(monkeypatch, nurse, "show", "191212121212", "--date", "2026-03-02") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{TOLVAN}: patientens egna planer (giltighet bedömd 2026-03-02)"
    assert out[1] == "Behandlingsbegränsningar:"
    assert out[2].startswith("  EJ HLR: beslutad av Sigrid Demoläkare 2026-02-01, dokumenterad i Journal VC Lund Norr"
                             " – Beslutat med patienten och dottern [källa: vardplaner.csv, ")
    assert out[3].startswith("Vårdplan från Vårdcentralen Lund Norr (gäller till 2026-06-30), skriven 2026-01-10 av "
                             "Maja Exempel")
    assert out[4:8] == ["  Vid försämring:", "    - Behandling i hemmet: Extra furosemid enligt ordination",
                        "    - Ring teamet (08:00–17:00): Ring teamet dagtid",
                        "    - Läkarbil (17:00–08:00): Läkarbil nattetid"]
    assert _run(monkeypatch, nurse, "show", ASTA, "--date", "2026-03-02") == 0
    assert "Vårdplan från ASIH Lund (UTGÅNGEN till 2026-02-28)" in capsys.readouterr().out

    assert _run(monkeypatch, admin, "show", TOLVAN) == 1
    assert "Nekad: Administratören har ingen klinisk behörighet" in capsys.readouterr().err
    engine, factory = open_database(db_url)
    try:
        with factory() as s:
            reads = [a.detail["patient"] for a in s.query(AuditEntry).filter_by(action="patient.care_plan.read")]
            assert s.get(Patient, TOLVAN) is None  # the register's patients are the patient import's business
    finally:
        engine.dispose()
    assert reads == [TOLVAN, ASTA]


def test_a_broken_file_is_refused_with_its_lines_named(db_url, cli_user, monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    admin = cli_user(db_url, "admin.eva", Role.ADMIN)
    broken = GOOD.replace("2026-01-10", "2026-13-10")
    assert _run(monkeypatch, admin, "import", str(write(tmp_path, broken))) == 1
    err = capsys.readouterr().err
    assert "vardplaner.csv: importen avbröts, inget ändrades (1 fel)" in err
    assert "rad 2, fält 'skriven': '2026-13-10' finns inte i kalendern" in err
    engine, factory = open_database(db_url)
    try:
        with transaction(factory) as s:
            assert s.query(AuditEntry).filter_by(action="careplans.import").count() == 0
    finally:
        engine.dispose()


def test_an_administrator_edits_one_patients_plan_on_the_command_line(db_url, cli_user, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LARMCENTRAL_DB_URL", db_url)
    admin = cli_user(db_url, "admin.eva", Role.ADMIN)
    engine, factory = open_database(db_url)
    try:
        with transaction(factory) as s:
            s.add(Patient(personnummer=TOLVAN, name="Tolvan Tolvansson", updated_at=datetime.now(UTC), source="test"))
    finally:
        engine.dispose()
    assert _run(monkeypatch, admin, "set-limitation", "191212121212", "--kind", "Ej HLR", "--decided-by",
                "Sigrid Demoläkare", "--decided", "2026-02-01", "--documented-in", "Telefon från ASIH-läkaren") == 0
    assert capsys.readouterr().out.startswith(f"Behandlingsbegränsningen (no_cpr) för {TOLVAN} är inlagd.")
    assert _run(monkeypatch, admin, "set-plan", TOLVAN, "--team", "ASIH Lund", "--author", "Maja Exempel",
                "--written", "2026-02-01", "--valid-until", "2026-05-01", "--item", "ring_teamet@08-17=Ring ASIH",
                "--item", "ej_sjukhus=Vill dö hemma") == 0
    assert _run(monkeypatch, admin, "set-order", TOLVAN, "--team", "ASIH Lund", "--text", "Morfin 5 mg s.c.",
                "--valid-until", "2026-05-01") == 0
    capsys.readouterr()

    nurse = cli_user(db_url, "ssk.anna", Role.NURSE)
    assert _run(monkeypatch, nurse, "show", TOLVAN, "--date", "2026-03-02") == 0
    out = capsys.readouterr().out
    assert "  EJ HLR: beslutad av Sigrid Demoläkare 2026-02-01, dokumenterad i Telefon från ASIH-läkaren [källa: " \
           "manuellt (admin.eva), " in out
    assert "    - Ring teamet (08:00–17:00): Ring ASIH\n    - Vill inte till sjukhus: Vill dö hemma\n" in out
    assert "  ASIH Lund: Morfin 5 mg s.c. (gäller till 2026-05-01)" in out

    assert _run(monkeypatch, admin, "remove-limitation", TOLVAN, "--kind", "ej_hlr") == 0
    assert "är borttagen" in capsys.readouterr().out
    assert _run(monkeypatch, admin, "remove-limitation", TOLVAN, "--kind", "ej_hlr") == 1
    assert "har ingen behandlingsbegränsning 'Ej HLR'" in capsys.readouterr().err
    assert _run(monkeypatch, admin, "set-order", ASTA, "--team", "ASIH Lund", "--text", "Morfin",
                "--valid-until", "2026-05-01") == 1
    assert f"Personnumret {ASTA} finns inte i patientregistret" in capsys.readouterr().err
    assert _run(monkeypatch, admin, "set-plan", TOLVAN, "--team", "ASIH Lund", "--author", "Maja Exempel",
                "--written", "2026-02-01", "--valid-until", "2026-01-01") == 1
    assert "planen gäller till 2026-01-01, före dagen den skrevs (2026-02-01)" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(monkeypatch, admin, "set-plan", TOLVAN, "--team", "ASIH Lund", "--author", "M", "--written",
             "2026-02-01", "--valid-until", "2026-05-01", "--item", "ring teamet dagtid")
    assert "skriv SLAG[@TIDER]=TEXT" in capsys.readouterr().err
    assert _run(monkeypatch, nurse, "remove-plan", TOLVAN, "--team", "ASIH Lund") == 1
    assert "Nekad:" in capsys.readouterr().err
