"""The nightly patient and care-plan imports with a file that cannot be read as CSV: a missing file, a directory, a
file that is not UTF-8 and a line with a field longer than the csv module's limit each give the import's own
Swedish error naming the file and, where there is one, the line (regression: the system's English words reached the
user — "[Errno 2] No such file or directory", "'utf-8' codec can't decode byte" — and a field over 131 072
characters raised _csv.Error out of `careplans import` / `patients import` as a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from records.care_plan_import import COLUMNS, CarePlanImportError, parse_care_plan_csv
from records.patients import CSV_COLUMNS, PatientImportError, parse_patient_csv

PARSERS: list[tuple[str, Callable[[Path], object], type[ValueError], str]] = [
    ("patients", parse_patient_csv, PatientImportError,
     ";".join(CSV_COLUMNS) + "\n19121212-1212;{big};;;;;;\n"),
    ("careplans", parse_care_plan_csv, CarePlanImportError,
     ";".join(COLUMNS) + "\nplan;19121212-1212;ASIH Lund;;{big};;Maja;2026-01-10;2026-06-30;;;\n"),
]
ENGLISH = ("Errno", "codec", "No such file", "Is a directory", "field limit", "Traceback")


def _error(parse: Callable[[Path], object], error: type[ValueError], path: Path) -> str:
    with pytest.raises(error) as exc:
        parse(path)
    text = str(exc.value)
    assert str(path) in text
    for english in ENGLISH:
        assert english not in text, text
    return text


@pytest.mark.parametrize(("name", "parse", "error", "body"), PARSERS, ids=[p[0] for p in PARSERS])
def test_missing_file_and_directory(name: str, parse: Callable[[Path], object], error: type[ValueError], body: str,
                                    tmp_path: Path) -> None:
    assert "filen eller katalogen finns inte" in _error(parse, error, tmp_path / "saknas.csv")
    assert "det är en katalog, inte en fil" in _error(parse, error, tmp_path)


@pytest.mark.parametrize(("name", "parse", "error", "body"), PARSERS, ids=[p[0] for p in PARSERS])
def test_not_utf8_names_the_line(name: str, parse: Callable[[Path], object], error: type[ValueError], body: str,
                                 tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(body.format(big="Åsa").encode("utf-8") + "19121212-1212;Åsa\n".encode("latin-1"))
    assert "rad 3: filen är inte UTF-8-kodad" in _error(parse, error, path)


@pytest.mark.parametrize(("name", "parse", "error", "body"), PARSERS, ids=[p[0] for p in PARSERS])
def test_huge_field_is_a_bad_line(name: str, parse: Callable[[Path], object], error: type[ValueError], body: str,
                                  tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text(body.format(big="x" * 200_000), encoding="utf-8")
    assert "rad 2: raden kan inte läsas" in _error(parse, error, path)


def test_address_register_huge_field_in_swedish(tmp_path: Path) -> None:
    from records.address_file import read_address_file
    from records.csv_table import RegisterFileError

    path = tmp_path / "adresser.csv"
    path.write_text("kommunkod;adressomrade;adressplatsnummer;postnummer;postort;n;e\n"
                    f"1286;{'A' * 200_000};1;27134;Ystad;6143200;425400\n", encoding="utf-8")
    text = _error(read_address_file, RegisterFileError, path)
    assert "rad 2: raden kan inte läsas (ett fält är längre än 131 072 tecken)" in text


def test_patient_import_with_a_bad_fleet_file_changes_nothing(tmp_path: Path, monkeypatch, capsys,  # type: ignore[no-untyped-def]
                                                              cli_user) -> None:
    """The fleet file (for the warnings about team names) is read before the import, as `careplans import` does:
    a missing one refused the command with exit 1 after the whole patient register had been replaced."""
    from sqlalchemy import select

    from larmcentral_cli import main as cli
    from records.db import open_database
    from records.models import Patient

    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    monkeypatch.setenv("LARMCENTRAL_DB_URL", url)
    export = tmp_path / "export.csv"
    export.write_text(";".join(CSV_COLUMNS) + "\n19121212-1212;Tolvan;;;nej;nej;;\n", encoding="utf-8")
    assert cli(["patients", "import", str(export), "--fleet", str(tmp_path / "saknas.yaml"), *cli_user(url)]) != 0
    assert "saknas.yaml" in capsys.readouterr().err
    _, factory = open_database(url)
    with factory() as s:
        assert s.scalars(select(Patient)).all() == []
