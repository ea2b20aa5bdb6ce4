"""Data-file errors are in Swedish and name the column the file has (regression: pydantic's English texts such as "Field required"
or "Input should be ..." reached the user through rules check, recommend and the imports)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dispatch.case_input import load_case
from records.patients import PatientImportError, parse_patient_csv
from resources.datafile import DataFileError


def test_case_file_errors_are_swedish(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps({"priority": 4, "care_need": {"capabilities": ["teleport"], "transport": "bil",
                                                             "max_minutes": -3}, "lat": "x", "kommun": "Malmö",
                                "extra": 1}), encoding="utf-8")
    with pytest.raises(DataFileError) as exc:
        load_case(path)
    text = str(exc.value)
    for english in ("Input should", "Field required", "Extra inputs", "valid number"):
        assert english not in text
    for swedish in ("fält 'priority': måste vara ett av", "(angivet: 'teleport')", "fält 'max_minutes': ska vara minst 0",
                    "fält 'lat': ska vara ett tal", "fält 'lon': saknas", "fält 'extra': okänt fält"):
        assert swedish in text


def test_patient_import_errors_are_swedish(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("personnummer;namn;mobilt_vardteam;asih;sabo;hemsjukvard;listad_vardcentral;psykiatriteam\n"
                    "19121212-1212;Tolvan;;;kanske;ja;;\n", encoding="utf-8")
    with pytest.raises(PatientImportError) as exc:
        parse_patient_csv(path)
    assert "rad 2, fält 'sabo': 'kanske' är inte ja/nej" in str(exc.value)
