"""`main.py addresses …` in-process: import (all or nothing, audited, the old register kept on a bad file), info,
search, and the demo's fictitious register (stored, or written as files that import back)."""

from __future__ import annotations

from pathlib import Path

import pytest
from audit_helpers import run_cli
from sqlalchemy import select

from records.address_register import load_register, register_info
from records.db import open_database, transaction
from records.models import AuditEntry
from resources.vocabulary import Role

pytestmark = pytest.mark.usefixtures("cli_engines")  # tests/conftest.py

HEADER = "kommunkod;kommunnamn;adressomrade;adressplatsnummer;bokstavstillagg;postnummer;postort;n;e"
ADDRESSES = [HEADER,
             "1281;Lund;Stortorget;1;;222 23;Lund;6176845;387270",
             "1286;Ystad;Stora Östergatan;12;B;27134;Ystad;6143200;425400",
             "1290;Kristianstad;Storgatan;7;;29131;Kristianstad;6209700;447400"]
PLACES = ["namn;typ;kommunkod;n;e", "Brösarp;småort;1270;6175500;447600"]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def info_of(db_url: str):  # type: ignore[no-untyped-def]
    engine, factory = open_database(db_url)
    try:
        with transaction(factory) as s:
            return register_info(s)
    finally:
        engine.dispose()


def test_import_replaces_the_register_and_is_audited(db_url, tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    auth = cli_user(db_url, "admin.karta", Role.ADMIN)
    out = run_cli(db_url, tmp_path, "addresses", "import", str(write(tmp_path / "adresser.csv", ADDRESSES)),
                  "--places", str(write(tmp_path / "orter.csv", PLACES)), *auth)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Importerade 3 adresser och 1 ortnamn från adresser.csv + orter.csv (")
    info = info_of(db_url)
    assert info is not None and (info.source, info.fictitious, info.addresses, info.places, info.imported_by) == (
        "adresser.csv + orter.csv", False, 3, 1, "admin.karta")
    engine, factory = open_database(db_url)
    with transaction(factory) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "addresses.import")).one()
    engine.dispose()
    assert entry.detail["file"] == str(tmp_path / "adresser.csv") and entry.detail["addresses"] == 3
    shown = run_cli(db_url, tmp_path, "addresses", "info")
    assert shown.returncode == 0
    assert "Källa: adresser.csv + orter.csv\nSlag: riktigt register\nAdresser: 3\nOrtnamn: 1\nImporterat: " \
        in shown.stdout and shown.stdout.rstrip().endswith("av admin.karta")


def test_a_bad_file_changes_nothing_and_names_every_bad_line_of_both_files(db_url, tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    auth = cli_user(db_url, "admin.karta", Role.ADMIN)
    good = write(tmp_path / "adresser.csv", ADDRESSES)
    assert run_cli(db_url, tmp_path, "addresses", "import", str(good), *auth).returncode == 0
    before = info_of(db_url)
    bad = write(tmp_path / "trasig.csv", [*ADDRESSES, "1281;;Gatan;1;;2222;Lund;6176845;387270",
                                          "1281;;Gatan;2;;22222;Lund;6300000;500000"])
    bad_places = write(tmp_path / "orter.csv", [*PLACES, "Brösarp;småort;1270;6175500;447600"])
    out = run_cli(db_url, tmp_path, "addresses", "import", str(bad), "--places", str(bad_places),
                  *cli_user(db_url, "admin.karta", Role.ADMIN))
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines() == [
        f"{bad}: importen avbröts, inget ändrades (2 fel)",
        "  - rad 5, kolumn 'postnummer': '2222' är inget postnummer (fem siffror, t.ex. 291 31)",
        "  - rad 6, kolumnerna 'n' och 'e': punkten N 6300000, E 500000 (56.84381, 15.00000) ligger utanför Skåne",
        f"{bad_places}: importen avbröts, inget ändrades (1 fel)",
        "  - rad 3: småort Brösarp i Tomelilla finns redan på rad 2",
    ]
    assert info_of(db_url) == before


def test_a_nurse_may_not_import_and_a_missing_file_is_told(db_url, tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    out = run_cli(db_url, tmp_path, "addresses", "import", str(write(tmp_path / "a.csv", ADDRESSES)),
                  *cli_user(db_url, "ssk.anna", Role.NURSE))
    assert out.returncode == 1 and out.stderr.startswith("Nekad: ") and info_of(db_url) is None
    out = run_cli(db_url, tmp_path, "addresses", "import", str(tmp_path / "finns-inte.csv"),
                  *cli_user(db_url, "admin.karta", Role.ADMIN))
    assert out.returncode == 2
    assert out.stderr.startswith(f"{tmp_path / 'finns-inte.csv'}: importen avbröts, inget ändrades (1 fel)\n"
                                 "  - filen kan inte läsas: ")


def test_info_without_a_register_and_search_refusals(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = run_cli(db_url, tmp_path, "addresses", "info")
    assert out.returncode == 0 and out.stdout.startswith("Inget adressregister importerat")
    out = run_cli(db_url, tmp_path, "addresses", "search", "storgatan", "--kommun", "Växjö")
    assert out.returncode == 2 and out.stderr.startswith("Okänd kommun 'Växjö'")
    out = run_cli(db_url, tmp_path, "addresses", "search", "storgatan", "--limit", "0")
    assert out.returncode == 2 and out.stderr == "--limit ska vara minst 1.\n"
    out = run_cli(db_url, tmp_path, "addresses", "search", "storgatan")
    assert out.returncode == 1 and out.stderr.startswith("Inget adressregister importerat: kör `main.py addresses "
                                                         "import FIL`")


def test_the_demo_register_is_stored_once_marked_fictitious_and_never_over_a_real_one(db_url, tmp_path,  # type: ignore[no-untyped-def]
                                                                                      cli_user) -> None:
    out = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "3000")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Lade in ett fiktivt demoregister: 3\u00a0000 adresser och ")
    info = info_of(db_url)
    assert info is not None and info.fictitious and info.addresses == 3000 and info.imported_by == "demo.admin"
    again = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "3000", "--if-missing")
    assert again.returncode == 0 and again.stdout.startswith("Adressregistret finns redan (Fiktivt demoregister")
    assert info_of(db_url) == info
    shown = run_cli(db_url, tmp_path, "addresses", "info")
    assert "Slag: fiktivt demoregister – inga verkliga adresser" in shown.stdout
    auth = cli_user(db_url, "admin.karta", Role.ADMIN)  # a real user: no longer a demo database
    assert run_cli(db_url, tmp_path, "addresses", "import", str(write(tmp_path / "a.csv", ADDRESSES)),
                   *auth).returncode == 0
    refused = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "3000",
                      *cli_user(db_url, "admin.karta", Role.ADMIN))
    assert refused.returncode == 1 and refused.stderr.startswith("Databasen har ett riktigt adressregister (a.csv")
    assert info_of(db_url).addresses == 3  # type: ignore[union-attr]


def test_without_user_the_demo_register_goes_only_into_a_demo_database(db_url, tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    cli_user(db_url, "ssk.riktig", Role.NURSE)
    out = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "3000")
    assert out.returncode == 1 and out.stderr.startswith("Databasen har riktiga användare: ange en administratör")
    assert info_of(db_url) is None


def test_the_written_demo_files_import_back_to_the_same_register(tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    db_url = f"sqlite:///{tmp_path / 'larm.sqlite3'}"
    files = (tmp_path / "adresser.csv", tmp_path / "orter.csv")
    out = run_cli(db_url, tmp_path, "addresses", "demo", "--count", "5000", "--write-file", str(files[0]),
                  "--places-file", str(files[1]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"Skrev 5\u00a0000 fiktiva adresser till {files[0]} och ")
    assert files[0].read_text(encoding="utf-8").splitlines()[0] == HEADER
    assert info_of(db_url) is None  # nothing stored
    out = run_cli(db_url, tmp_path, "addresses", "import", str(files[0]), "--places", str(files[1]),
                  *cli_user(db_url, "admin.karta", Role.ADMIN))
    assert out.returncode == 0, out.stderr
    from resources.location.demo_register import generate_demo_register

    addresses, places = generate_demo_register(count=5000, seed=2026)
    engine, factory = open_database(db_url)
    with transaction(factory) as s:
        register = load_register(s)
    engine.dispose()
    assert register is not None and len(register.addresses) == 5000 and len(register.places) == len(places)
    for got, made in zip(register.addresses, addresses, strict=True):
        assert got._replace(lat=0.0, lon=0.0) == made._replace(postnummer=made.postnummer.replace(" ", ""), lat=0.0,
                                                               lon=0.0)
        # written to the millimetre in SWEREF 99 TM: back within a millimetre in WGS84 (1e-8° is about 1 mm)
        assert abs(got.lat - made.lat) < 1e-8 and abs(got.lon - made.lon) < 2e-8


def test_search_finds_an_imported_address_and_a_place(db_url, tmp_path, cli_user) -> None:  # type: ignore[no-untyped-def]
    auth = cli_user(db_url, "admin.karta", Role.ADMIN)
    assert run_cli(db_url, tmp_path, "addresses", "import", str(write(tmp_path / "a.csv", ADDRESSES)), "--places",
                   str(write(tmp_path / "o.csv", PLACES)), *auth).returncode == 0
    out = run_cli(db_url, tmp_path, "addresses", "search", "stora östergatan 12", "--kommun", "1286")
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0].split("\t")
    assert first[0].startswith("Stora Östergatan 12 B") and first[1] == "Ystad"
    out = run_cli(db_url, tmp_path, "addresses", "search", "brösarp", "--limit", "1")
    assert out.returncode == 0 and len(out.stdout.splitlines()) == 1
    assert out.stdout.startswith("Brösarp") and "[småort]" in out.stdout
